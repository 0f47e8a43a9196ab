import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.ts'
import type { Db } from '../store/database.ts'
import { Horizon } from './horizon.ts'
import { type LiveEvent, liveEventsAfter, liveLogBounds, pruneLiveEvents } from './live-event.repository.ts'

export interface LiveHubOptions {
  /** How often the hub reads the log unasked, in ms: what another instance's event waits at most without Redis. */
  pollMs: number
  /** How long a missing seq holds the streams back before it is taken for a rolled-back one, in ms (see `Horizon`). */
  gapGraceMs: number
  /** How long events are kept for reconnecting clients, in ms. */
  retentionMs: number
  /** How often old events are pruned, in ms. */
  pruneIntervalMs: number
}

export const DEFAULT_LIVE_HUB_OPTIONS: LiveHubOptions = { pollMs: 1_000, gapGraceMs: 3_000, retentionMs: 24 * 3_600_000, pruneIntervalMs: 3_600_000 }

/** Receives each event of a brand once it is safe to send (see `Horizon`), in seq order. */
export type LiveListener = (event: LiveEvent) => void

/** The Redis channel instances wake each other on; the message is the brand's account id. */
const CHANNEL = 'c2m:live'
/** Events read from the log at a time. */
const PAGE = 500
/**
 * At start, how far below the log's end the hub starts reading: a transaction that took its seq
 * before this instance started may still commit, and must not be skipped.
 */
const STARTUP_LOOKBACK = 1_000
/** Deleted per statement when pruning, so pruning a large backlog never holds a long lock. */
const PRUNE_BATCH = 5_000
/** A warning about the same trouble (Redis, the store) is logged at most this often, in ms. */
const WARN_EVERY_MS = 10_000

/**
 * The live event bus of one instance. Changes append their events to the log in their own
 * transaction and call `notify` after the commit; the hub then reads the log past its horizon
 * (one query for all the instance's streams) and hands each event to the listeners of its brand.
 * With Redis, `notify` also wakes every other instance (pub/sub on a connection of its own);
 * without it, or while Redis is away, other instances find the events by polling the log every
 * `pollMs`. The log is the truth either way: a lost wake-up only delays an event, never drops it.
 */
export class LiveHub {
  readonly #listeners = new Map<string, Set<LiveListener>>()
  #horizon: Horizon
  #reading: Promise<void> | undefined
  #readAgain = false
  #subscriber: Redis | undefined
  #pollTimer: NodeJS.Timeout | undefined
  #gapTimer: NodeJS.Timeout | undefined
  #pruneTimer: NodeJS.Timeout | undefined
  #pruning: Promise<unknown> | undefined
  #started = false
  #closed = false
  readonly #warnedAt = new Map<string, number>()

  constructor(
    private readonly db: Db,
    private readonly redis: Redis | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: LiveHubOptions = DEFAULT_LIVE_HUB_OPTIONS,
  ) {
    this.#horizon = new Horizon(0, options.gapGraceMs)
  }

  /** Every event up to this seq has been handed to the listeners (or was given up on as rolled back). */
  get horizon(): number {
    return this.#horizon.value
  }

  /** Finds the log's end, starts polling and pruning and, with Redis, listens to the other instances. */
  async start(): Promise<void> {
    if (this.#started || this.#closed) return
    this.#started = true
    const { first, last } = await liveLogBounds(this.db)
    const start = last === null ? 0 : Math.max(last - STARTUP_LOOKBACK, (first ?? 1) - 1, 0)
    this.#horizon = new Horizon(start, this.options.gapGraceMs)
    if (this.redis) await this.#listenToOtherInstances(this.redis)
    this.#pollTimer = setInterval(() => this.#read(), this.options.pollMs).unref()
    this.#pruneTimer = setInterval(() => void this.prune(), this.options.pruneIntervalMs).unref()
    this.#read()
    await this.#reading
    void this.prune()
  }

  /** After a commit that appended events of `accountId`: wakes the streams here and, with Redis, on every instance. */
  notify(accountId: string): void {
    if (this.#closed) return
    this.#read()
    if (!this.redis) return
    this.redis.publish(CHANNEL, accountId).catch((error: unknown) => this.#warn('publish', error, 'redis unavailable: live events reach other instances by polling the log'))
  }

  /** Listens to the events of one brand; answers the function that stops listening. */
  subscribe(accountId: string, listener: LiveListener): () => void {
    let listeners = this.#listeners.get(accountId)
    if (!listeners) this.#listeners.set(accountId, (listeners = new Set()))
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0 && this.#listeners.get(accountId) === listeners) this.#listeners.delete(accountId)
    }
  }

  /** Deletes the events older than the retention period, in batches; answers how many. */
  async prune(): Promise<number> {
    if (this.#pruning) return 0
    const cutoff = new Date(this.clock.now().getTime() - this.options.retentionMs).toISOString()
    let pruned = 0
    const run = (async () => {
      for (let batch = PRUNE_BATCH; batch === PRUNE_BATCH && !this.#closed; ) {
        batch = await pruneLiveEvents(this.db, cutoff, PRUNE_BATCH)
        pruned += batch
      }
      if (pruned > 0) this.logger.info({ pruned }, 'live events past their retention pruned')
    })().catch((error: unknown) => this.#warn('prune', error, 'pruning live events failed; trying again at the next interval'))
    this.#pruning = run
    await run.finally(() => (this.#pruning = undefined))
    return pruned
  }

  /** Stops reading, polling and listening to Redis; waits for the read in progress. */
  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#pollTimer)
    clearInterval(this.#pruneTimer)
    clearTimeout(this.#gapTimer)
    await Promise.all([this.#reading, this.#pruning])
    if (this.#subscriber) {
      const subscriber = this.#subscriber
      this.#subscriber = undefined
      // A connection still trying to reach Redis has nothing to say goodbye over.
      if (subscriber.status === 'ready') await subscriber.quit().catch(() => subscriber.disconnect())
      else subscriber.disconnect()
    }
    this.#listeners.clear()
  }

  /** A read of the log past the horizon, now or right after the one in progress (reads never overlap). */
  #read(): void {
    if (!this.#started || this.#closed) return
    if (this.#reading) {
      this.#readAgain = true
      return
    }
    this.#reading = this.#readLoop().finally(() => {
      this.#reading = undefined
      if (this.#readAgain) {
        this.#readAgain = false
        this.#read()
      }
    })
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const events = await liveEventsAfter(this.db, this.#horizon.value, PAGE)
        if (this.#closed) return
        // The horizon moves and the events go out in one turn of the event loop: a stream that
        // subscribes and reads the horizon in one turn gets every later event from its listener.
        const { passed, retryAt } = this.#horizon.advance(events.map((event) => event.seq), performance.now())
        for (const event of events.slice(0, passed)) this.#emit(event)
        clearTimeout(this.#gapTimer)
        if (retryAt !== undefined) this.#gapTimer = setTimeout(() => this.#read(), Math.max(0, retryAt - performance.now()) + 1).unref()
        if (passed < PAGE) return
      }
    } catch (error) {
      this.#warn('read', error, 'reading the live event log failed; trying again at the next poll')
    }
  }

  #emit(event: LiveEvent): void {
    const listeners = this.#listeners.get(event.accountId)
    if (!listeners) return
    for (const listener of [...listeners]) {
      try {
        listener(event)
      } catch (error) {
        this.logger.error({ err: error }, 'a live event listener failed')
      }
    }
  }

  /**
   * Subscribes a connection of its own (a subscribed Redis connection can do nothing else). If
   * Redis cannot be reached now, ioredis keeps trying, and the channel is subscribed once it
   * answers (and resubscribed by ioredis after each reconnection); meanwhile, polling.
   */
  async #listenToOtherInstances(redis: Redis): Promise<void> {
    const subscriber = redis.duplicate()
    this.#subscriber = subscriber
    let subscribing: Promise<void> | undefined
    const subscribe = () =>
      (subscribing ??= subscriber.subscribe(CHANNEL).then(
        () => undefined,
        (error: unknown) => {
          subscribing = undefined
          this.#warn('subscribe', error, 'redis unavailable: live events reach this instance by polling the log')
        },
      ))
    subscriber.on('message', () => this.#read())
    subscriber.on('error', (error: unknown) => this.#warn('subscribe', error, 'redis unavailable: live events reach this instance by polling the log'))
    subscriber.on('ready', () => {
      if (this.#warnedAt.delete('subscribe')) this.logger.info('redis is back: live events reach this instance as they happen')
      if (this.#subscriber === subscriber) void subscribe()
    })
    if (subscriber.status === 'wait') {
      // Failing here leaves ioredis retrying in the background; 'ready' subscribes when it connects.
      await subscriber.connect().catch((error: unknown) => this.#warn('subscribe', error, 'redis unavailable: live events reach this instance by polling the log'))
    }
    if (subscriber.status === 'ready') await subscribe()
  }

  #warn(trouble: string, error: unknown, message: string): void {
    const now = Date.now()
    const last = this.#warnedAt.get(trouble)
    if (last !== undefined && now - last < WARN_EVERY_MS) return
    this.#warnedAt.set(trouble, now)
    this.logger.warn({ err: error }, message)
  }
}
