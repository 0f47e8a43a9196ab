import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { randomUUID } from 'node:crypto'
import type { Runtime } from './runtime.ts'
import type { AppContext } from './context.ts'
import { AppJwtIssuer } from './auth/app-jwt.ts'
import { installErrorHandling, renderFrameworkError } from './http/error-handler.ts'
import { connectionOptions } from './http/server-options.ts'
import { installMethodNotAllowed } from './http/method-not-allowed.ts'
import { validatorCompiler } from './http/validation.ts'
import { installStrictInput } from './http/json-body.ts'
import { registerOpenApi } from './http/openapi.ts'
import { healthRoutes } from './http/health.routes.ts'
import { appJwtRoutes } from './auth/app-jwt.routes.ts'
import { sessionRoutes } from './auth/session.routes.ts'
import { userRoutes } from './accounts/users.routes.ts'
import { brandConfigRoutes } from './brand-config/brand-config.routes.ts'
import { channelModeRoutes } from './brand-config/channel-mode.routes.ts'
import { handoffRoutes } from './handoffs/handoff.routes.ts'
import { templateRoutes } from './whatsapp-templates/template.routes.ts'
import { c2mRoutes } from './c2m-api/c2m.routes.ts'
import { callRoutes } from './c2m-api/calls.routes.ts'
import { RateLimit } from './http/rate-limit.ts'
import { fallBack } from './delivery/fallback.ts'
import { AdapterRegistry } from './channels/adapter-registry.ts'
import { sandboxRoutes } from './channels/sandbox.routes.ts'
import { connectionRoutes } from './channels/connections/connection.routes.ts'
import { TwilioSmsAdapter } from './channels/twilio/twilio-sms.adapter.ts'
import { twilioWebhookRoutes } from './channels/twilio/twilio.webhooks.ts'
import { WhatsAppAdapter } from './channels/whatsapp/whatsapp.adapter.ts'
import { whatsAppWebhookRoutes } from './channels/whatsapp/whatsapp.webhooks.ts'
import { TwilioLineTypeLookup } from './channels/twilio/twilio-line-type.lookup.ts'
import { FcmPushAdapter } from './channels/fcm/fcm-push.adapter.ts'
import { providerTimeoutFor } from './channels/http-errors.ts'
import { deviceRoutes } from './contacts/devices.routes.ts'
import { inAppReceiptRoutes } from './delivery/inapp-receipts.routes.ts'
import { consumerApiRoutes } from './consumer-api/consumer.routes.ts'
import { pushDevices } from './contacts/push-devices.ts'
import { DEFAULT_DISPATCHER_OPTIONS, Dispatcher } from './delivery/dispatcher.ts'
import { conversationRoutes } from './conversations/conversation.routes.ts'
import { findConversationSettings } from './conversations/conversation.repository.ts'
import { apiKeyRoutes } from './auth/api-key.routes.ts'
import { ConversationRouter } from './conversations/conversation-router.ts'
import { DEFAULT_WEBHOOK_DISPATCHER_OPTIONS, WebhookDispatcher } from './webhooks/webhook.dispatcher.ts'
import { deskConnectorRoutes } from './webhooks/desk-connector.routes.ts'
import { DEFAULT_LIVE_HUB_OPTIONS, LiveHub } from './live/live-hub.ts'
import { liveRoutes } from './live/live.routes.ts'
import { webAppRoutes } from './http/web-app.ts'

export type App = FastifyInstance

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's outbox dispatcher (tests drive it with `runOnce`). */
    dispatcher: Dispatcher
    /** This instance's conversation sweep: expired rings, waiting conversations (tests drive it with `runOnce`). */
    conversationRouter: ConversationRouter
    /** This instance's webhook dispatcher (tests drive it with `runOnce`). */
    webhooks: WebhookDispatcher
    /** This instance's live event hub (tests and the benchmark notify through it). */
    live: LiveHub
  }
}

export interface BuildOptions {
  /** Replaces the pino options (tests silence or capture the log). */
  logger?: FastifyServerOptions['logger']
}

/** Builds the whole HTTP application over an open runtime; `server.ts` only listens and closes. */
export async function buildApp(runtime: Runtime, options: BuildOptions = {}): Promise<App> {
  const { config } = runtime
  // Every provider call ends well inside the dispatcher's lease (see providerTimeoutFor).
  const timeoutMs = providerTimeoutFor(config.deliveryLeaseSeconds)
  const adapters = new AdapterRegistry(runtime.db, runtime.secrets, runtime.clock, {
    twilio: (accountId, connection) => new TwilioSmsAdapter(accountId, connection, config, config.publicUrl, { timeoutMs }),
    whatsapp: (_accountId, connection) => new WhatsAppAdapter(connection, config, { timeoutMs }),
    fcm: (accountId, connection) => new FcmPushAdapter(connection, config, pushDevices(runtime.db, accountId, runtime.logger), { timeoutMs }),
  })
  const ctx: AppContext = {
    ...runtime,
    jwt: new AppJwtIssuer(runtime.secrets.deriveKey('app-jwt'), config.appJwtTtlSeconds),
    rateLimit: new RateLimit(config.rateLimit, config.rateLimitWindowSeconds, runtime.redis, runtime.logger),
    adapters,
    lineTypes: new TwilioLineTypeLookup(runtime.db, runtime.secrets, config),
    dispatcher: new Dispatcher(runtime.db, runtime.clock, adapters, runtime.logger, {
      ...DEFAULT_DISPATCHER_OPTIONS,
      pollIntervalMs: config.deliveryPollMs,
      maxAttempts: config.deliveryMaxAttempts,
      leaseSeconds: config.deliveryLeaseSeconds,
    }, (claim, failed, reason, now) => fallBack(runtime, claim, failed, reason, now)),
    webhooks: new WebhookDispatcher(runtime.db, runtime.clock, runtime.secrets, runtime.logger, {
      ...DEFAULT_WEBHOOK_DISPATCHER_OPTIONS,
      pollIntervalMs: config.deliveryPollMs,
      leaseSeconds: config.deliveryLeaseSeconds,
      maxAttempts: config.webhookMaxAttempts,
      timeoutMs,
      trustedHosts: config.webhookUrlAllowlist,
    }),
    live: new LiveHub(runtime.db, runtime.redis, runtime.clock, runtime.logger, { ...DEFAULT_LIVE_HUB_OPTIONS, retentionMs: config.liveRetentionHours * 3_600_000 }),
  }
  const app = Fastify({
    ...(options.logger === undefined ? { loggerInstance: runtime.logger as FastifyBaseLogger } : { logger: options.logger }),
    trustProxy: runtime.config.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    ...connectionOptions(config.requestTimeoutMs),
    frameworkErrors: renderFrameworkError,
    // A path parameter may be a 255-character skill name or app id, percent-encoded: up to 9 characters each.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 255 * 9 },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  installStrictInput(app)
  // The API takes JSON only: Fastify's built-in text/plain parser would turn a 415 into a 400.
  app.removeContentTypeParser('text/plain')
  app.decorateRequest('principal', null)
  app.decorateRequest('actor', null)
  app.decorateRequest('session', null)
  app.decorate('dispatcher', ctx.dispatcher)
  const router = new ConversationRouter({ ...ctx, logger: app.log }, config.routerIntervalMs)
  app.decorate('conversationRouter', router)
  app.decorate('webhooks', ctx.webhooks)
  app.decorate('live', ctx.live)
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
    reply.header('x-content-type-options', 'nosniff')
  })
  installErrorHandling(app)
  const routes = installMethodNotAllowed(app)

  await registerOpenApi(app)
  await app.register(healthRoutes(ctx))
  await app.register(appJwtRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(sessionRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(userRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(brandConfigRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(channelModeRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(handoffRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(templateRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(c2mRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(callRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(deviceRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(inAppReceiptRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(consumerApiRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(sandboxRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(connectionRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(conversationRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(apiKeyRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(deskConnectorRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(liveRoutes(ctx), { prefix: '/api/account/:accountId' })
  await app.register(twilioWebhookRoutes(ctx))
  await app.register(whatsAppWebhookRoutes(ctx))
  await app.register(webAppRoutes(config.webDir, async (accountId) => (await findConversationSettings(ctx.db, accountId)).cxWidgetFrameAncestors))
  await routes.seal()

  if (config.deliveryWorker) {
    app.addHook('onReady', async () => {
      ctx.dispatcher.start()
      router.start()
      ctx.webhooks.start()
    })
  }
  app.addHook('onClose', async () => router.stop())
  // Registered unconditionally: stopping a dispatcher that never started is a no-op.
  app.addHook('onClose', async () => {
    await ctx.dispatcher.stop()
    await ctx.webhooks.stop()
  })
  app.addHook('onClose', async () => ctx.dispatcher.stop())
  app.addHook('onReady', async () => ctx.live.start())
  app.addHook('onClose', async () => ctx.live.close())
  return app
}
