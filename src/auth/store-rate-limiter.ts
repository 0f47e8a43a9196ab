import { createRequire } from 'node:module'
import { sql } from 'kysely'
import { RateLimiterRes, type RateLimiterStoreAbstract as StoreAbstract } from 'rate-limiter-flexible'
import type { Clock } from '../lib/clock.ts'
import type { Db } from '../store/database.ts'

// The package's index does not export the base class its own store limiters extend (its types do),
// so it is loaded from its file; the package has no `exports` map that would forbid that.
const RateLimiterStoreAbstract = createRequire(import.meta.url)('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js') as typeof StoreAbstract

interface Counter {
  points: number
  /** Milliseconds since the epoch; null: never expires. */
  expireAt: number | null
}

/**
 * rate-limiter-flexible over the store's `rate_limits` table, for deployments without Redis:
 * every instance shares the counters, and time comes from the injected clock (so windows and
 * lockouts are tested by moving the clock, not by sleeping). The library calls `_upsert`, `_get`
 * and `_delete` and builds its answers with `_getRateLimiterRes` (see RateLimiterStoreAbstract).
 */
export class StoreRateLimiter extends RateLimiterStoreAbstract {
  readonly #db: Db
  readonly #clock: Clock

  constructor(db: Db, clock: Clock, options: { points: number; duration: number; keyPrefix: string }) {
    super({ ...options, storeClient: db })
    this.#db = db
    this.#clock = clock
  }

  /** Adds `points` to the key's counter, or starts it over when it expired (or `forceExpire`): one atomic statement. */
  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<Counter> {
    const now = this.#clock.now().getTime()
    const expireAt = msDuration > 0 ? now + msDuration : null
    const expired = sql<boolean>`(rate_limits.expire_at is not null and rate_limits.expire_at <= ${now})`
    const row = await this.#db
      .insertInto('rate_limits')
      .values({ key: rlKey, points, expire_at: expireAt })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet(
          forceExpire
            ? { points: sql`excluded.points`, expire_at: sql`excluded.expire_at` }
            : {
                points: sql`case when ${expired} then excluded.points else rate_limits.points + excluded.points end`,
                expire_at: sql`case when ${expired} then excluded.expire_at else rate_limits.expire_at end`,
              },
        ),
      )
      .returning(['points', 'expire_at'])
      .executeTakeFirstOrThrow()
    return toCounter(row)
  }

  async _get(rlKey: string): Promise<Counter | null> {
    const now = this.#clock.now().getTime()
    const row = await this.#db
      .selectFrom('rate_limits')
      .select(['points', 'expire_at'])
      .where('key', '=', rlKey)
      .where((eb) => eb.or([eb('expire_at', 'is', null), eb('expire_at', '>', now)]))
      .executeTakeFirst()
    return row ? toCounter(row) : null
  }

  async _delete(rlKey: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('rate_limits').where('key', '=', rlKey).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, counter: Counter): RateLimiterRes {
    const isFirstInDuration = changedPoints === counter.points
    const consumed = isFirstInDuration ? changedPoints : counter.points
    const msBeforeNext = counter.expireAt === null ? -1 : Math.max(counter.expireAt - this.#clock.now().getTime(), 0)
    return new RateLimiterRes(Math.max(this.points - consumed, 0), msBeforeNext, consumed, isFirstInDuration)
  }
}

// PostgreSQL answers a bigint as a string.
function toCounter(row: { points: number; expire_at: number | string | null }): Counter {
  return { points: Number(row.points), expireAt: row.expire_at === null ? null : Number(row.expire_at) }
}
