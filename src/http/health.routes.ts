import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { isReachable } from '../store/database.ts'
import { STORE_RETRY_AFTER_SECONDS } from './error-handler.ts'
import { apiError } from '../shared/errors.ts'

/** Liveness (the process answers) and readiness (the store answers) for orchestrators. */
export function healthRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: HEALTHZ }, async () => ({ status: 'ok' }))
    app.get('/readyz', { schema: READYZ }, async (_request, reply) => {
      if (await isReachable(ctx.db)) return { status: 'ready' }
      // The catalogue's 5003 entry, whose status is 503.
      const unavailable = apiError('storeUnavailable')
      return reply.code(503).header('retry-after', String(STORE_RETRY_AFTER_SECONDS)).send({ status: 'unavailable', ...unavailable.toBody() })
    })
  }
}

// Documented with the API: operators and orchestrators read the same document.
const HEALTHZ = {
  tags: ['operations'],
  summary: 'Liveness: answers 200 while the process is up',
  security: [],
  response: { 200: Type.Object({ status: Type.Literal('ok') }) },
}

const READYZ = {
  tags: ['operations'],
  summary: 'Readiness: answers 200 while the store answers, 503 with error 5003 while it does not',
  security: [],
  response: {
    200: Type.Object({ status: Type.Literal('ready') }),
    503: Type.Object({ status: Type.Literal('unavailable'), errorCode: Type.Integer(), errorMessage: Type.String(), detail: Type.Optional(Type.String()) }),
  },
}
