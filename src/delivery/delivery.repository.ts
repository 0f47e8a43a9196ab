import type { DeliveryStatus } from '../channels/channel-adapter.ts'
import { type DbOrTrx, isUniqueViolation } from '../store/database.ts'

/**
 * How far along a message is. A status callback only ever moves a message forward: a late
 * `sent` after `delivered` (providers do not promise order) changes nothing.
 */
const RANK: Record<DeliveryStatus, number> = { queued: 0, sent: 1, failed: 2, undelivered: 2, delivered: 3, read: 4 }

export interface Delivery {
  id: string
  outboxId: string
  accountId: string
  callId: string
  channel: string
  provider: string
  providerMessageId: string
  status: DeliveryStatus
  errorCode: string | null
  errorMessage: string | null
  createdAt: string
  updatedAt: string
}

/** Records what a provider accepted; a repeat (a retried send the provider de-duplicated) is ignored. */
export async function recordDelivery(db: DbOrTrx, delivery: Omit<Delivery, 'errorCode' | 'errorMessage' | 'updatedAt'>): Promise<void> {
  try {
    await db
      .insertInto('deliveries')
      .values({
        id: delivery.id,
        outbox_id: delivery.outboxId,
        account_id: delivery.accountId,
        call_id: delivery.callId,
        channel: delivery.channel,
        provider: delivery.provider,
        provider_message_id: delivery.providerMessageId,
        status: delivery.status,
        error_code: null,
        error_message: null,
        created_at: delivery.createdAt,
        updated_at: delivery.createdAt,
      })
      .execute()
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
  }
}

export type StatusOutcome = 'applied' | 'duplicate' | 'stale' | 'unknown-message'

/**
 * Applies one status callback: each (message, status) counts once, and only a status further
 * along than the current one moves the message.
 */
export async function applyStatus(
  db: DbOrTrx,
  update: { provider: string; providerMessageId: string; status: DeliveryStatus; errorCode?: string; errorMessage?: string; at: string },
): Promise<StatusOutcome> {
  try {
    await db.insertInto('delivery_status_events').values({ provider: update.provider, provider_message_id: update.providerMessageId, status: update.status, received_at: update.at }).execute()
  } catch (error) {
    if (isUniqueViolation(error)) return 'duplicate'
    throw error
  }
  const behind = (Object.keys(RANK) as DeliveryStatus[]).filter((s) => RANK[s] < RANK[update.status])
  if (behind.length === 0) return (await findDelivery(db, update.provider, update.providerMessageId)) ? 'stale' : 'unknown-message'
  const result = await db
    .updateTable('deliveries')
    .set({ status: update.status, error_code: update.errorCode ?? null, error_message: update.errorMessage ?? null, updated_at: update.at })
    .where('provider', '=', update.provider)
    .where('provider_message_id', '=', update.providerMessageId)
    .where('status', 'in', behind)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) > 0) return 'applied'
  return (await findDelivery(db, update.provider, update.providerMessageId)) ? 'stale' : 'unknown-message'
}

export async function findDelivery(db: DbOrTrx, provider: string, providerMessageId: string): Promise<Delivery | undefined> {
  const row = await db.selectFrom('deliveries').selectAll().where('provider', '=', provider).where('provider_message_id', '=', providerMessageId).executeTakeFirst()
  return row && toDelivery(row)
}

export async function listDeliveriesOfCall(db: DbOrTrx, callId: string): Promise<Delivery[]> {
  const rows = await db.selectFrom('deliveries').selectAll().where('call_id', '=', callId).orderBy('created_at').execute()
  return rows.map(toDelivery)
}

function toDelivery(row: { id: string; outbox_id: string; account_id: string; call_id: string; channel: string; provider: string; provider_message_id: string | null; status: string; error_code: string | null; error_message: string | null; created_at: string; updated_at: string }): Delivery {
  return {
    id: row.id,
    outboxId: row.outbox_id,
    accountId: row.account_id,
    callId: row.call_id,
    channel: row.channel,
    provider: row.provider,
    providerMessageId: row.provider_message_id ?? '',
    status: row.status as DeliveryStatus,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
