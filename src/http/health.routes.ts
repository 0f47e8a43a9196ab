import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { isReachable } from '../store/database.ts'

/** Liveness (the process answers) and readiness (the store answers) for orchestrators. */
export function healthRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: HEALTHZ }, async () => ({ status: 'ok' }))
    app.get('/readyz', { schema: READYZ }, async (_request, reply) => {
      if (await isReachable(ctx.db)) return { status: 'ready' }
      return reply.code(503).send({ status: 'unavailable', errorCode: 5003, errorMessage: 'Service Unavailable' })
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
