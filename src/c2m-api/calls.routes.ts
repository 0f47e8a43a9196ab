import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { CONFIG_READERS, requireAccess } from '../auth/actor.ts'
import type { Permission } from '../auth/authenticate.ts'
import { CHANNELS } from '../shared/channel.ts'
import { apiError } from '../shared/errors.ts'
import { AUTHENTICATED_ERRORS, AccountParams } from '../http/schemas.ts'
import { findCallView } from '../calls/call-view.ts'
import type { ChannelCheck } from '../calls/eligibility.ts'

const CallParams = Type.Intersect([
  AccountParams,
  Type.Object({ callId: Type.String({ pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$', description: 'from the eligibility response; any letter case' }) }),
])

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
const ChannelName = Type.Enum(CHANNELS)
// Every verdict eligibility records, once each: this fails to compile when one is added or dropped.
const VERDICTS = {
  available: true,
  'disabled-in-settings': true,
  'opted-out': true,
  landline: true,
  'not-configured': true,
  'template-not-approved': true,
  'no-consumer-id': true,
  'no-registered-device': true,
  'no-provider-connection': true,
} as const satisfies Record<ChannelCheck, true>
const Verdict = Type.Enum(Object.keys(VERDICTS) as ChannelCheck[])

const StatusEvent = Type.Object({
  status: Type.String({ description: 'queued, sent, delivered, read, failed or undelivered' }),
  errorCode: Nullable(Type.String()),
  errorMessage: Nullable(Type.String()),
  at: Type.String({ format: 'date-time', description: 'when we received it' }),
})

const Delivery = Type.Object({
  channel: ChannelName,
  provider: Type.String({ description: 'twilio, whatsapp, fcm or sandbox' }),
  providerMessageId: Type.String(),
  status: Type.String({ description: 'the furthest status reached: statuses only move forward' }),
  errorCode: Nullable(Type.String()),
  errorMessage: Nullable(Type.String()),
  sentAt: Type.String({ format: 'date-time', description: 'when the provider accepted the message' }),
  updatedAt: Type.String({ format: 'date-time' }),
  statusTimeline: Type.Array(StatusEvent, { description: 'every status reported for the message, in the order received' }),
})

const Fallback = Type.Object({
  from: ChannelName,
  to: ChannelName,
  reason: Type.String({ description: 'the permanent failure on `from`: `<channel> <code>: <message>`' }),
  attempts: Type.Integer({ description: 'sends tried on `from`' }),
  at: Type.String({ format: 'date-time' }),
})

const Message = Type.Object({
  id: Type.String(),
  channel: ChannelName,
  status: Type.Enum(['pending', 'sending', 'sent', 'failed'], { description: 'pending: due or waiting for a retry; sent: accepted by the provider' }),
  attempts: Type.Integer({ description: 'sends tried on the current channel' }),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time', description: 'when a pending message is tried (again)' })),
  lastError: Nullable(Type.String()),
  providerMessageId: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  fallbacks: Type.Array(Fallback, { description: 'channels the message left after a permanent failure, in order' }),
  deliveries: Type.Array(Delivery),
})

const CallViewResponse = Type.Object({
  callId: Type.String({ format: 'uuid' }),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time', description: 'until when an invite may name this call' }),
  inputs: Type.Object({
    consumerPhoneNumber: Type.String({ description: 'masked: country and area code and the last four digits' }),
    consumerId: Nullable(Type.String()),
    handoffId: Type.String(),
    skill: Type.String(),
    ivrNumber: Nullable(Type.String()),
    sdes: Nullable(Type.Array(Type.Object({ type: Type.Enum(['personal', 'ctmrinfo']), info: Type.Object({}, { additionalProperties: true }) }))),
    templateVariables: Type.Record(Type.String(), Type.String()),
  }),
  eligibility: Type.Object({
    eligible: Type.Boolean(),
    availableChannels: Type.Array(ChannelName),
    channels: Type.Array(Type.Object({ channel: ChannelName, verdict: Verdict }), { description: 'each handoff channel in priority order, and why it was or was not offered' }),
    deviceCheck: Nullable(
      Type.Object({
        textable: Type.Boolean(),
        lineType: Type.String(),
        source: Type.String({ description: 'the lookup provider, cache, or offline (libphonenumber-js metadata)' }),
        fallback: Type.Optional(Type.String({ description: 'why the offline metadata was used' })),
      }),
    ),
  }),
  invitation: Nullable(
    Type.Object({
      invitedAt: Type.String({ format: 'date-time' }),
      channel: ChannelName,
      currentChannel: ChannelName,
      skill: Type.String(),
      overrideMessage: Nullable(Type.String()),
    }),
  ),
  inviteRefusal: Nullable(Type.String({ description: 'why an invite was refused (the consumer had an active conversation with the brand), when one was' })),
  messages: Type.Array(Message),
})

/** The brand's back office, or its reporting: both may see what became of a call. */
const managementOrReporting: Permission = (principal) => principal.privileges.includes('management') || principal.privileges.includes('reporting')

/** A call's history: what the IVR asked, what eligibility decided, and what became of the invitation. */
export function callRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    app.get(
      '/calls/:callId',
      {
        onRequest: requireAccess(ctx, { key: managementOrReporting, roles: CONFIG_READERS }),
        schema: {
          tags: ['calls'],
          summary: 'What happened to a call and its invitation',
          description: 'The call\'s inputs (the consumer\'s number masked), each channel\'s verdict, the invitation, and every delivery try with its status timeline and any fallback. Management or reporting privilege, or a person signed in as admin, campaign manager or LPA user; another brand\'s call is 404 1004.',
          params: CallParams,
          response: { 200: CallViewResponse, ...AUTHENTICATED_ERRORS },
        },
      },
      async (request) => {
        const view = await findCallView(ctx.db, request.params.accountId, request.params.callId)
        if (!view) throw apiError('notFound')
        return view
      },
    )
  }
}
