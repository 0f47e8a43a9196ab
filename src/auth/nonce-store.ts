import type { Redis } from 'ioredis'

/** Remembers OAuth nonces so a signed request cannot be replayed. */
export interface NonceStore {
  /** true when the nonce was not seen before and is now remembered */
  remember(key: string, ttlSeconds: number): Promise<boolean>
}

/** A single process's nonces: right for one instance, tests and the embedded demo. */
export class MemoryNonceStore implements NonceStore {
  readonly #expiresAtMs = new Map<string, number>()
  readonly #now: () => number

  /** @param now - clock in milliseconds, injectable so tests need not wait for expiry */
  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  async remember(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.#now()
    this.#pruneOldest(now)
    const expiresAt = this.#expiresAtMs.get(key)
    if (expiresAt !== undefined && expiresAt > now) return false
    // Deleting first moves a re-remembered key to the end, keeping the Map in insertion order of live entries.
    this.#expiresAtMs.delete(key)
    this.#expiresAtMs.set(key, now + ttlSeconds * 1000)
    return true
  }

  /**
   * Drops expired entries from the oldest end only, so each call costs amortised O(1). With the
   * constant TTL the verifier uses, insertion order is expiry order and nothing expired survives;
   * with mixed TTLs memory stays bounded by the entries added during the longest TTL.
   */
  #pruneOldest(now: number): void {
    for (const [key, expiresAt] of this.#expiresAtMs) {
      if (expiresAt > now) return
      this.#expiresAtMs.delete(key)
    }
  }
}

/** Nonces shared by every instance behind the load balancer, so a replay to another instance is caught too. */
export class RedisNonceStore implements NonceStore {
  readonly #client: Redis
  readonly #prefix: string

  constructor(client: Redis, prefix = 'c2m:nonce:') {
    this.#client = client
    this.#prefix = prefix
  }

  async remember(key: string, ttlSeconds: number): Promise<boolean> {
    // EX only takes whole positive seconds; rounding up never shortens the replay protection asked for.
    const ttl = Math.max(1, Math.ceil(ttlSeconds))
    // SET NX is a single atomic check-and-set, so two instances racing on the same nonce cannot both win.
    const result = await this.#client.set(this.#prefix + key, '1', 'EX', ttl, 'NX')
    return result === 'OK'
  }
}

/**
 * Redis first; when Redis cannot answer, this instance's memory, so an outage degrades replay
 * protection to per-instance instead of refusing every signed request. The fallback is reported.
 */
export class FallbackNonceStore implements NonceStore {
  constructor(
    private readonly primary: NonceStore,
    private readonly fallback: NonceStore,
    private readonly onFallback: (error: unknown) => void,
  ) {}

  async remember(key: string, ttlSeconds: number): Promise<boolean> {
    try {
      return await this.primary.remember(key, ttlSeconds)
    } catch (error) {
      this.onFallback(error)
      return this.fallback.remember(key, ttlSeconds)
    }
  }
}
