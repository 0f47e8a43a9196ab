import type { Channel } from '../shared/channel.ts'
import type { DbOrTrx } from '../store/database.ts'
import { isUniqueViolation } from '../store/database.ts'

/** A consumer's message as every entry point (Twilio, WhatsApp, the sandbox) hands it over, verified and parsed. */
export interface ConsumerMessage {
  accountId: string
  channel: Channel
  /** Who carried it (`twilio`, `whatsapp`, `sandbox`): with its id, what makes a repeat recognisable. */
  provider: string
  /** The carrier's id of the message; a webhook delivered twice carries the same one. */
  providerMessageId: string
  /** The consumer: an E.164 number for sms and wa, the consumerId for inapp. */
  from: string
  /** What the consumer wrote to: the brand's number (sms, wa) or app id (inapp). */
  to: string
  text: string
}

/** A consumer's message as stored: once per carrier id. */
export interface InboundMessage extends ConsumerMessage {
  id: string
  receivedAt: string
}

/** Stores a consumer's message once: providers retry webhooks, so a repeated provider id is a duplicate (false). */
export async function recordInbound(db: DbOrTrx, message: InboundMessage): Promise<boolean> {
  try {
    await db
      .insertInto('inbound_messages')
      .values({
        id: message.id,
        account_id: message.accountId,
        channel: message.channel,
        provider: message.provider,
        provider_message_id: message.providerMessageId,
        from: message.from,
        to: message.to,
        text: message.text,
        received_at: message.receivedAt,
      })
      .execute()
    return true
  } catch (error) {
    if (isUniqueViolation(error)) return false
    throw error
  }
}

export async function listInbound(db: DbOrTrx, accountId: string, from?: string): Promise<InboundMessage[]> {
  let query = db.selectFrom('inbound_messages').selectAll().where('account_id', '=', accountId)
  if (from) query = query.where('from', '=', from)
  const rows = await query.orderBy('received_at').orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    channel: r.channel as InboundMessage['channel'],
    provider: r.provider,
    providerMessageId: r.provider_message_id,
    from: r.from,
    to: r.to,
    text: r.text,
    receivedAt: r.received_at,
  }))
}
