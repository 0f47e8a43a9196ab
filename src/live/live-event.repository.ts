import type { DbOrTrx } from '../store/database.ts'

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
