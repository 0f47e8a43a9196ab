import type { FastifyPluginAsync } from 'fastify'
import type { AppContext } from '../context.ts'
import { isReachable } from '../store/database.ts'

/** Liveness (the process answers) and readiness (the store answers) for orchestrators. */
export function healthRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }))
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      if (await isReachable(ctx.db)) return { status: 'ready' }
      return reply.code(503).send({ status: 'unavailable', errorCode: 5003, errorMessage: 'Service Unavailable' })
    })
  }
}
