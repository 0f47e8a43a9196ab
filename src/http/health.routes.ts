import type { FastifyPluginAsync } from 'fastify'
import type { AppContext } from '../context.ts'
import { isReachable } from '../store/database.ts'
import { STORE_RETRY_AFTER_SECONDS } from './error-handler.ts'
import { apiError } from '../shared/errors.ts'

/** Liveness (the process answers) and readiness (the store answers) for orchestrators. */
export function healthRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }))
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      if (await isReachable(ctx.db)) return { status: 'ready' }
      const unavailable = apiError('storeUnavailable')
      return reply.code(unavailable.status).header('retry-after', String(STORE_RETRY_AFTER_SECONDS)).send({ status: 'unavailable', ...unavailable.toBody() })
    })
  }
}
