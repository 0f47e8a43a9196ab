import type { Channel } from '../shared/channel.ts'
import type { DbOrTrx } from '../store/database.ts'
import { isUniqueViolation } from '../store/database.ts'

export interface InboundMessage {
  id: string
  accountId: string
  channel: Channel
  provider: string
  providerMessageId: string
  from: string
  to: string
  text: string
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
