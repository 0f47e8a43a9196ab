import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { ErrorObject } from 'ajv'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { requirePrivilege } from '../auth/auth.hooks.ts'
import { CHANNELS } from '../shared/channel.ts'
import { apiError } from '../shared/errors.ts'
import { AccountParams, CallId, ErrorResponse } from '../http/schemas.ts'
import { errorTable } from '../http/error-table.ts'
import { isValidE164 } from '../lib/phone.ts'
import { invalidBody, rateLimited, requireJson, requireVersion } from './c2m.hooks.ts'
import { checkEligibility } from '../calls/eligibility.service.ts'
import type { EligibilityRequest } from '../calls/eligibility.ts'
import { invite, type InviteRequest } from '../calls/invite.service.ts'

/** What the SDEs of one call may weigh, serialised as they are stored. */
const SDES_MAX_BYTES = 16 * 1024

const VersionQuery = Type.Object({ v: Type.String({ description: 'API version: 2.0' }) })

const EligibilityBody = Type.Object({
  consumerPhoneNumber: Type.String({ maxLength: 15, description: 'E.164 with a leading +' }),
  skill: Type.String({ minLength: 1, maxLength: 255 }),
  handoffId: Type.String({ minLength: 1, maxLength: 16 }),
  sdes: Type.Optional(
    Type.Array(Type.Object({ type: Type.Enum(['personal', 'ctmrinfo']), info: Type.Object({}, { additionalProperties: true, maxProperties: 50, propertyNames: { maxLength: 64 } }) }), {
      maxItems: 20,
      description: 'customer info and personal info SDEs (sms and wa)',
    }),
  ),
  templateVariables: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1600 }), { maxProperties: 50, propertyNames: { maxLength: 64 }, description: 'values for {{n}} placeholders (sms and wa)' })),
  ivrNumber: Type.Optional(Type.String({ maxLength: 64 })),
  consumerId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'the app user; required for in-app handoffs' })),
}, { maxProperties: 50 })

const EligibilityResponse = Type.Object({
  availableChannels: Type.Array(Type.Enum(CHANNELS)),
  recommendedChannelName: Type.String({ description: 'first available channel in priority order; empty when none' }),
  eligible: Type.Boolean(),
  callId: Type.String({ format: 'uuid' }),
})

const InviteBody = Type.Object({
  callId: CallId({ description: 'from the eligibility response' }),
  overrideChannel: Type.Optional(Type.String({ maxLength: 16, description: 'sms (or twilio), wa or inapp: one of the call\'s available channels' })),
  overrideMessage: Type.Optional(Type.String({ minLength: 1, maxLength: 1600, description: 'replaces the SMS text; ignored on other channels' })),
  overrideSkill: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'routes the reply to this skill instead' })),
}, { maxProperties: 50 })

const C2M_ERRORS = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 405: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 429: ErrorResponse, 500: ErrorResponse, 503: ErrorResponse }
const ERROR_TABLE = `Errors:\n\n${errorTable(Object.keys(C2M_ERRORS))}`

/** The C2M 2.0 API: Eligibility and Invite, as an IVR calls them during a live call. */
export function c2mRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const auth = requirePrivilege(ctx, 'ivr-engagement')
    const tags = ['C2M 2.0']
    const eligibilityOptions = {
      callTtlSeconds: ctx.config.callTtlSeconds,
      deviceCheck: { lookupTimeoutMs: ctx.config.lookupTimeoutMs, cacheDays: ctx.config.lineTypeCacheDays },
    }

    app.post(
      '/eligibility',
      {
        onRequest: [auth, rateLimited(ctx.rateLimit, 'eligibility'), requireVersion],
        preValidation: requireJson,
        attachValidation: true,
        schema: {
          tags,
          summary: 'Can this caller be moved to messaging, and on which channel?',
          description: ERROR_TABLE,
          params: AccountParams,
          querystring: VersionQuery,
          body: EligibilityBody,
          response: { 200: EligibilityResponse, ...C2M_ERRORS },
        },
      },
      async (request) => {
        const body = request.body as unknown
        const errors = request.validationError ? ((request.validationError as { validation?: ErrorObject[] }).validation ?? []) : []
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiError('invalidRequest', 'the body must be a JSON object')
        // The phone number is checked first and has its own code, whatever else is wrong.
        const phone = (body as { consumerPhoneNumber?: unknown }).consumerPhoneNumber
        if (typeof phone !== 'string' || phone.length > 15 || !isValidE164(phone)) throw apiError('invalidPhoneNumber')
        if (errors.length > 0) throw invalidBody(errors)
        // Stored with the call: what a caller's SDEs may weigh is bounded, not only their counts.
        const { sdes } = body as EligibilityRequest
        if (sdes !== undefined && Buffer.byteLength(JSON.stringify(sdes)) > SDES_MAX_BYTES) throw apiError('invalidRequest', `sdes may take at most ${SDES_MAX_BYTES / 1024} KB`)
        return checkEligibility(ctx, request.params.accountId, body as EligibilityRequest, eligibilityOptions)
      },
    )

    app.post(
      '/invite',
      {
        onRequest: [auth, rateLimited(ctx.rateLimit, 'invite'), requireVersion],
        preValidation: requireJson,
        attachValidation: true,
        schema: {
          tags,
          summary: 'Send the invitation to continue by messaging (idempotent per callId)',
          description: ERROR_TABLE,
          params: AccountParams,
          querystring: VersionQuery,
          body: InviteBody,
          response: { 200: Type.Object({ callId: Type.String({ format: 'uuid' }) }), ...C2M_ERRORS },
        },
      },
      async (request) => {
        if (request.validationError) throw invalidBody((request.validationError as { validation?: ErrorObject[] }).validation ?? [])
        const outcome = await invite(ctx, request.params.accountId, request.body as InviteRequest)
        if (outcome.enqueued) ctx.dispatcher.kick()
        return { callId: outcome.callId }
      },
    )
  }
}
