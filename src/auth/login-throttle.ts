import { RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible'
import type { AppContext } from '../context.ts'
import { ApiError, ERRORS } from '../shared/errors.ts'
import { StoreRateLimiter } from './store-rate-limiter.ts'

/** Password checks running at once on an instance: the libuv thread pool's default size, which scrypt runs on. */
const CHECKS_RUNNING = 4
/** Sign-ins waiting for a check: past it they are refused (429) rather than queued. */
const CHECKS_WAITING = 32

/** How many failed sign-ins lock a login, or an address, and for how long. */
export interface LoginThrottleOptions {
  maxFailures: number
  maxFailuresPerAddress: number
  lockSeconds: number
}

/**
 * Sign-in attempts counted per login of a brand and per client address, over one window of
 * `lockSeconds` (a successful one is given back): below the limit a failure is answered at once;
 * the failure that reaches it locks the login (or address) for `lockSeconds`, during which even
 * the right password is refused. With Redis every instance shares the counters there (the store
 * backs it up while Redis is down); without, the store's `rate_limits` table holds them.
 */
export class LoginThrottle {
  readonly #byLogin: RateLimiterAbstract
  readonly #byAddress: RateLimiterAbstract
  readonly #gate = new WorkGate(CHECKS_RUNNING, CHECKS_WAITING)

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

  /**
   * One password check under the throttle: `check` answers what matched (undefined: nothing did).
   * The attempt is counted before the check runs, so guesses sent all at once cannot all pass a
   * count read before any of them failed: past the limit they are refused unchecked. A match
   * forgets the login's failures and gives the address its attempt back; a miss that reaches the
   * limit locks. Throws `LockedError` (429) while locked, or while this instance has more sign-ins
   * in hand than `CHECKS_RUNNING + CHECKS_WAITING`.
   */
  async guard<T>(accountId: string, login: string, address: string, check: () => Promise<T | undefined>): Promise<T | undefined> {
    return this.#gate.run(async () => {
      const key = loginKey(accountId, login)
      const [byLogin, byAddress] = await Promise.all([this.#byLogin.penalty(key, 1), this.#byAddress.penalty(address, 1)])
      const locked = Math.max(over(byLogin, this.options.maxFailures), over(byAddress, this.options.maxFailuresPerAddress))
      if (locked > 0) throw new LockedError(locked)
      const matched = await check()
      if (matched !== undefined) {
        // Not the address's failures: one good password must not reopen a sprayed address; only this attempt is given back.
        await Promise.all([this.#byLogin.delete(key), this.#byAddress.reward(address, 1)])
        return matched
      }
      const lock = Math.max(await this.#lockAt(this.#byLogin, byLogin, key, this.options.maxFailures), await this.#lockAt(this.#byAddress, byAddress, address, this.options.maxFailuresPerAddress))
      if (lock > 0) throw new LockedError(lock)
      return undefined
    })
  }

  /** The failed attempt that reached the limit starts a full lock, however old the window's first failure. */
  async #lockAt(limiter: RateLimiterAbstract, counted: RateLimiterRes, key: string, max: number): Promise<number> {
    if (counted.consumedPoints < max) return 0
    await limiter.block(key, this.options.lockSeconds)
    return this.options.lockSeconds * 1000
  }
}

/** Milliseconds left of the window when this attempt is beyond the limit; 0 when it may be checked. */
function over(counted: RateLimiterRes, max: number): number {
  return counted.consumedPoints > max ? Math.max(1, counted.msBeforeNext) : 0
}

/**
 * At most `running` tasks at once, `waiting` more queued in arrival order; past that, refused at
 * once. Sign-ins are open to anyone and each costs a scrypt (32 MiB, tens of ms on a libuv
 * thread): unbounded, a flood of them queues for ever on the thread pool that file and DNS work
 * share, and every person's sign-in waits behind it.
 */
export class WorkGate {
  #running = 0
  readonly #queue: Array<() => void> = []

  constructor(
    private readonly running: number,
    private readonly waiting: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running < this.running) this.#running++
    else if (this.#queue.length < this.waiting) await new Promise<void>((resolve) => this.#queue.push(resolve))
    else throw new LockedError(1000, 'too many sign-ins at once: try again in a moment')
    try {
      return await work()
    } finally {
      // The place passes straight to the next in line, or is given back.
      const next = this.#queue.shift()
      if (next) next()
      else this.#running--
    }
  }
}

/** 429 1029: the login or address is locked, or sign-ins are too many at once; the route answers `Retry-After`. */
export class LockedError extends ApiError {
  readonly retryAfterSeconds: number
  constructor(ms: number, detail = 'too many failed sign-ins: try again later') {
    super(ERRORS.rateLimitHit, detail)
    this.retryAfterSeconds = Math.max(1, Math.ceil(ms / 1000))
  }
}

// The login is bounded (255) before it gets here; the brand keeps two brands' logins apart.
function loginKey(accountId: string, login: string): string {
  return `${accountId}:${login.toLowerCase()}`
}
