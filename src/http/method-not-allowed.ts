import type { FastifyInstance, HTTPMethods } from 'fastify'
import { apiError } from '../shared/errors.ts'
import { send } from './error-handler.ts'

const METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

/**
 * A known path called with a method it does not serve answers 405 1005 with `Allow`, not the
 * router's 404. Routes are collected as they are added; `seal` adds the 405 answers once all
 * feature plugins have registered theirs.
 */
export function installMethodNotAllowed(app: FastifyInstance): { seal(): Promise<void> } {
  const methodsByUrl = new Map<string, Set<string>>()
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/api-docs')) return
    const methods = methodsByUrl.get(route.url) ?? new Set<string>()
    for (const method of [route.method].flat()) methods.add(method)
    methodsByUrl.set(route.url, methods)
  })
  return {
    async seal() {
      await app.after()
      for (const [url, methods] of [...methodsByUrl]) {
        const missing = METHODS.filter((m) => !methods.has(m))
        if (missing.length === 0) continue
        const allow = METHODS.filter((m) => methods.has(m)).join(', ')
        app.route({
          method: missing,
          url,
          schema: { hide: true },
          handler: async (_request, reply) => send(reply.header('allow', allow), apiError('methodNotAllowed')),
        })
      }
    },
  }
}
