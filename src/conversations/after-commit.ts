import { type ConversationContext, offerWaiting } from './conversation.service.ts'

/**
 * What follows a committed change of a brand's conversations: the brand's waiting conversations
 * are offered (capacity may have freed, an agent come online, a conversation arrived) and the
 * live streams woken. A failure here loses nothing — the change is committed and the router's
 * sweep offers again — so it is logged, never thrown at the caller whose change succeeded.
 */
export async function conversationChanged(ctx: ConversationContext, accountId: string): Promise<void> {
  try {
    // Another round for the brand is under way (here or on another instance), and may have read the
    // waiting list before this change committed: one more round once it is done.
    if ((await offerWaiting(ctx, accountId)) === 'busy') setTimeout(() => void offerAgain(ctx, accountId), BUSY_RETRY_MS).unref()
  } catch (error) {
    ctx.logger.warn({ err: error, accountId }, 'offering waiting conversations failed; the router retries')
  }
  wakeStreams(ctx, accountId)
}

const BUSY_RETRY_MS = 50

async function offerAgain(ctx: ConversationContext, accountId: string): Promise<void> {
  try {
    // Still busy: the router's next sweep offers whatever is left.
    if ((await offerWaiting(ctx, accountId)) !== 'busy') wakeStreams(ctx, accountId)
  } catch (error) {
    ctx.logger.warn({ err: error, accountId }, 'offering waiting conversations failed; the router retries')
  }
}

/** After a commit that wrote live events and desk webhooks: the brand's streams woken, the webhook dispatcher kicked. */
export function wakeStreams(ctx: ConversationContext, accountId: string): void {
  ctx.live.notify(accountId)
  ctx.webhooks.kick()
}
