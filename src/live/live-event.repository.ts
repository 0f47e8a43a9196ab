import type { Selectable } from 'kysely'
import type { DbOrTrx } from '../store/database.ts'
import type { LiveEventTable } from '../store/schema.ts'
import type { LiveAudienceFilter } from './audience.ts'

/** Who a live event is for: one user; or every agent of a skill; or (neither) everyone of the brand. Managers see all. */
export interface LiveAudience {
  userId?: string
  skill?: string
}

export interface LiveEventInput extends LiveAudience {
  accountId: string
  /** `ring`, `message`, `conversation` (a state change), `queue` (a skill's queue size). */
  type: string
  data: unknown
  at: string
}

/**
 * Appends an event to the live log, in the caller's transaction: it exists exactly when the change
 * it tells of does. After the commit, the caller tells the streams (`LiveHub.notify`).
 */
export async function appendLiveEvent(db: DbOrTrx, event: LiveEventInput): Promise<void> {
  await db
    .insertInto('live_events')
    .values({ account_id: event.accountId, user_id: event.userId ?? null, skill: event.skill ?? null, type: event.type, data: JSON.stringify(event.data), at: event.at })
    .execute()
}

/** An event of the log as streams carry it. */
export interface LiveEvent {
  seq: number
  accountId: string
  userId: string | null
  skill: string | null
  type: string
  /** The event's JSON, as stored. */
  data: string
}

type LiveEventRow = Selectable<LiveEventTable>

function toLiveEvent(row: LiveEventRow): LiveEvent {
  // PostgreSQL answers a bigserial as text.
  return { seq: Number(row.seq), accountId: row.account_id, userId: row.user_id, skill: row.skill, type: row.type, data: row.data }
}

/** The events of every brand after `afterSeq`, in seq order, at most `limit`: what each instance's hub reads. */
export async function liveEventsAfter(db: DbOrTrx, afterSeq: number, limit: number): Promise<LiveEvent[]> {
  const rows = await db.selectFrom('live_events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute()
  return rows.map(toLiveEvent)
}

/** The brand's events in `(afterSeq, upToSeq]` that `filter` lets through, in seq order, at most `limit` (a stream's replay). */
export async function visibleLiveEvents(db: DbOrTrx, accountId: string, filter: LiveAudienceFilter, afterSeq: number, upToSeq: number, limit: number): Promise<LiveEvent[]> {
  let query = db.selectFrom('live_events').selectAll().where('account_id', '=', accountId).where('seq', '>', afterSeq).where('seq', '<=', upToSeq)
  if (filter.kind === 'person') {
    const { userId, skills } = filter
    // As `isVisibleTo`: the user's own; else addressed to no user, and to no skill or one of theirs.
    query = query.where((eb) =>
      eb.or([
        eb('user_id', '=', userId),
        eb.and([eb('user_id', 'is', null), skills.length > 0 ? eb.or([eb('skill', 'is', null), eb('skill', 'in', [...skills])]) : eb('skill', 'is', null)]),
      ]),
    )
  }
  const rows = await query.orderBy('seq').limit(limit).execute()
  return rows.map(toLiveEvent)
}

/** The first and last seq the log holds (null when empty). */
export async function liveLogBounds(db: DbOrTrx): Promise<{ first: number | null; last: number | null }> {
  const row = await db
    .selectFrom('live_events')
    .select((eb) => [eb.fn.min('seq').as('first'), eb.fn.max('seq').as('last')])
    .executeTakeFirst()
  return { first: row?.first == null ? null : Number(row.first), last: row?.last == null ? null : Number(row.last) }
}

/**
 * Deletes up to `limit` events older than `before` (oldest first), never the last one: the log's
 * last seq tells a reconnecting client whose id is older than what is left that it missed events.
 * Answers how many it deleted.
 */
export async function pruneLiveEvents(db: DbOrTrx, before: string, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('live_events')
    .where('seq', 'in', (eb) =>
      eb
        .selectFrom('live_events as old')
        .select('old.seq')
        .where('old.at', '<', before)
        .where('old.seq', '<', (inner) => inner.selectFrom('live_events as newest').select((m) => m.fn.max('newest.seq').as('last')))
        .orderBy('old.seq')
        .limit(limit),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
