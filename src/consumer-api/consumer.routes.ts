import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { appOrManagement, requirePrivilege } from '../auth/auth.hooks.ts'
import { type App, listApps } from '../brand-config/catalog.repository.ts'
import { upsertDevice } from '../contacts/device.repository.ts'
import { receiveMessage } from '../inbound/receive.service.ts'
import { AccountParams, AUTHENTICATED_ERRORS, ErrorResponse } from '../http/schemas.ts'
import { invalidFields } from '../shared/errors.ts'
import { ConsumerTokenIssuer, type ConsumerClaims } from './consumer-token.ts'
import { consumerRateLimited, requireConsumer } from './consumer.hooks.ts'
import { findInboundId, listConsumerMessages } from './consumer-message.repository.ts'
import { MAX_CURSOR_LENGTH, MAX_PAGE_SIZE, MESSAGE_WINDOW_DAYS, consumerMessageStatus, decodeCursor, encodeCursor, inAppMessageKey, windowStart } from './consumer-messages.ts'

/** A consumer as the brand knows them in its app: any text of 1 to 255 characters without control characters. */
const ConsumerId = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'the brand\'s own id of the consumer in its app' })
const AppId = Type.String({ minLength: 1, maxLength: 255, description: 'a registered app of the brand' })
const Platform = Type.Enum(['ios', 'android'])

const TokenBody = Type.Object({ consumerId: ConsumerId }, { additionalProperties: false })
const TokenResponse = Type.Object({
  token: Type.String({ description: 'send as `Authorization: Bearer <token>` on the consumer routes' }),
  expiresAt: Type.String({ format: 'date-time' }),
  consumerId: Type.String(),
})

const DeviceBody = Type.Object({ appId: AppId, platform: Platform, pushToken: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false })
const DeviceResponse = Type.Object({ consumerId: Type.String(), appId: Type.String(), platform: Platform, pushToken: Type.String(), updatedAt: Type.String({ format: 'date-time' }) })

const MessagesQuery = Type.Object({
  since: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CURSOR_LENGTH, description: 'the `next` of the previous page; without it the list starts 30 days ago' })),
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 }),
})
const ConsumerMessage = Type.Object({
  id: Type.String({ description: 'our message id, as the push\'s data payload names it (`messageId`)' }),
  kind: Type.Enum(['invitation', 'reply'], { description: '`invitation`: the IVR\'s first message; `reply`: an agent\'s message' }),
  text: Type.String(),
  appIds: Type.Array(Type.String(), { description: 'the apps the message is for' }),
  conversationId: Type.Optional(Type.String({ description: 'for a reply: its conversation' })),
  callId: Type.Optional(Type.String({ description: 'for an invitation: the IVR call' })),
  createdAt: Type.String({ format: 'date-time' }),
  status: Type.Enum(['pending', 'sent', 'delivered', 'read', 'failed'], {
    description: '`pending` until a push is accepted, `sent` once it is, `delivered`/`read` from the app\'s receipts, `failed` when no push reached a device',
  }),
})
const MessagesResponse = Type.Object({
  items: Type.Array(ConsumerMessage),
  next: Type.Union([Type.String(), Type.Null()], { description: 'pass as `since` for what comes after this page; null when the list was empty and no `since` was given' }),
  hasMore: Type.Boolean({ description: 'whether more messages follow already' }),
})

const ReplyBody = Type.Object(
  {
    appId: AppId,
    text: Type.String({ minLength: 1, maxLength: 4096 }),
    clientMessageId: Type.Optional(
      Type.String({ pattern: '^[\\x21-\\x7e]{1,64}$', description: 'the app\'s id of the message: sending it again (a retry) records it once' }),
    ),
  },
  { additionalProperties: false },
)
const ReplyResponse = Type.Object({
  id: Type.String({ description: 'the id the message was recorded under' }),
  duplicate: Type.Boolean({ description: 'true when this clientMessageId was received before: nothing new was recorded' }),
})

const CONSUMER_ERRORS = { ...AUTHENTICATED_ERRORS, 413: ErrorResponse, 429: ErrorResponse } as const
const consumerSecurity = [{ consumerToken: [] }]

/**
 * The consumer's in-app API. The brand's backend mints a short-lived token for one consumer;
 * the brand's app then acts for that consumer alone: registers its device, reads the messages
 * sent to it in-app (what a push announces), and writes back through the one inbound pipeline.
 * The consumer is only ever the token's: no route takes a consumer id from the request.
 */
export function consumerApiRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    app.decorateRequest('consumer', null)
    const tokens = new ConsumerTokenIssuer(ctx.secrets.deriveKey('consumer-token'), ctx.config.consumerTokenTtlSeconds)
    const asConsumer = (route: string) => [requireConsumer(tokens, ctx.clock), consumerRateLimited(ctx.rateLimit, route)]
    const tags = ['consumer']

    app.post(
      '/consumer-tokens',
      {
        // The brand's backend (a management key) or its app (an app JWT) vouches for who the consumer is.
        onRequest: requirePrivilege(ctx, appOrManagement),
        schema: {
          tags,
          summary: 'Mint a consumer token for one consumer of the brand\'s app',
          description: `The token lets the brand's app act for this consumer alone, for \`CONSUMER_TOKEN_TTL_SECONDS\` (${ctx.config.consumerTokenTtlSeconds} s here); mint a new one when it expires.`,
          params: AccountParams,
          body: TokenBody,
          response: { 201: TokenResponse, ...AUTHENTICATED_ERRORS },
        },
      },
      async (request, reply) => {
        const { accountId } = request.params
        const { consumerId } = request.body
        const { token, expiresAt } = await tokens.issue({ accountId, consumerId }, ctx.clock.now(), ctx.ids.uuid())
        // A token is a credential: keep it out of shared caches.
        reply.header('cache-control', 'no-store')
        return reply.code(201).send({ token, expiresAt: expiresAt.toISOString(), consumerId })
      },
    )

    app.put(
      '/consumer/device',
      {
        onRequest: asConsumer('device'),
        schema: {
          tags,
          summary: 'Register or refresh the consumer\'s device (the app installation a push reaches)',
          security: consumerSecurity,
          params: AccountParams,
          body: DeviceBody,
          response: { 200: DeviceResponse, ...CONSUMER_ERRORS },
        },
      },
      async (request) => {
        const { accountId, consumerId } = request.consumer as ConsumerClaims
        const registered = await registeredApp(ctx, accountId, request.body.appId)
        if (registered.platform !== request.body.platform) throw invalidFields([{ field: 'platform', message: `app ${registered.appId} is registered for ${registered.platform}` }])
        const now = ctx.clock.now().toISOString()
        await upsertDevice(ctx.db, accountId, { consumerId, ...request.body, createdAt: now, updatedAt: now })
        return { consumerId, ...request.body, updatedAt: now }
      },
    )

    app.get(
      '/consumer/messages',
      {
        onRequest: asConsumer('messages-read'),
        schema: {
          tags,
          summary: 'The messages sent to the consumer in-app, oldest first',
          description: `Invitations and agent replies sent to the token's consumer in-app in the last ${MESSAGE_WINDOW_DAYS} days, whatever the push did: a push tapped after the lookback period, or one that never arrived (\`status: failed\`), still shows its message. A message that fell back to another channel is not listed. Page with \`next\` as \`since\`.`,
          security: consumerSecurity,
          params: AccountParams,
          querystring: MessagesQuery,
          response: { 200: MessagesResponse, ...CONSUMER_ERRORS },
        },
      },
      async (request, reply) => {
        const { accountId, consumerId } = request.consumer as ConsumerClaims
        const { since, limit } = request.query
        const after = since === undefined ? null : decodeCursor(since)
        if (since !== undefined && !after) throw invalidFields([{ field: 'since', message: 'is not a cursor this list gave' }])
        // One more than asked says whether another page follows.
        const rows = await listConsumerMessages(ctx.db, { accountId, consumerId, from: windowStart(ctx.clock.now()), after, limit: limit + 1 })
        const page = rows.slice(0, limit)
        const last = page.at(-1)
        reply.header('cache-control', 'no-store')
        return {
          items: page.map((r) => ({
            id: r.id,
            kind: r.kind,
            text: r.message.text,
            appIds: r.message.inapp?.appIds ?? [],
            ...(r.message.conversationId ? { conversationId: r.message.conversationId } : {}),
            ...(r.callId ? { callId: r.callId } : {}),
            createdAt: r.createdAt,
            status: consumerMessageStatus(r.outboxStatus, r.deliveryStatuses),
          })),
          next: last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : (since ?? null),
          hasMore: rows.length > limit,
        }
      },
    )

    app.post(
      '/consumer/messages',
      {
        onRequest: asConsumer('messages-write'),
        schema: {
          tags,
          summary: 'Send the consumer\'s message to the brand from its app',
          description: 'The message goes through the same pipeline as every consumer message (recorded once per `clientMessageId`, then routed to a conversation). Consent keywords do not apply in-app.',
          security: consumerSecurity,
          params: AccountParams,
          body: ReplyBody,
          response: { 202: ReplyResponse, ...CONSUMER_ERRORS },
        },
      },
      async (request, reply) => {
        const { accountId, consumerId } = request.consumer as ConsumerClaims
        const { appId, text, clientMessageId } = request.body
        if (text.trim() === '') throw invalidFields([{ field: 'text', message: 'must not be blank' }])
        await registeredApp(ctx, accountId, appId)
        const providerMessageId = inAppMessageKey(accountId, consumerId, clientMessageId ?? ctx.ids.uuid())
        const received = await receiveMessage(
          { ...ctx, logger: request.log },
          { accountId, channel: 'inapp', provider: 'app', providerMessageId, from: consumerId, to: appId, text },
          // No keyword applies in-app, so no help text is ever sent.
          { answersInline: false, helpText: '' },
        )
        const id = received.duplicate ? await findInboundId(ctx.db, 'app', providerMessageId) : received.id
        if (id === undefined) throw new Error('a repeated in-app message whose first recording is not found')
        return reply.code(202).send({ id, duplicate: received.duplicate })
      },
    )
  }
}

/** The brand's app of that id; 400 naming `appId` when the brand has none. */
async function registeredApp(ctx: AppContext, accountId: string, appId: string): Promise<App> {
  const found = (await listApps(ctx.db, accountId)).find((a) => a.appId === appId)
  if (!found) throw invalidFields([{ field: 'appId', message: 'is not a registered app of this brand' }])
  return found
}
