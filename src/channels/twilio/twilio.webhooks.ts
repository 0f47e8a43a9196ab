import formbody from '@fastify/formbody'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import twilio from 'twilio'
import type { AppContext } from '../../context.ts'
import { publicUrlOf } from '../../auth/auth.hooks.ts'
import { recordInbound } from '../../inbound/inbound.repository.ts'
import { type KeywordRequest, classifyKeyword } from '../../inbound/keywords.ts'
import { type OptOutChange, recordOptIn, recordOptOut } from '../../contacts/opt-out.repository.ts'
import { applyStatus } from '../../delivery/delivery.repository.ts'
import { apiError } from '../../shared/errors.ts'
import { AccountParams, ErrorResponse } from '../../http/schemas.ts'
import { findConnection } from '../connections/connection.repository.ts'
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

const OPT_OUT_CONFIRMATION = 'You have been unsubscribed and will receive no more messages from this number. Reply START to resubscribe.'
const OPT_IN_CONFIRMATION = 'You have been resubscribed to messages from this number. Reply STOP to unsubscribe.'

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

    /** The brand's connection when the request carries its valid signature. */
    async function signer(request: FastifyRequest): Promise<TwilioConnection | undefined> {
      const signature = request.headers['x-twilio-signature']
      if (typeof signature !== 'string' || signature === '') return undefined
      const stored = await findConnection(ctx.db, ctx.secrets, (request.params as { accountId: string }).accountId, 'twilio')
      if (!stored) return undefined
      const params = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {}
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
        // PostgreSQL text cannot hold U+0000 (see http/json-body.ts); a stored message never needs it.
        const text = (request.body.Body ?? '').replaceAll('\u0000', '')
        const at = ctx.clock.now().toISOString()
        // The message and what its keyword changes commit together; a repeated webhook is
        // recognised by its MessageSid and answers nothing, so a confirmation goes out once.
        const answer = await ctx.db.transaction().execute(async (trx): Promise<{ duplicate: boolean; keyword?: KeywordRequest['kind']; reply?: string }> => {
          if (!(await recordInbound(trx, { id: ctx.ids.uuid(), accountId, channel: 'sms', provider: 'twilio', providerMessageId: MessageSid, from: From, to: To, text, receivedAt: at }))) return { duplicate: true }
          const keyword = classifyKeyword(text)
          if (!keyword) return { duplicate: false }
          // Opt-outs are per sending number: the consumer wrote to `To`.
          const change: OptOutChange = { consumerPhone: From, channel: 'sms', fromNumber: To, at, keyword: keyword.keyword }
          switch (keyword.kind) {
            case 'opt-out':
              await recordOptOut(trx, accountId, change, ctx.ids.uuid())
              return { duplicate: false, keyword: keyword.kind, reply: OPT_OUT_CONFIRMATION }
            case 'opt-in':
              await recordOptIn(trx, accountId, change, ctx.ids.uuid())
              return { duplicate: false, keyword: keyword.kind, reply: OPT_IN_CONFIRMATION }
            case 'help':
              return { duplicate: false, keyword: keyword.kind, reply: verified.get(request)?.helpText ?? DEFAULTS.twilio.helpText }
          }
        })
        request.log.info({ accountId, providerMessageId: MessageSid, duplicate: answer.duplicate, keyword: answer.keyword }, 'twilio message received')
        // Where a number keeps Twilio's built-in keyword handling (https://help.twilio.com/articles/223134027),
        // Twilio answers STOP itself and refuses our reply to the now opted-out consumer (21610), so
        // they still get one confirmation; it would answer START and HELP as well, so a brand that
        // wants these replies (and its help text) turns Twilio's own off with Advanced Opt-Out.
        return reply.code(200).type('text/xml; charset=utf-8').send(twiml(answer.reply))
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
        const outcome = await applyStatus(ctx.db, {
          accountId,
          provider: 'twilio',
          providerMessageId: MessageSid,
          status: mapTwilioStatus(MessageStatus as TwilioMessageStatus),
          ...(ErrorCode ? { errorCode: ErrorCode } : {}),
          ...(ErrorMessage ? { errorMessage: ErrorMessage } : {}),
          at: ctx.clock.now().toISOString(),
        })
        request.log.info({ accountId, providerMessageId: MessageSid, status: MessageStatus, outcome }, 'twilio status received')
        return reply.code(204).send(null)
      },
    )
  }
}

/** A TwiML answer to an incoming message: one `<Message>` reply, or an empty `<Response/>` (no reply). */
function twiml(message: string | undefined): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>'
  return message === undefined ? `${head}<Response/>` : `${head}<Response><Message>${escapeXml(message)}</Message></Response>`
}

function escapeXml(text: string): string {
  return (
    text
      // Characters XML 1.0 cannot carry at all, escaped or not.
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  )
}
