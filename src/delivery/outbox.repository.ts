import type { Selectable } from 'kysely'
import type { Channel } from '../shared/channel.ts'
import type { MessageKind, OutboundMessage } from '../channels/outbound-message.ts'
import { type DbOrTrx, inTransaction, isPostgres } from '../store/database.ts'
import type { OutboxTable } from '../store/schema.ts'

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed'

export interface OutboxEntry {
  id: string
  accountId: string
  kind: MessageKind
  callId: string | null
  channel: Channel
  message: OutboundMessage
  status: OutboxStatus
  attempts: number
  availableAt: string
  leaseUntil: string | null
  providerMessageId: string | null
  lastError: string | null
}

function toEntry(row: Selectable<OutboxTable>): OutboxEntry {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind as MessageKind,
    callId: row.call_id,
    channel: row.channel as Channel,
    // Rows written before messages had kinds were all invitations.
    message: { kind: row.kind as MessageKind, ...(JSON.parse(row.message) as Omit<OutboundMessage, 'kind'>) },
    status: row.status as OutboxStatus,
    attempts: row.attempts,
    availableAt: row.available_at,
    leaseUntil: row.lease_until,
    providerMessageId: row.provider_message_id,
    lastError: row.last_error,
  }
}

export async function enqueue(db: DbOrTrx, message: OutboundMessage, at: string): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      id: message.id,
      account_id: message.accountId,
      kind: message.kind,
      call_id: message.callId,
      channel: message.channel,
      message: JSON.stringify(message),
      status: 'pending',
      attempts: 0,
      available_at: at,
      lease_until: null,
      provider_message_id: null,
      last_error: null,
      created_at: at,
      updated_at: at,
      recipient: message.to,
    })
    .execute()
}

/**
 * Takes up to `limit` due rows for this dispatcher: pending ones whose time has come, and
 * `sending` ones whose lease ran out (their dispatcher died mid-send). On PostgreSQL the
 * candidates are locked with SKIP LOCKED, so concurrent dispatchers never take the same row;
 * SQLite serialises writers, which gives the same guarantee.
 */
export async function claimDue(db: DbOrTrx, now: string, leaseUntil: string, limit: number): Promise<OutboxEntry[]> {
  const due = db
    .selectFrom('outbox')
    .select('id')
    .where((eb) => eb.or([eb.and([eb('status', '=', 'pending'), eb('available_at', '<=', now)]), eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)])]))
    .orderBy('available_at')
    .limit(limit)
    .$if(isPostgres(db), (qb) => qb.forUpdate().skipLocked())
  const rows = await db
    .updateTable('outbox')
    .set((eb) => ({ status: 'sending', lease_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now }))
    .where('id', 'in', due)
    .returningAll()
    .execute()
  return rows.map(toEntry)
}

/**
 * Records the outcome of a claimed row, only while this claim still holds it: a row whose lease
 * ran out and was claimed again has a higher attempt count, and the late outcome is dropped.
 */
export async function settle(
  db: DbOrTrx,
  claim: { id: string; attempts: number },
  outcome: { status: 'sent'; providerMessageId: string } | { status: 'failed'; error: string } | { status: 'pending'; error: string; availableAt: string },
  now: string,
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      status: outcome.status,
      lease_until: null,
      updated_at: now,
      ...(outcome.status === 'sent' ? { provider_message_id: outcome.providerMessageId, last_error: null } : { last_error: outcome.error }),
      ...(outcome.status === 'pending' ? { available_at: outcome.availableAt } : {}),
    })
    .where('id', '=', claim.id)
    .where('status', '=', 'sending')
    .where('attempts', '=', claim.attempts)
    .execute()
}

/** A message of the brand by its id (another brand's is not found). */
export async function findOutboxById(db: DbOrTrx, accountId: string, id: string): Promise<OutboxEntry | undefined> {
  const row = await db.selectFrom('outbox').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst()
  return row && toEntry(row)
}

export async function findOutboxByCall(db: DbOrTrx, callId: string): Promise<OutboxEntry | undefined> {
  const row = await db.selectFrom('outbox').selectAll().where('call_id', '=', callId).executeTakeFirst()
  return row && toEntry(row)
}

/**
 * Moves a claimed row to another channel (fallback after a permanent failure): the new message
 * is due now and gets its own attempts; the failure that caused it is kept in `last_error`.
 */
export async function reroute(db: DbOrTrx, claim: { id: string; attempts: number }, message: OutboundMessage, error: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ channel: message.channel, recipient: message.to, message: JSON.stringify(message), status: 'pending', attempts: 0, available_at: now, lease_until: null, last_error: error, updated_at: now })
    .where('id', '=', claim.id)
    .where('status', '=', 'sending')
    .where('attempts', '=', claim.attempts)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** A message moved to the next channel after a permanent failure, as the call's history shows it. */
export interface ChannelFallback {
  outboxId: string
  from: Channel
  to: Channel
  /** The failure that caused it (`<channel> <code>: <message>`), as `last_error` held it. */
  reason: string
  /** Sends tried on `from`. */
  attempts: number
  at: string
}

/**
 * `reroute`, keeping the fallback for the call's history in the same transaction: the history
 * shows a fallback exactly when the row moved. `from` and `attempts` are the claim's.
 */
export async function rerouteAndRecord(
  db: DbOrTrx,
  claim: { id: string; attempts: number; accountId: string; channel: Channel },
  message: OutboundMessage,
  error: string,
  now: string,
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    if (!(await reroute(trx, claim, message, error, now))) return false
    await trx
      .insertInto('outbox_fallbacks')
      .values({ outbox_id: claim.id, account_id: claim.accountId, from_channel: claim.channel, to_channel: message.channel, reason: error, attempts: claim.attempts, at: now })
      // A message leaves each channel at most once (fallback only moves forward): the first record stands.
      .onConflict((oc) => oc.doNothing())
      .execute()
    return true
  })
}

/** A message of the outbox with its own times, for the call's history. */
export interface OutboxRecord extends OutboxEntry {
  createdAt: string
  updatedAt: string
}

/** The messages of a call, oldest first (an invite writes one), with the fallbacks of each. */
export async function listOutboxOfCall(db: DbOrTrx, callId: string): Promise<Array<OutboxRecord & { fallbacks: ChannelFallback[] }>> {
  const rows = await db.selectFrom('outbox').selectAll().where('call_id', '=', callId).orderBy('created_at').execute()
  if (rows.length === 0) return []
  const fallbacks = await db
    .selectFrom('outbox_fallbacks')
    .selectAll()
    .where('outbox_id', 'in', rows.map((r) => r.id))
    .orderBy('at')
    .execute()
  return rows.map((row) => ({
    ...toEntry(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    fallbacks: fallbacks
      .filter((f) => f.outbox_id === row.id)
      .map((f) => ({ outboxId: f.outbox_id, from: f.from_channel as Channel, to: f.to_channel as Channel, reason: f.reason, attempts: f.attempts, at: f.at })),
  }))
}
