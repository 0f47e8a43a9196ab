import formbody from '@fastify/formbody'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import twilio from 'twilio'
import type { AppContext } from '../../context.ts'
import { publicUrlOf } from '../../auth/auth.hooks.ts'
import { receiveMessage } from '../../inbound/receive.service.ts'
import { receiveStatus } from '../../delivery/status.service.ts'
import { apiError } from '../../shared/errors.ts'
import { AccountParams, ErrorResponse } from '../../http/schemas.ts'
import { openConnection } from '../connections/open-connection.ts'
import { DEFAULTS, type TwilioConnection } from '../connections/connection.ts'
import { type TwilioMessageStatus, mapTwilioStatus } from './twilio-sms.adapter.ts'

// Twilio's webhook parameters (https://www.twilio.com/docs/messaging/guides/webhook-request).
// Only the fields we use are declared; Twilio adds others (SmsSid, NumSegments, FromCity …).

/** Printable ASCII: message SIDs and addresses go into the store as they are. */
const Address = Type.String({ pattern: '^[\\x21-\\x7e]{1,64}$' })

const InboundParams = Type.Object({
  MessageSid: Address,
  From: Address,
  To: Address,
  /** Absent for an MMS with media only. */
  Body: Type.Optional(Type.String({ maxLength: 4096 })),
})

const StatusParams = Type.Object({
  MessageSid: Address,
  MessageStatus: Type.String({ maxLength: 64 }),
  ErrorCode: Type.Optional(Type.String({ maxLength: 32 })),
  ErrorMessage: Type.Optional(Type.String({ maxLength: 1024 })),
})

/** Every status Twilio documents, checked exhaustively against the adapter's type; another is acknowledged and ignored. */
const KNOWN_STATUSES: Record<TwilioMessageStatus, true> = {
  accepted: true,
  scheduled: true,
  queued: true,
  sending: true,
  sent: true,
  receiving: true,
  received: true,
  delivered: true,
  undelivered: true,
  failed: true,
  read: true,
  canceled: true,
  partially_delivered: true,
}

// Twilio's messages are small (a body is at most 1,600 characters); anything far larger is not Twilio.
const BODY_LIMIT = 64 * 1024

const TWIML = { 200: { description: 'TwiML: the reply to the consumer, if any', content: { 'text/xml': { schema: Type.String() } } } }

/**
 * Twilio's webhooks for a brand's account: consumer SMS (with STOP / START / HELP) and the status
 * callbacks of the messages we sent. Public: each request is verified with `X-Twilio-Signature`,
 * an HMAC over our public URL and the form parameters keyed with the brand's auth token
 * (https://www.twilio.com/docs/usage/webhooks/webhooks-security), before anything is recorded.
 */
export function twilioWebhookRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    // Twilio posts forms; the parser lives in this scope only, the API stays JSON.
    await app.register(formbody, { bodyLimit: BODY_LIMIT })

    /**
     * The brand's connection when the request carries its valid signature. Only a form of string
     * fields can be Twilio's: any other body (JSON, nested values) is refused before the signature
     * check, which would not know what to do with it.
     */
    async function signer(request: FastifyRequest): Promise<TwilioConnection | undefined> {
      const signature = request.headers['x-twilio-signature']
      if (typeof signature !== 'string' || signature === '') return undefined
      const params = formFields(request)
      if (!params) return undefined
      const stored = await openConnection(ctx, request.log, (request.params as { accountId: string }).accountId, 'twilio')
      if (!stored) return undefined
      return twilio.validateRequest(stored.config.authToken, signature, publicUrlOf(ctx, request), params) ? stored.config : undefined
    }

    const verified = new WeakMap<FastifyRequest, TwilioConnection>()
    // The signature covers the parsed parameters, so it is checked once the body is read and
    // before the schema: an unsigned request gets 403 whatever it holds, never a validation answer.
    // One answer for an unknown brand, a brand without Twilio and a bad signature: a caller
    // without the auth token learns nothing about which brands exist or are connected.
    app.addHook('preValidation', async (request) => {
      const connection = await signer(request)
      if (!connection) {
        request.log.info({ signed: request.headers['x-twilio-signature'] !== undefined }, 'twilio webhook refused: signature not verified')
        throw apiError('notEnoughPrivilege', 'the request is not signed by this brand\'s Twilio account')
      }
      verified.set(request, connection)
    })

    const schema = {
      tags: ['webhooks'],
      description:
        'Twilio\'s form parameters (https://www.twilio.com/docs/messaging/guides/webhook-request), signed with `X-Twilio-Signature`: ' +
        'the HMAC-SHA1 of the webhook\'s public URL and its sorted parameters, keyed with the brand\'s auth token. A request without ' +
        'a valid signature is answered 403 1101 before its body is checked.',
      security: [],
      params: AccountParams,
      consumes: ['application/x-www-form-urlencoded'],
    }
    const errors = { 400: ErrorResponse, 403: ErrorResponse, 415: ErrorResponse }

    app.post(
      '/webhooks/twilio/:accountId/inbound',
      {
        bodyLimit: BODY_LIMIT,
        schema: { ...schema, summary: 'Twilio\'s incoming-message webhook: a consumer\'s SMS, answered with TwiML', body: InboundParams, response: { ...TWIML, ...errors } },
      },
      async (request, reply) => {
        const { accountId } = request.params
        const { MessageSid, From, To } = request.body
        const received = await receiveMessage(
          ctx,
          { accountId, channel: 'sms', provider: 'twilio', providerMessageId: MessageSid, from: From, to: To, text: request.body.Body ?? '' },
          { answersInline: true, helpText: verified.get(request)?.helpText ?? DEFAULTS.twilio.helpText },
        )
        // Where a number keeps Twilio's built-in keyword handling (https://help.twilio.com/articles/223134027),
        // Twilio answers STOP itself and refuses our reply to the now opted-out consumer (21610), so
        // they still get one confirmation; it would answer START and HELP as well, so a brand that
        // wants these replies (and its help text) turns Twilio's own off with Advanced Opt-Out.
        // A repeated webhook answers nothing, so a confirmation goes out once.
        const response = new twilio.twiml.MessagingResponse()
        if (!received.duplicate && received.answer !== undefined) response.message(received.answer)
        return reply.code(200).type('text/xml; charset=utf-8').send(response.toString())
      },
    )

    app.post(
      '/webhooks/twilio/:accountId/status',
      {
        bodyLimit: BODY_LIMIT,
        schema: { ...schema, summary: 'Twilio\'s status callback for a message we sent (the StatusCallback of each send)', body: StatusParams, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        const { accountId } = request.params
        const { MessageSid, MessageStatus, ErrorCode, ErrorMessage } = request.body
        if (!Object.hasOwn(KNOWN_STATUSES, MessageStatus)) {
          request.log.warn({ accountId, providerMessageId: MessageSid, status: MessageStatus }, 'twilio status unknown to us; ignored')
          return reply.code(204).send(null)
        }
        // Only this brand's messages move; a status for one not recorded yet is kept until it is.
        await receiveStatus(ctx, {
          accountId,
          provider: 'twilio',
          messageId: MessageSid,
          status: mapTwilioStatus(MessageStatus as TwilioMessageStatus),
          ...(ErrorCode ? { errorCode: ErrorCode } : {}),
          ...(ErrorMessage ? { errorMessage: ErrorMessage } : {}),
        })
        return reply.code(204).send(null)
      },
    )
  }
}

/** The form's fields when every one is a string (or a repeated string field), as Twilio posts them; undefined otherwise. */
function formFields(request: FastifyRequest): Record<string, string | string[]> | undefined {
  const body = request.body
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) return undefined
  for (const value of Object.values(body)) {
    if (typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) return undefined
  }
  return body as Record<string, string | string[]>
}
