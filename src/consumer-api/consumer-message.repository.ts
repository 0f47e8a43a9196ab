import type { DeliveryStatus } from '../channels/channel-adapter.ts'
import type { OutboundMessage } from '../channels/outbound-message.ts'
import type { OutboxStatus } from '../delivery/outbox.repository.ts'
import type { DbOrTrx } from '../store/database.ts'
import type { MessageCursor } from './consumer-messages.ts'

/** One outbound in-app message to the consumer, with what its deliveries reached. */
export interface ConsumerMessageRow {
  id: string
  kind: 'invitation' | 'reply'
  callId: string | null
  message: OutboundMessage
  outboxStatus: OutboxStatus
  deliveryStatuses: DeliveryStatus[]
  createdAt: string
}

/**
 * The brand's outbound messages to one consumer that are in-app now (an invitation that fell
 * back to SMS is the phone's, not the app's), invitations and agent replies only, created at or
 * after `from` and after `after`, oldest first: at most `limit`. Served by the outbox's
 * (account_id, recipient, created_at) index.
 */
export async function listConsumerMessages(
  db: DbOrTrx,
  query: { accountId: string; consumerId: string; from: string; after: MessageCursor | null; limit: number },
): Promise<ConsumerMessageRow[]> {
  const { after } = query
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'kind', 'call_id', 'message', 'status', 'created_at'])
    .where('account_id', '=', query.accountId)
    .where('recipient', '=', query.consumerId)
    .where('created_at', '>=', query.from)
    .where('channel', '=', 'inapp')
    .where('kind', 'in', ['invitation', 'reply'])
    .$if(after !== null, (qb) =>
      qb.where((eb) => eb.or([eb('created_at', '>', after!.createdAt), eb.and([eb('created_at', '=', after!.createdAt), eb('id', '>', after!.id)])])),
    )
    .orderBy('created_at')
    .orderBy('id')
    .limit(query.limit)
    .execute()
  if (rows.length === 0) return []

  const deliveries = await db
    .selectFrom('deliveries')
    .select(['outbox_id', 'status'])
    .where('outbox_id', 'in', rows.map((r) => r.id))
    .where('channel', '=', 'inapp')
    .execute()
  const statuses = new Map<string, DeliveryStatus[]>()
  for (const d of deliveries) statuses.set(d.outbox_id, [...(statuses.get(d.outbox_id) ?? []), d.status as DeliveryStatus])

  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as ConsumerMessageRow['kind'],
    callId: r.call_id,
    message: JSON.parse(r.message) as OutboundMessage,
    outboxStatus: r.status as OutboxStatus,
    deliveryStatuses: statuses.get(r.id) ?? [],
    createdAt: r.created_at,
  }))
}

/** The id under which a consumer's message was recorded, by its carrier and carrier id. */
export async function findInboundId(db: DbOrTrx, provider: string, providerMessageId: string): Promise<string | undefined> {
  const row = await db.selectFrom('inbound_messages').select('id').where('provider', '=', provider).where('provider_message_id', '=', providerMessageId).executeTakeFirst()
  return row?.id
}
