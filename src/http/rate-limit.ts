import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'

export interface RateLimitVerdict {
  allowed: boolean
  limit: number
  remaining: number
  /** Seconds until the window resets (at least 1 when refused). */
  resetSeconds: number
  windowSeconds: number
}

/**
 * The C2M API's budget: `points` requests per brand per endpoint per window. With Redis every
 * instance draws on one budget; when Redis cannot answer, each instance falls back to its own
 * in-memory budget of the same size (so the effective limit is multiplied by the number of
 * instances until Redis returns) rather than refusing callers who are waiting on the phone.
 */
export class RateLimit {
  readonly #limiter: RateLimiterAbstract

  constructor(
    readonly points: number,
    readonly windowSeconds: number,
    redis: Redis | undefined,
    logger: Logger,
  ) {
    const memory = { points, duration: windowSeconds, keyPrefix: 'c2m-rl' }
    this.#limiter = redis
      ? new RateLimiterRedis({
          storeClient: redis,
          points,
          duration: windowSeconds,
          keyPrefix: 'c2m:rl',
          rejectIfRedisNotReady: true,
          insuranceLimiter: new InsuranceLimiter(memory, logger),
        })
      : new RateLimiterMemory(memory)
  }

  async consume(accountId: string, endpoint: string): Promise<RateLimitVerdict> {
    const key = `${accountId}:${endpoint}`
    try {
      const res = await this.#limiter.consume(key, 1)
      return this.#verdict(true, res)
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return this.#verdict(false, rejection)
      throw rejection
    }
  }

  #verdict(allowed: boolean, res: RateLimiterRes): RateLimitVerdict {
    const resetSeconds = Math.max(allowed ? 0 : 1, Math.ceil(res.msBeforeNext / 1000))
    return { allowed, limit: this.points, remaining: Math.max(0, res.remainingPoints), resetSeconds, windowSeconds: this.windowSeconds }
  }
}

/** The in-memory limiter that stands in while Redis is unreachable, saying so once per outage burst. */
class InsuranceLimiter extends RateLimiterMemory {
  #lastWarning = 0
  constructor(
    options: { points: number; duration: number; keyPrefix: string },
    private readonly logger: Logger,
  ) {
    super(options)
  }

  override consume(key: string | number, points?: number, options?: { [key: string]: any }): Promise<RateLimiterRes> {
    const now = Date.now()
    if (now - this.#lastWarning > 10_000) {
      this.#lastWarning = now
      this.logger.warn('redis unavailable: rate limits are counted per instance')
    }
    return super.consume(key, points, options)
  }
}
