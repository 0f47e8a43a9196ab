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
import { ApiError, apiError, invalidFields } from '../shared/errors.ts'
import { checkEligibility } from '../calls/eligibility.service.ts'
import { invite } from '../calls/invite.service.ts'
import { findHandoff } from '../handoffs/handoff.repository.ts'
import { findSettings } from '../brand-config/settings.repository.ts'

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

const IvrCallBody = Type.Object(
  {
    // Longer than E.164 on purpose: a wrong number is the C2M API's 1001 answer, shown as the IVR would get it.
    consumerPhoneNumber: Type.String({ maxLength: 64, description: 'E.164 with a leading +' }),
    handoffId: Type.String({ minLength: 1, maxLength: 16 }),
    skill: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'the brand\'s default skill when omitted' })),
    consumerId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'the app user; required for in-app handoffs' })),
    templateVariables: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1600 }), { maxProperties: 50, propertyNames: { maxLength: 64 }, description: 'values for {{n}} placeholders (sms and wa)' })),
  },
  { additionalProperties: false },
)

const C2mAnswer = Type.Object({ status: Type.Integer(), body: Type.Object({}, { additionalProperties: true }) })
const IvrCallAnswer = Type.Object({ eligibility: C2mAnswer, invite: Type.Union([C2mAnswer, Type.Null()]) })

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

    const eligibilityOptions = {
      callTtlSeconds: ctx.config.callTtlSeconds,
      deviceCheck: { lookupTimeoutMs: ctx.config.lookupTimeoutMs, cacheDays: ctx.config.lineTypeCacheDays },
    }

    app.post(
      '/sandbox/ivr-call',
      {
        onRequest,
        schema: {
          tags,
          summary: 'Place a simulated IVR call: Eligibility, then Invite when eligible',
          description:
            'Runs the C2M API\'s Eligibility and, when the caller is eligible, its Invite, for a signed-in admin or campaign manager, and answers both as the C2M API would have (errors included). ' +
            'Only while every channel of the handoff is in sandbox mode: a live channel would text a real person (409).',
          params: AccountParams,
          body: IvrCallBody,
          response: { 200: IvrCallAnswer, ...AUTHENTICATED_ERRORS, 409: ErrorResponse },
        },
      },
      async (request) => {
        const { accountId } = request.params
        const { consumerPhoneNumber, handoffId, consumerId, templateVariables } = request.body
        const handoff = await findHandoff(ctx.db, accountId, handoffId)
        for (const channel of handoff?.channels ?? []) {
          if ((await findChannelMode(ctx.db, accountId, channel)) === 'live') {
            throw apiError('conflict', `${channel} is live: the simulator only places calls whose channels are all in sandbox mode`)
          }
        }
        const skill = request.body.skill ?? (await findSettings(ctx.db, accountId))?.routing.defaultSkill
        if (skill === undefined) throw invalidFields([{ field: 'skill', message: 'choose a skill: the brand has no default skill' }])

        // The C2M route checks the phone number first, with its own code.
        if (consumerPhoneNumber.length > 15 || !isValidE164(consumerPhoneNumber)) {
          return { eligibility: { status: 400, body: apiError('invalidPhoneNumber').toBody() }, invite: null }
        }
        const eligibilityRequest = { consumerPhoneNumber, handoffId, skill, ...(consumerId !== undefined ? { consumerId } : {}), ...(templateVariables !== undefined ? { templateVariables } : {}) }
        let callId: string | undefined
        const eligibility = await asC2mAnswer(async () => {
          const result = await checkEligibility(ctx, accountId, eligibilityRequest, eligibilityOptions)
          if (result.eligible) callId = result.callId
          // The fields the C2M route's response schema lets through.
          return { availableChannels: result.availableChannels, recommendedChannelName: result.recommendedChannelName, eligible: result.eligible, callId: result.callId }
        })
        // An IVR invites only an eligible caller.
        if (callId === undefined) return { eligibility, invite: null }
        const invited = callId
        const inviteAnswer = await asC2mAnswer(async () => {
          const outcome = await invite(ctx, accountId, { callId: invited })
          if (outcome.enqueued) ctx.dispatcher.kick()
          return { callId: outcome.callId }
        })
        return { eligibility, invite: inviteAnswer }
      },
    )
  }
}

/** The C2M API's answer to one request: the result, or the error as its error handler renders it. */
async function asC2mAnswer(run: () => Promise<object>): Promise<{ status: number; body: object }> {
  try {
    return { status: 200, body: await run() }
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, body: error.toBody() }
    throw error
  }
}

/**
 * A query string decodes `+` as a space, so `?consumer=+14259549855` written as the README once
 * showed it arrives as " 14259549855"; a leading space before digits can only have been that `+`.
 */
function phoneAsTyped(consumer: string | undefined): string | undefined {
  return consumer?.replace(/^ (?=\d)/, '+')
}
