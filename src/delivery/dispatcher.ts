import type { FastifyBaseLogger } from 'fastify'
import { PollingWorker } from '../lib/polling-worker.ts'
import type { AdapterRegistry } from '../channels/adapter-registry.ts'
import { DeliveryError } from '../channels/channel-adapter.ts'
import type { Clock } from '../lib/clock.ts'
import type { Db } from '../store/database.ts'
import { prunePendingStatuses, recordDelivery } from './delivery.repository.ts'
import type { OutboundMessage } from '../channels/outbound-message.ts'
import type { FallbackOutcome } from './fallback.ts'
import { type OutboxEntry, claimDue, settle } from './outbox.repository.ts'
import { afterFailure, attemptsExhausted } from './policy.ts'

export interface DispatcherOptions {
  /** Rows claimed per round. */
  batchSize: number
  /** Pause between rounds when nothing was due, in ms. */
  pollIntervalMs: number
  /** How long a claim holds a row before another dispatcher may take it, in seconds. */
  leaseSeconds: number
  /** Sends tried before a message is marked failed. */
  maxAttempts: number
  /**
   * How long a status callback for a message not recorded as ours is kept, in ms. One that beat
   * our record of the send is applied within the second; the rest name messages we never sent.
   */
  pendingStatusTtlMs: number
  /** How often this dispatcher drops the pending status callbacks older than that, in ms. */
  pruneIntervalMs: number
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = { batchSize: 20, pollIntervalMs: 500, leaseSeconds: 30, maxAttempts: 8, pendingStatusTtlMs: 86_400_000, pruneIntervalMs: 3_600_000 }

/** After a permanent failure: moves the claimed message to another channel (see fallback.ts). */
export type Fallback = (claim: { id: string; attempts: number }, failed: OutboundMessage, reason: string, now: string) => Promise<FallbackOutcome>

/**
 * Delivers the outbox. Every instance runs one; they share the work through `claimDue`. A
 * process that dies mid-send leaves its rows `sending` until the lease runs out, when another
 * dispatcher (or the same one restarted) sends them: nothing written by an invite is lost.
 */
export class Dispatcher extends PollingWorker {
  #prunedAt: number | undefined

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly adapters: AdapterRegistry,
    private readonly log: FastifyBaseLogger,
    private readonly options: DispatcherOptions = DEFAULT_DISPATCHER_OPTIONS,
    private readonly fallback: Fallback = async () => 'none',
  ) {
    super({ intervalMs: options.pollIntervalMs })
  }

  /** A full batch may have left more due: another round at once. */
  protected override goOn(handled: number): boolean {
    return handled === this.options.batchSize
  }

  protected override roundFailed(error: unknown): void {
    this.log.error({ err: error }, 'delivery round failed; retrying after the poll interval')
  }

  /** Claims and delivers one batch; how many rows it handled. */
  async runOnce(): Promise<number> {
    const now = this.clock.now()
    const leaseUntil = new Date(now.getTime() + this.options.leaseSeconds * 1000).toISOString()
    const claimed = await claimDue(this.db, now.toISOString(), leaseUntil, this.options.batchSize)
    await Promise.all(claimed.map((entry) => this.#deliver(entry)))
    await this.#pruneIfDue(now)
    return claimed.length
  }

  /** Now and then, drops the status callbacks kept for messages never recorded as ours, so they cannot pile up. */
  async #pruneIfDue(now: Date): Promise<void> {
    if (this.#prunedAt !== undefined && now.getTime() - this.#prunedAt < this.options.pruneIntervalMs) return
    this.#prunedAt = now.getTime()
    try {
      const pruned = await prunePendingStatuses(this.db, new Date(now.getTime() - this.options.pendingStatusTtlMs).toISOString())
      if (pruned > 0) this.log.info({ pruned }, 'status callbacks for messages never recorded as ours pruned')
    } catch (error) {
      this.log.warn({ err: error }, 'pruning pending status callbacks failed; trying again at the next interval')
    }
  }

  async #deliver(entry: OutboxEntry): Promise<void> {
    const claim = { id: entry.id, attempts: entry.attempts }
    const log = this.log.child({ outboxId: entry.id, callId: entry.callId, channel: entry.channel, attempt: entry.attempts })
    // A row reclaimed after its lease ran out counts the lost attempt too: a message whose send
    // kills the process every time must end, not be retried forever.
    if (attemptsExhausted(entry.attempts, this.options.maxAttempts)) {
      await settle(this.db, claim, { status: 'failed', error: 'attempts-exhausted: no send completed within the allowed attempts' }, this.clock.now().toISOString())
      log.error('message failed: attempts exhausted')
      return
    }
    try {
      const adapter = await this.adapters.adapterFor(entry.accountId, entry.channel, entry.message.via)
      const result = await adapter.send(entry.message)
      const at = this.clock.now().toISOString()
      await this.db.transaction().execute(async (trx) => {
        await settle(trx, claim, { status: 'sent', providerMessageId: result.providerMessageId }, at)
        // Tracked by the provider's id, so status callbacks find it.
        await recordDelivery(trx, {
          id: `${entry.id}:${adapter.provider}`,
          outboxId: entry.id,
          accountId: entry.accountId,
          callId: entry.callId,
          channel: entry.channel,
          provider: adapter.provider,
          providerMessageId: result.providerMessageId,
          status: result.status,
          createdAt: at,
        })
      })
      log.info({ provider: adapter.provider, providerMessageId: result.providerMessageId }, 'message sent')
    } catch (error) {
      await this.#failed(entry, claim, error, log)
    }
  }

  async #failed(entry: OutboxEntry, claim: { id: string; attempts: number }, error: unknown, log: FastifyBaseLogger): Promise<void> {
    const failure = error instanceof DeliveryError ? error : new DeliveryError('transient', 'internal', error instanceof Error ? error.message : String(error))
    const now = this.clock.now()
    const reason = `${entry.channel} ${failure.code}: ${failure.message}`
    let next = afterFailure({ kind: failure.kind, attempts: entry.attempts, maxAttempts: this.options.maxAttempts, canFallBack: entry.kind === 'invitation', ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}) })
    if (next.action === 'fallback') {
      let outcome: FallbackOutcome
      try {
        outcome = await this.fallback(claim, entry.message, reason, now.toISOString())
      } catch (fallbackError) {
        // The store failed mid-fallback (nothing changed: it is one transaction): retried like a transient failure.
        log.warn({ err: fallbackError, code: failure.code }, 'permanent failure; the fallback to the next channel failed and will be retried')
        next = afterFailure({ kind: 'transient', attempts: entry.attempts, maxAttempts: this.options.maxAttempts, canFallBack: false })
        outcome = 'none'
      }
      if (outcome === 'claim-lost') return
      if (outcome === 'rerouted') {
        log.warn({ code: failure.code, reason }, 'permanent failure; falling back to the next channel')
        this.kick()
        return
      }
      if (next.action === 'fallback') next = { action: 'fail' }
    }
    if (next.action === 'fail') {
      await settle(this.db, claim, { status: 'failed', error: reason }, now.toISOString())
      log.error({ code: failure.code, reason, permanent: failure.kind === 'permanent' }, 'message failed')
      return
    }
    await settle(this.db, claim, { status: 'pending', error: reason, availableAt: new Date(now.getTime() + next.delayMs).toISOString() }, now.toISOString())
    log.warn({ code: failure.code, reason, retryInMs: next.delayMs }, 'send failed; will retry')
  }
}
