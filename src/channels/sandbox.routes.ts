import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { CONFIG_WRITERS, requireAccess } from '../auth/actor.ts'
import { CHANNELS } from '../shared/channel.ts'
import { AccountParams, AUTHENTICATED_ERRORS, ErrorResponse } from '../http/schemas.ts'
import { findSandboxInbound, insertSandboxMessage, listSandboxMessages } from './sandbox.repository.ts'
import { findChannelMode } from '../brand-config/channel-mode.repository.ts'
import { receiveMessage } from '../inbound/receive.service.ts'
import { DEFAULT_HELP_TEXT } from '../inbound/keywords.ts'
import { isValidE164 } from '../lib/phone.ts'
import { apiError, invalidFields } from '../shared/errors.ts'

const SandboxMessage = Type.Object({
  id: Type.String(),
  direction: Type.Enum(['outbound', 'inbound']),
  channel: Type.String(),
  consumer: Type.String(),
  from: Type.String(),
  to: Type.String(),
  text: Type.String(),
  status: Type.String(),
  callId: Type.Union([Type.String(), Type.Null()]),
  appId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
})

const InboundBody = Type.Object(
  {
    channel: Type.Enum(CHANNELS),
    from: Type.String({ minLength: 1, maxLength: 64, description: 'the consumer: phone number, or app user for inapp' }),
    to: Type.String({ minLength: 1, maxLength: 255, description: 'the brand number or app' }),
    consumerId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    appId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    text: Type.String({ minLength: 1, maxLength: 4096 }),
    messageId: Type.Optional(
      Type.String({ pattern: '^[\\x21-\\x7e]{1,64}$', description: 'the simulated carrier\'s id of the message: a repeat with the same id is recognised and recorded once, as a provider\'s retried webhook is' }),
    ),
  },
  { additionalProperties: false },
)

const InboundAnswer = Type.Intersect([SandboxMessage, Type.Object({ duplicate: Type.Boolean({ description: 'true when this messageId was received before: nothing new was recorded' }) })])

/** The sandbox channel's consumer side: read what was "sent", simulate a consumer's reply. */
export function sandboxRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    // The simulator is a tool of those who configure the brand: admins and campaign managers.
    const onRequest = requireAccess(ctx, { key: 'management', roles: CONFIG_WRITERS })
    const tags = ['sandbox']

    app.get(
      '/sandbox/messages',
      {
        onRequest,
        schema: {
          tags,
          summary: 'Messages the sandbox channel delivered or received, oldest first',
          params: AccountParams,
          querystring: Type.Object({
            consumer: Type.Optional(Type.String({ maxLength: 255, description: 'phone number (`%2B14259549855`; an unencoded `+` is read right too) or consumerId' })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          }),
          response: { 200: Type.Object({ items: Type.Array(SandboxMessage) }), ...AUTHENTICATED_ERRORS },
        },
      },
      async (request) => ({ items: await listSandboxMessages(ctx.db, request.params.accountId, phoneAsTyped(request.query.consumer), request.query.limit) }),
    )

    app.post(
      '/sandbox/inbound',
      {
        onRequest,
        schema: {
          tags,
          summary: 'Simulate a consumer\'s message on a channel in sandbox mode',
          description: 'The message goes through the same pipeline as a provider\'s webhook: recorded once, STOP/START/HELP applied on sms and wa and answered in the simulator.',
          params: AccountParams,
          body: InboundBody,
          response: { 200: InboundAnswer, 201: InboundAnswer, ...AUTHENTICATED_ERRORS, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const { accountId } = request.params
        const { channel, from, to, consumerId, appId, text, messageId } = request.body
        if (channel !== 'inapp' && !isValidE164(from)) throw invalidFields([{ field: 'from', message: 'must be the consumer\'s number in E.164, e.g. +14259549855' }])
        if ((await findChannelMode(ctx.db, accountId, channel)) === 'live') {
          throw apiError('conflict', `${channel} is live: consumers write to the brand through its provider, not the simulator`)
        }
        const consumer = channel === 'inapp' ? (consumerId ?? from) : from
        const message = {
          direction: 'inbound' as const,
          channel,
          consumer,
          from,
          to,
          text,
          status: 'received',
          callId: null,
          appId: appId ?? null,
          createdAt: ctx.clock.now().toISOString(),
        }
        const providerMessageId = `${accountId}/${messageId ?? ctx.ids.uuid()}`
        const received = await receiveMessage(
          { ...ctx, logger: request.log },
          // Carrier ids are global; the sandbox's are the brand's own, so they are scoped to it.
          { accountId, channel, provider: 'sandbox', providerMessageId, from: consumer, to: channel === 'inapp' ? (appId ?? to) : to, text },
          // The simulator's entry commits with the message: a repeat finds both, or neither.
          { answersInline: false, helpText: DEFAULT_HELP_TEXT, recordAlso: (trx, id) => insertSandboxMessage(trx, accountId, { ...message, id }) },
        )
        if (received.duplicate) {
          const earlier = await findSandboxInbound(ctx.db, accountId, providerMessageId)
          if (!earlier) throw apiError('notFound', 'the earlier message with this messageId is gone')
          return reply.code(200).send({ ...earlier, duplicate: true })
        }
        return reply.code(201).send({ ...message, id: received.id, duplicate: false })
      },
    )
  }
}

/**
 * A query string decodes `+` as a space, so `?consumer=+14259549855` written as the README once
 * showed it arrives as " 14259549855"; a leading space before digits can only have been that `+`.
 */
function phoneAsTyped(consumer: string | undefined): string | undefined {
  return consumer?.replace(/^ (?=\d)/, '+')
}
