import type { FastifyBaseLogger } from 'fastify'
import { PollingWorker } from '../lib/polling-worker.ts'
import type { Clock } from '../lib/clock.ts'
import type { SecretBox } from '../lib/secret-box.ts'
import { type Db, inTransaction } from '../store/database.ts'
import { afterAttempt } from './retry.ts'
import { webhookHeaders } from './signature.ts'
import { postWebhook } from './webhook-http.ts'
import { agentFor, webhookUrlRefusal } from './webhook-url.ts'
import { type WebhookDelivery, type WebhookEndpoint, claimDueDeliveries, disableEndpoint, endpointsByIds, settleDelivery } from './webhook.repository.ts'

export interface WebhookDispatcherOptions {
  /** Deliveries claimed per round. */
  batchSize: number
  /** Pause between rounds when nothing was due, in ms. */
  pollIntervalMs: number
  /** How long a claim holds a delivery before another dispatcher may take it, in seconds. */
  leaseSeconds: number
  /** Attempts before a delivery is marked failed and the next of its key goes. */
  maxAttempts: number
  /** How long one attempt may take, in ms: well inside the lease, so no two dispatchers send the same delivery at once. */
  timeoutMs: number
  /** Hosts the operator trusts as they are (WEBHOOK_URL_ALLOWLIST). */
  trustedHosts: readonly string[]
}

export const DEFAULT_WEBHOOK_DISPATCHER_OPTIONS: WebhookDispatcherOptions = { batchSize: 20, pollIntervalMs: 500, leaseSeconds: 30, maxAttempts: 10, timeoutMs: 10_000, trustedHosts: [] }

/**
 * Delivers the brands' outbound webhooks (the desk connector; reporting subscribers), at least
 * once: every instance runs one, and they share the work through `claimDueDeliveries`, as the
 * outbox's dispatchers do. A process that dies mid-send leaves its deliveries `sending` until the
 * lease runs out; then another sends them again, with the same `webhook-id`, so the receiver can
 * tell the repeat.
 */
export class WebhookDispatcher extends PollingWorker {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly log: FastifyBaseLogger,
    private readonly options: WebhookDispatcherOptions = DEFAULT_WEBHOOK_DISPATCHER_OPTIONS,
  ) {
    super({ intervalMs: options.pollIntervalMs })
  }

  /** A delivery settled may let the next of its key go: rounds go on while any was handled. */
  protected override goOn(handled: number): boolean {
    return handled > 0
  }

  protected override roundFailed(error: unknown): void {
    this.log.error({ err: error }, 'webhook round failed; retrying after the poll interval')
  }

  /** Claims and attempts one batch; how many deliveries it handled. */
  async runOnce(): Promise<number> {
    const now = this.clock.now()
    const leaseUntil = new Date(now.getTime() + this.options.leaseSeconds * 1000).toISOString()
    const claimed = await claimDueDeliveries(this.db, now.toISOString(), leaseUntil, this.options.batchSize)
    const endpoints = await endpointsByIds(this.db, claimed.map((delivery) => delivery.endpointId))
    await Promise.all(claimed.map((delivery) => this.#attempt(delivery, endpoints.get(delivery.endpointId))))
    return claimed.length
  }

  async #attempt(delivery: WebhookDelivery, endpoint: WebhookEndpoint | undefined): Promise<void> {
    const claim = { id: delivery.id, attempts: delivery.attempts }
    const log = this.log.child({ webhookId: delivery.id, endpointId: delivery.endpointId, accountId: delivery.accountId, type: delivery.type, attempt: delivery.attempts })
    // Removed while claimed: its deliveries went with it.
    if (!endpoint) return
    // A delivery reclaimed after its lease ran out counts the lost attempt too: one whose send
    // kills the process every time must end, and let the next of its key go.
    if (delivery.attempts > this.options.maxAttempts) {
      await settleDelivery(this.db, claim, { status: 'failed', error: 'attempts-exhausted: no attempt completed within the allowed attempts' }, this.clock.now().toISOString())
      log.error('webhook failed: attempts exhausted')
      return
    }
    const { status, retryAfter, error } = await this.#send(delivery, endpoint)
    const now = this.clock.now()
    const next = afterAttempt({ status, retryAfter, attempts: delivery.attempts, maxAttempts: this.options.maxAttempts, now: now.getTime() })
    switch (next.action) {
      case 'sent':
        await settleDelivery(this.db, claim, { status: 'sent' }, now.toISOString())
        log.info({ status }, 'webhook delivered')
        return
      case 'disable':
        await inTransaction(this.db, async (trx) => {
          if (await settleDelivery(trx, claim, { status: 'failed', error }, now.toISOString())) {
            await disableEndpoint(trx, endpoint.id, `endpoint disabled: it answered 410 Gone to ${delivery.id}`, now.toISOString())
          }
        })
        log.warn('webhook endpoint answered 410 Gone: disabled until it is configured again')
        return
      case 'fail':
        await settleDelivery(this.db, claim, { status: 'failed', error }, now.toISOString())
        log.error({ reason: error }, 'webhook failed: attempts spent; the next of its key goes')
        return
      case 'retry':
        await settleDelivery(this.db, claim, { status: 'pending', error, availableAt: new Date(now.getTime() + next.delayMs).toISOString() }, now.toISOString())
        log.warn({ reason: error, retryInMs: next.delayMs }, 'webhook not delivered; will retry')
    }
  }

  /** One signed POST, timestamped and signed anew; what came back, and how to name it if it was not a 2xx. */
  async #send(delivery: WebhookDelivery, endpoint: WebhookEndpoint): Promise<{ status?: number; retryAfter: string | null; error: string }> {
    const url = new URL(endpoint.url)
    const refusal = webhookUrlRefusal(url, this.options.trustedHosts)
    if (refusal) return { retryAfter: null, error: `not sent: ${endpoint.url} ${refusal}` }
    let secret: string
    try {
      secret = this.secrets.open(endpoint.sealedSecret)
    } catch (failure) {
      return { retryAfter: null, error: `not sent: ${failure instanceof Error ? failure.message : String(failure)}` }
    }
    try {
      const headers = webhookHeaders(secret, delivery.id, this.clock.now(), delivery.payload)
      const answer = await postWebhook(url, headers, delivery.payload, agentFor(url, this.options.trustedHosts), this.options.timeoutMs)
      const redirect = answer.status >= 300 && answer.status <= 399
      return {
        status: answer.status,
        retryAfter: answer.retryAfter,
        error: redirect ? `HTTP ${answer.status}: redirects are not followed${answer.location ? ` (to ${answer.location.slice(0, 200)})` : ''}` : `HTTP ${answer.status}`,
      }
    } catch (failure) {
      return { retryAfter: null, error: `no answer: ${failure instanceof Error ? failure.message : String(failure)}` }
    }
  }
}
