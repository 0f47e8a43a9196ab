import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { randomUUID } from 'node:crypto'
import type { Runtime } from './runtime.ts'
import { AppJwtIssuer } from './auth/app-jwt.ts'
import { installErrorHandling, renderFrameworkError } from './http/error-handler.ts'
import { installMethodNotAllowed } from './http/method-not-allowed.ts'
import { validatorCompiler } from './http/validation.ts'
import { registerOpenApi } from './http/openapi.ts'
import { healthRoutes } from './http/health.routes.ts'
import { loggerOptions } from './http/logging.ts'
import { appJwtRoutes } from './auth/app-jwt.routes.ts'
import { brandConfigRoutes } from './brand-config/brand-config.routes.ts'
import { handoffRoutes } from './handoffs/handoff.routes.ts'

/** What request handlers work with: the runtime plus the app JWT issuer derived from it. */
export interface AppContext extends Runtime {
  jwt: AppJwtIssuer
}

export type App = FastifyInstance

export interface BuildOptions {
  /** Replaces the pino options (tests silence or capture the log). */
  logger?: FastifyServerOptions['logger']
}

/** Builds the whole HTTP application over an open runtime; `server.ts` only listens and closes. */
export async function buildApp(runtime: Runtime, options: BuildOptions = {}): Promise<App> {
  const ctx: AppContext = { ...runtime, jwt: new AppJwtIssuer(runtime.secrets.deriveKey('app-jwt'), runtime.config.appJwtTtlSeconds) }
  const app = Fastify({
    logger: options.logger ?? loggerOptions(runtime.config.logLevel),
    trustProxy: runtime.config.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    frameworkErrors: renderFrameworkError,
    // A path parameter may be a 255-character skill name or app id, percent-encoded: up to 9 characters each.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 255 * 9 },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  // The API takes JSON only: Fastify's built-in text/plain parser would turn a 415 into a 400.
  app.removeContentTypeParser('text/plain')
  app.decorateRequest('principal', null)
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  installErrorHandling(app)
  const routes = installMethodNotAllowed(app)

  await registerOpenApi(app)
  await app.register(healthRoutes(ctx))
  await app.register(appJwtRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(brandConfigRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(handoffRoutes(ctx), { prefix: '/api/account/:accountId' })
  await routes.seal()
  return app
}
