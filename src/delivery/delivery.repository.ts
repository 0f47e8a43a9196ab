import type { DeliveryStatus } from '../channels/channel-adapter.ts'
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely'
import { type DbOrTrx, inTransaction, lockKey } from '../store/database.ts'
import type { Database } from '../store/schema.ts'

/**
 * How far along a message is. A status callback only ever moves a message forward: a late
 * `sent` after `delivered` (providers do not promise order) changes nothing.
 */
const RANK: Record<DeliveryStatus, number> = { queued: 0, sent: 1, failed: 2, undelivered: 2, delivered: 3, read: 4 }

export interface Delivery {
  id: string
  outboxId: string
  accountId: string
  /** Null for a message that answers a consumer. */
  callId: string | null
  channel: string
  provider: string
  providerMessageId: string
  status: DeliveryStatus
  errorCode: string | null
  errorMessage: string | null
  createdAt: string
  updatedAt: string
}

/**
 * Records what a provider accepted; a repeat (a retried send the provider de-duplicated) is
 * ignored. Statuses that arrived before this record (the provider's callback beat our
 * transaction, or the app's receipt beat it) are applied now: the furthest-forward one counts.
 */
export async function recordDelivery(db: DbOrTrx, delivery: Omit<Delivery, 'errorCode' | 'errorMessage' | 'updatedAt'>): Promise<void> {
  await inTransaction(db, async (trx) => {
    // The keys its early statuses were kept under; each is locked as applying a status locks it,
    // so a status being kept right now is either seen here or sees this delivery.
    const keys: Array<[provider: string, messageId: string]> = [[delivery.provider, delivery.providerMessageId]]
    if (delivery.channel === 'inapp') keys.push([APP_RECEIPT, delivery.outboxId])
    for (const [provider, messageId] of keys) await lockKey(trx, statusLock(provider, messageId))

    const inserted = await trx
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
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return

    const early = (eb: ExpressionBuilder<Database, 'delivery_status_events'>) =>
      eb.and([
        eb('account_id', '=', delivery.accountId),
        eb('pending', '=', 1),
        eb.or(keys.map(([provider, messageId]) => eb.and([eb('provider', '=', provider), eb('provider_message_id', '=', messageId)]))),
      ])
    const pending = await trx.selectFrom('delivery_status_events').selectAll().where(early).orderBy('received_at').execute()
    if (pending.length === 0) return
    // Of equally advanced statuses (failed, undelivered) the first received wins, as it would have live.
    const furthest = pending.reduce((best, event) => (rank(event.status) > rank(best.status) ? event : best))
    if (rank(furthest.status) > RANK[delivery.status]) {
      await trx
        .updateTable('deliveries')
        .set({ status: furthest.status, error_code: furthest.error_code, error_message: furthest.error_message, updated_at: delivery.createdAt })
        .where('id', '=', delivery.id)
        .execute()
    }
    await trx.updateTable('delivery_status_events').set({ pending: 0 }).where(early).execute()
  })
}

/**
 * What became of a status event: applied to its delivery; a repeat of one received before; not
 * ahead of the delivery's status; kept until the send it is about is recorded; or about another
 * brand's message, and ignored.
 */
export type StatusOutcome = 'applied' | 'duplicate' | 'stale' | 'pending' | 'foreign'

/**
 * Applies one provider status callback for the brand: each (message, status) counts once, and
 * only a status further along than the current one moves the message. A callback for a message
 * not recorded yet is kept, and applied when it is (see `recordDelivery`).
 */
export async function applyStatus(
  db: DbOrTrx,
  update: { accountId: string; provider: string; providerMessageId: string; status: DeliveryStatus; errorCode?: string; errorMessage?: string; at: string },
): Promise<StatusOutcome> {
  const { provider, providerMessageId } = update
  return apply(db, update, (eb) => eb.and([eb('provider', '=', provider), eb('provider_message_id', '=', providerMessageId)]))
}

/**
 * The `provider` under which the brand's app's receipts are kept: FCM reports nothing after
 * accepting a push (https://firebase.google.com/docs/cloud-messaging/understand-delivery), so the
 * app reports instead, naming our message id (the one the push carried), not a provider's.
 */
export const APP_RECEIPT = 'app'

/**
 * Applies the brand's app's receipt for an in-app message of the brand, through the same
 * de-duplicated, forward-only path as a provider's status callback; a receipt that beats our
 * record of the push is kept, like an early callback.
 */
export async function applyInAppReceipt(db: DbOrTrx, receipt: { accountId: string; messageId: string; status: 'delivered' | 'read'; at: string }): Promise<StatusOutcome> {
  const { messageId } = receipt
  return apply(db, { accountId: receipt.accountId, provider: APP_RECEIPT, providerMessageId: messageId, status: receipt.status, at: receipt.at }, (eb) =>
    eb.and([eb('outbox_id', '=', messageId), eb('channel', '=', 'inapp')]),
  )
}

/** Drops the pending status events received before `before`: their message was never recorded as ours. */
export async function prunePendingStatuses(db: DbOrTrx, before: string): Promise<number> {
  const result = await db.deleteFrom('delivery_status_events').where('pending', '=', 1).where('received_at', '<', before).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Which delivery a status event is about. */
type Target = (eb: ExpressionBuilder<Database, 'deliveries'>) => Expression<SqlBool>

async function apply(
  db: DbOrTrx,
  event: { accountId: string; provider: string; providerMessageId: string; status: DeliveryStatus; errorCode?: string; errorMessage?: string; at: string },
  target: Target,
): Promise<StatusOutcome> {
  return inTransaction(db, async (trx) => {
    await lockKey(trx, statusLock(event.provider, event.providerMessageId))
    const delivery = await trx.selectFrom('deliveries').select('account_id').where(target).executeTakeFirst()
    // Provider message ids are global: a brand's signed callback only ever moves its own messages.
    if (delivery && delivery.account_id !== event.accountId) return 'foreign'
    const inserted = await trx
      .insertInto('delivery_status_events')
      .values({
        account_id: event.accountId,
        provider: event.provider,
        provider_message_id: event.providerMessageId,
        status: event.status,
        error_code: event.errorCode ?? null,
        error_message: event.errorMessage ?? null,
        received_at: event.at,
        pending: delivery ? 0 : 1,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return 'duplicate'
    if (!delivery) return 'pending'
    const behind = (Object.keys(RANK) as DeliveryStatus[]).filter((s) => RANK[s] < RANK[event.status])
    if (behind.length === 0) return 'stale'
    const result = await trx
      .updateTable('deliveries')
      .set({ status: event.status, error_code: event.errorCode ?? null, error_message: event.errorMessage ?? null, updated_at: event.at })
      .where(target)
      .where('status', 'in', behind)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0 ? 'applied' : 'stale'
  })
}

function statusLock(provider: string, messageId: string): string {
  return `delivery-status:${provider}:${messageId}`
}

function rank(status: string): number {
  return RANK[status as DeliveryStatus] ?? -1
}

export async function findDelivery(db: DbOrTrx, provider: string, providerMessageId: string): Promise<Delivery | undefined> {
  const row = await db.selectFrom('deliveries').selectAll().where('provider', '=', provider).where('provider_message_id', '=', providerMessageId).executeTakeFirst()
  return row && toDelivery(row)
}

export async function listDeliveriesOfCall(db: DbOrTrx, callId: string): Promise<Delivery[]> {
  const rows = await db.selectFrom('deliveries').selectAll().where('call_id', '=', callId).orderBy('created_at').execute()
  return rows.map(toDelivery)
}

function toDelivery(row: { id: string; outbox_id: string; account_id: string; call_id: string | null; channel: string; provider: string; provider_message_id: string | null; status: string; error_code: string | null; error_message: string | null; created_at: string; updated_at: string }): Delivery {
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

/** One status a provider (or the brand's app) reported for a message, when we received it. */
export interface StatusEvent {
  status: string
  errorCode: string | null
  errorMessage: string | null
  receivedAt: string
}

/**
 * The status events received for each of the brand's deliveries, by delivery id, in the order
 * received: the provider's callbacks, and for an in-app message the app's receipts too.
 */
export async function listStatusTimelines(db: DbOrTrx, accountId: string, deliveries: Delivery[]): Promise<Map<string, StatusEvent[]>> {
  const keysOf = (d: Delivery): Array<[provider: string, messageId: string]> => [[d.provider, d.providerMessageId], ...(d.channel === 'inapp' ? [[APP_RECEIPT, d.outboxId] as [string, string]] : [])]
  const keys = deliveries.flatMap(keysOf)
  const timelines = new Map(deliveries.map((d) => [d.id, [] as StatusEvent[]]))
  if (keys.length === 0) return timelines
  const rows = await db
    .selectFrom('delivery_status_events')
    .selectAll()
    .where('account_id', '=', accountId)
    .where((eb) => eb.or(keys.map(([provider, messageId]) => eb.and([eb('provider', '=', provider), eb('provider_message_id', '=', messageId)]))))
    .execute()
  for (const d of deliveries) {
    const mine = keysOf(d)
    const events = rows.filter((row) => mine.some(([provider, messageId]) => row.provider === provider && row.provider_message_id === messageId))
    // Same instant: in the order a message moves, so the timeline reads forward.
    events.sort((a, b) => a.received_at.localeCompare(b.received_at) || rank(a.status) - rank(b.status))
    timelines.set(d.id, events.map((row) => ({ status: row.status, errorCode: row.error_code, errorMessage: row.error_message, receivedAt: row.received_at })))
  }
  return timelines
}
