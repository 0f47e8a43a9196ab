import { accountsWithWaitingConversations } from './conversation.repository.ts'
import { type ConversationContext, expireRings, offerWaiting } from './conversation.service.ts'
import { wakeStreams } from './after-commit.ts'
import { PollingWorker } from '../lib/polling-worker.ts'

/**
 * Keeps conversations moving when nobody acts: rings that ran out go back to their queue and on
 * to the next agent, and waiting conversations are offered again (an instance that died after a
 * commit, before offering, loses nothing). Every instance runs one; the store's guards make
 * their offers safe together.
 */
export class ConversationRouter extends PollingWorker {
  constructor(
    private readonly ctx: ConversationContext,
    intervalMs: number,
  ) {
    super({ intervalMs })
  }

  protected override roundFailed(error: unknown): void {
    this.ctx.logger.warn({ err: error }, 'conversation sweep failed; trying again')
  }

  /** One sweep: expired rings back to their queues, then every brand's waiting conversations offered. Answers how many were offered. */
  async runOnce(): Promise<number> {
    const changed = new Set(await expireRings(this.ctx))
    let offered = 0
    for (const accountId of await accountsWithWaitingConversations(this.ctx.db, 500)) {
      const n = await offerWaiting(this.ctx, accountId)
      if (n === 'busy' || n === 0) continue
      offered += n
      changed.add(accountId)
    }
    for (const accountId of changed) wakeStreams(this.ctx, accountId)
    return offered
  }
}
