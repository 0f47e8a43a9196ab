import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { requirePrivilege } from '../auth/auth.hooks.ts'
import { CHANNELS } from '../shared/channel.ts'
import { AccountParams, AUTHENTICATED_ERRORS } from '../http/schemas.ts'
import { insertSandboxMessage, listSandboxMessages } from './sandbox.repository.ts'

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
  },
  { additionalProperties: false },
)

/** The sandbox channel's consumer side: read what was "sent", simulate a consumer's reply. */
export function sandboxRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const onRequest = requirePrivilege(ctx, 'management')
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
      { onRequest, schema: { tags, summary: 'Simulate a consumer reply on the sandbox channel', params: AccountParams, body: InboundBody, response: { 201: SandboxMessage, ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        const { channel, from, to, consumerId, appId, text } = request.body
        const message = {
          id: ctx.ids.uuid(),
          direction: 'inbound' as const,
          channel,
          consumer: channel === 'inapp' ? (consumerId ?? from) : from,
          from,
          to,
          text,
          status: 'received',
          callId: null,
          appId: appId ?? null,
          createdAt: ctx.clock.now().toISOString(),
        }
        await insertSandboxMessage(ctx.db, request.params.accountId, message)
        return reply.code(201).send(message)
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
