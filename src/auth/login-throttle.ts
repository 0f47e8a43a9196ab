import { RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { AppContext } from '../context.ts'
import { StoreRateLimiter } from './store-rate-limiter.ts'

/** How many failed sign-ins lock a login, or an address, and for how long. */
export interface LoginThrottleOptions {
  maxFailures: number
  maxFailuresPerAddress: number
  lockSeconds: number
}

/**
 * Failed sign-ins counted per login of a brand and per client address, over one window of
 * `lockSeconds`: below the limit a failure is answered at once; the failure that reaches it locks
 * the login (or address) for `lockSeconds`, during which even the right password is refused. With
 * Redis every instance shares the counters there (the store backs it up while Redis is down);
 * without, the store's `rate_limits` table holds them.
 */
export class LoginThrottle {
  readonly #byLogin: RateLimiterAbstract
  readonly #byAddress: RateLimiterAbstract

  constructor(
    ctx: Pick<AppContext, 'db' | 'clock' | 'redis'>,
    private readonly options: LoginThrottleOptions,
  ) {
    const limiter = (points: number, keyPrefix: string): RateLimiterAbstract => {
      const store = new StoreRateLimiter(ctx.db, ctx.clock, { points, duration: options.lockSeconds, keyPrefix })
      return ctx.redis
        ? new RateLimiterRedis({ storeClient: ctx.redis, points, duration: options.lockSeconds, keyPrefix: `c2m:${keyPrefix}`, rejectIfRedisNotReady: true, insuranceLimiter: store })
        : store
    }
    this.#byLogin = limiter(options.maxFailures, 'login-fail')
    this.#byAddress = limiter(options.maxFailuresPerAddress, 'login-fail-ip')
  }

  /** Milliseconds the login or the address stays locked; 0 when it may try. */
  async lockedFor(accountId: string, login: string, address: string): Promise<number> {
    const [byLogin, byAddress] = await Promise.all([this.#byLogin.get(loginKey(accountId, login)), this.#byAddress.get(address)])
    return Math.max(
      byLogin && byLogin.consumedPoints >= this.options.maxFailures ? byLogin.msBeforeNext : 0,
      byAddress && byAddress.consumedPoints >= this.options.maxFailuresPerAddress ? byAddress.msBeforeNext : 0,
    )
  }

  /** Counts a failure; the milliseconds of the lock it started, or 0. */
  async failed(accountId: string, login: string, address: string): Promise<number> {
    const [lockedLogin, lockedAddress] = await Promise.all([
      this.#count(this.#byLogin, loginKey(accountId, login), this.options.maxFailures),
      this.#count(this.#byAddress, address, this.options.maxFailuresPerAddress),
    ])
    return Math.max(lockedLogin, lockedAddress)
  }

  /** A successful sign-in forgets the login's failures (not the address's: one good password must not reopen a sprayed address). */
  async succeeded(accountId: string, login: string): Promise<void> {
    await this.#byLogin.delete(loginKey(accountId, login))
  }

  async #count(limiter: RateLimiterAbstract, key: string, max: number): Promise<number> {
    // `penalty` adds points without ever rejecting, so reaching the limit is ours to act on.
    const res = await limiter.penalty(key, 1)
    if (res.consumedPoints < max) return 0
    // The failure that reaches the limit starts a full lock, however old the window's first failure.
    await limiter.block(key, this.options.lockSeconds)
    return this.options.lockSeconds * 1000
  }
}

// The login is bounded (255) before it gets here; the brand keeps two brands' logins apart.
function loginKey(accountId: string, login: string): string {
  return `${accountId}:${login.toLowerCase()}`
}
