import type { DbOrTrx } from '../store/database.ts'

// A signed-out session is remembered until its own expiry, so a copy of its cookie (a shared
// computer, a proxy log) opens nothing. The store's `rate_limits` table already is a shared
// table of keys that expire, and holds these under their own prefix.
const PREFIX = 'session-ended:'

/** Records the sign-out, and sweeps the table's expired keys (of either kind): sign-outs are rare enough to carry that. */
export async function recordEndedSession(db: DbOrTrx, sessionId: string, expiresAt: number, now: number): Promise<void> {
  await db.deleteFrom('rate_limits').where('expire_at', '<=', now).execute()
  await db
    .insertInto('rate_limits')
    .values({ key: PREFIX + sessionId, points: 1, expire_at: expiresAt })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
}

export async function isSessionEnded(db: DbOrTrx, sessionId: string): Promise<boolean> {
  const row = await db.selectFrom('rate_limits').select('key').where('key', '=', PREFIX + sessionId).executeTakeFirst()
  return row !== undefined
}
