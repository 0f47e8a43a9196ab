import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import secureJson from 'secure-json-parse'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import type { AppContext } from '../../context.ts'
import { receiveMessage } from '../../inbound/receive.service.ts'
import { DEFAULT_HELP_TEXT } from '../../inbound/keywords.ts'
import { receiveStatus } from '../../delivery/status.service.ts'
import { apiError } from '../../shared/errors.ts'
import { withoutNul } from '../../lib/text.ts'
import { AccountParams, ErrorResponse } from '../../http/schemas.ts'
import { validatorCompiler } from '../../http/validation.ts'
import { openConnection } from '../connections/open-connection.ts'
import type { WhatsAppConnection } from '../connections/connection.ts'
import { setTemplateStatus } from '../../whatsapp-templates/template.repository.ts'
import { consumerNumberOfWaId } from './wa-id.ts'
import { mapWhatsAppStatus } from './whatsapp.adapter.ts'
import { mapMetaTemplateStatus } from './whatsapp-templates.client.ts'

// Meta's webhook payload (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components).
// Only the fields we use are declared, and each message or status is checked on its own: a kind
// Meta adds later is skipped without losing the rest of the batch.

/** Printable ASCII only: provider ids go into the store as they are. */
const ProviderId = Type.String({ pattern: '^[\\x21-\\x7e]{1,255}$' })

const Envelope = Type.Object({
  object: Type.String(),
  entry: Type.Array(
    Type.Object({
      /** The WhatsApp Business Account the changes are about. */
      id: Type.Optional(Type.String()),
      changes: Type.Array(
        Type.Object({
          field: Type.String(),
          value: Type.Object({
            metadata: Type.Optional(Type.Object({ display_phone_number: Type.String(), phone_number_id: Type.String() })),
            messages: Type.Optional(Type.Array(Type.Unknown())),
            statuses: Type.Optional(Type.Array(Type.Unknown())),
          }),
        }),
      ),
    }),
  ),
})

const ConsumerMessage = Type.Object({
  id: ProviderId,
  /** The consumer's WhatsApp id: their number in international form without `+`. */
  from: Type.String({ pattern: '^[1-9][0-9]{1,14}$' }),
  type: Type.String({ pattern: '^[a-z_]{1,32}$' }),
  text: Type.Optional(Type.Object({ body: Type.String() })),
  button: Type.Optional(Type.Object({ text: Type.String() })),
  interactive: Type.Optional(
    Type.Object({
      button_reply: Type.Optional(Type.Object({ title: Type.String() })),
      list_reply: Type.Optional(Type.Object({ title: Type.String() })),
    }),
  ),
})

const StatusUpdate = Type.Object({
  id: ProviderId,
  status: Type.Union([Type.Literal('sent'), Type.Literal('delivered'), Type.Literal('read'), Type.Literal('failed')]),
  errors: Type.Optional(Type.Array(Type.Object({ code: Type.Integer(), title: Type.Optional(Type.String()), message: Type.Optional(Type.String()) }))),
})

/** A `message_template_status_update` change: Meta's verdict on a template (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update). */
const TemplateStatusUpdate = Type.Object({
  event: Type.String({ maxLength: 64 }),
  message_template_id: Type.Union([Type.Integer(), Type.String({ pattern: '^[0-9]{1,32}$' })]),
  message_template_name: Type.String({ maxLength: 512 }),
  message_template_language: Type.String({ maxLength: 20 }),
  reason: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
})

const VerificationQuery = Type.Object({
  'hub.mode': Type.Optional(Type.String({ maxLength: 64 })),
  'hub.verify_token': Type.Optional(Type.String({ maxLength: 1024 })),
  'hub.challenge': Type.Optional(Type.String({ maxLength: 255 })),
})

const WEBHOOK_BODY = `Meta's JSON as sent (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components):
changes of field \`messages\` (consumer messages and the statuses of our messages) and \`message_template_status_update\`.
\`X-Hub-Signature-256\` must be \`sha256=\` and the HMAC-SHA256 of the raw body with the brand's app secret; otherwise
the answer is 403 1101 and nothing in the body is read. The 200 \`{}\` comes once its content is recorded: Meta retries anything else.`

const REFUSED = 'the webhook is not signed by this brand\'s WhatsApp app'

/** Request lines without the query string: Meta's handshake carries the brand's verify token there. */
const withoutQuery = {
  req: (request: { id: string; method: string; url: string; ip?: string }) => ({ id: request.id, method: request.method, url: request.url.split('?')[0], remoteAddress: request.ip }),
}

/**
 * Meta's webhooks for a brand's WhatsApp number: the subscription handshake, consumer messages
 * and message statuses. Public (Meta holds no credentials of ours); every POST is verified with
 * the brand's app secret over the bytes as sent, before anything in it is read.
 */
export function whatsAppWebhookRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    // The signature covers the raw bytes, which a parse and re-serialisation would not
    // reproduce (escaped unicode, key order, spacing). This scope alone keeps the body as bytes.
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

    const schema = { tags: ['webhooks'], security: [], params: AccountParams }

    app.get(
      '/webhooks/whatsapp/:accountId',
      {
        logSerializers: withoutQuery,
        schema: {
          ...schema,
          summary: 'Meta\'s webhook verification: echoes hub.challenge when hub.verify_token is the brand\'s',
          querystring: VerificationQuery,
          response: { 200: Type.String(), 400: ErrorResponse, 403: ErrorResponse },
        },
      },
      async (request, reply) => {
        const stored = await openConnection(ctx, request.log, request.params.accountId, 'whatsapp')
        const query = request.query
        if (!stored || query['hub.mode'] !== 'subscribe' || !sameSecret(query['hub.verify_token'] ?? '', stored.config.verifyToken)) {
          throw apiError('notEnoughPrivilege', 'the verify token does not match this brand\'s')
        }
        return reply.code(200).type('text/plain; charset=utf-8').send(query['hub.challenge'] ?? '')
      },
    )

    app.post(
      '/webhooks/whatsapp/:accountId',
      {
        // The body schema documents Meta's JSON; the handler checks it, once the signature over the raw bytes holds.
        validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : validatorCompiler(route)),
        schema: {
          ...schema,
          summary: 'Meta\'s webhook: consumer messages, message statuses and template statuses, signed with X-Hub-Signature-256',
          description: WEBHOOK_BODY,
          consumes: ['application/json'],
          body: Envelope,
          response: { 200: Type.Object({}), 400: ErrorResponse, 403: ErrorResponse, 415: ErrorResponse },
        },
      },
      async (request) => {
        const { accountId } = request.params
        // Only the bytes as sent can carry Meta's signature: any other body is refused like a bad signature.
        const raw = Buffer.isBuffer(request.body) ? request.body : undefined
        const stored = raw && (await openConnection(ctx, request.log, accountId, 'whatsapp'))
        if (!raw || !stored || !signatureMatches(stored.config.appSecret, raw, request.headers['x-hub-signature-256'])) throw apiError('notEnoughPrivilege', REFUSED)
        let payload: unknown
        try {
          payload = secureJson.parse(raw.toString('utf8'), undefined, { protoAction: 'remove', constructorAction: 'remove' })
        } catch {
          throw apiError('invalidRequest', 'the body is not valid JSON')
        }
        if (!Value.Check(Envelope, payload)) throw apiError('invalidRequest', 'the body is not a WhatsApp webhook')
        // Meta retries until it gets a 200, so the work is done before answering (a failure
        // here is retried by Meta) and is cheap enough to answer well inside its timeout;
        // repeats are harmless because messages and statuses are de-duplicated.
        if (payload.object === 'whatsapp_business_account') {
          await handle(ctx, request.log, accountId, stored.config, payload)
        }
        return {}
      },
    )
  }
}

async function handle(ctx: AppContext, log: FastifyBaseLogger, accountId: string, connection: WhatsAppConnection, payload: Static<typeof Envelope>): Promise<void> {
  const at = ctx.clock.now().toISOString()
  for (const entry of payload.entry) {
    for (const change of entry.changes) {
      if (change.field === 'messages') await messagesChange(ctx, log, accountId, connection, change.value)
      else if (change.field === 'message_template_status_update') await templateStatus(ctx, log, accountId, connection, entry.id, change.value, at)
    }
  }
}

type ChangeValue = Static<typeof Envelope>['entry'][number]['changes'][number]['value']

/** Consumer messages and message statuses of the brand's number. */
async function messagesChange(ctx: AppContext, log: FastifyBaseLogger, accountId: string, connection: WhatsAppConnection, value: ChangeValue): Promise<void> {
  const { metadata, messages = [], statuses = [] } = value
  // One Meta app may serve several numbers; this brand's webhook takes its own number only.
  if (metadata?.phone_number_id !== connection.phoneNumberId) {
    log.warn({ accountId }, 'whatsapp webhook for a number other than the connected one; ignored')
    return
  }
  const brandNumber = '+' + metadata.display_phone_number.replace(/\D/g, '')
  for (const message of messages) {
    if (!Value.Check(ConsumerMessage, message)) {
      log.warn({ accountId }, 'whatsapp message of an unknown shape; ignored')
      continue
    }
    // Meta has no opt-out handling of its own: STOP, START and HELP are ours, answered in the chat.
    await receiveMessage(
      { ...ctx, logger: log },
      { accountId, channel: 'wa', provider: 'whatsapp', providerMessageId: message.id, from: consumerNumberOfWaId(message.from), to: brandNumber, text: textOf(message) },
      { answersInline: false, helpText: DEFAULT_HELP_TEXT },
    )
  }
  for (const status of statuses) {
    if (!Value.Check(StatusUpdate, status)) {
      log.warn({ accountId }, 'whatsapp status of an unknown shape; ignored')
      continue
    }
    const error = status.errors?.[0]
    // Only this brand's messages move; a status for one not recorded yet is kept until it is.
    await receiveStatus(
      { ...ctx, logger: log },
      { accountId, provider: 'whatsapp', messageId: status.id, status: mapWhatsAppStatus(status.status), ...(error ? { errorCode: String(error.code), errorMessage: error.title ?? error.message ?? '' } : {}) },
    )
  }
}

/** Meta's verdict on one of the brand's templates: approved ones become usable by handoffs. */
async function templateStatus(ctx: AppContext, log: FastifyBaseLogger, accountId: string, connection: WhatsAppConnection, wabaId: string | undefined, value: unknown, at: string): Promise<void> {
  if (!Value.Check(TemplateStatusUpdate, value)) {
    log.warn({ accountId }, 'whatsapp template status of an unknown shape; ignored')
    return
  }
  // Meta's text reaches the store, which cannot hold a NUL.
  const name = withoutNul(value.message_template_name)
  const language = withoutNul(value.message_template_language)
  if (wabaId !== connection.wabaId) {
    log.warn({ accountId, template: name }, 'whatsapp template status for a business account other than the connected one; ignored')
    return
  }
  const status = mapMetaTemplateStatus(value.event)
  if (!status) {
    log.info({ accountId, template: name, event: value.event }, 'whatsapp template event that changes no status; ignored')
    return
  }
  const reason = status === 'REJECTED' && value.reason && value.reason !== 'NONE' ? withoutNul(value.reason) : null
  const updated = await setTemplateStatus(ctx.db, accountId, { metaTemplateId: String(value.message_template_id), name, language }, { status, rejectedReason: reason, at })
  log.info({ accountId, template: name, event: value.event, applied: updated !== undefined }, 'whatsapp template status received')
}

/** What the conversation shows of a consumer's message; kinds without text are stored as a placeholder such as `[image]`. */
function textOf(message: Static<typeof ConsumerMessage>): string {
  return message.text?.body ?? message.button?.text ?? message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title ?? `[${message.type}]`
}

/** `X-Hub-Signature-256: sha256=<hex>` of the raw body, keyed with the app secret, compared in constant time. */
function signatureMatches(appSecret: string, raw: Buffer, header: string | string[] | undefined): boolean {
  const given = typeof header === 'string' ? /^sha256=([0-9a-f]{64})$/i.exec(header.trim())?.[1] : undefined
  if (!given) return false
  return timingSafeEqual(Buffer.from(given, 'hex'), createHmac('sha256', appSecret).update(raw).digest())
}

/** Compares two secrets in constant time whatever their lengths: their digests are compared instead. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest()
  return timingSafeEqual(digest(given), digest(expected))
}
