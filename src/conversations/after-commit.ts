import { type ConversationContext, offerWaiting } from './conversation.service.ts'

/**
 * What follows a committed change of a brand's conversations: the brand's waiting conversations
 * are offered (capacity may have freed, an agent come online, a conversation arrived) and the
 * live streams woken. A failure here loses nothing — the change is committed and the router's
 * sweep offers again — so it is logged, never thrown at the caller whose change succeeded.
 */
export async function conversationChanged(ctx: ConversationContext, accountId: string): Promise<void> {
  try {
    await offerWaiting(ctx, accountId)
  } catch (error) {
    ctx.logger.warn({ err: error, accountId }, 'offering waiting conversations failed; the router retries')
  }
  wakeStreams(ctx, accountId)
}

/** After a commit that wrote live events and desk webhooks: the brand's streams woken, the webhook dispatcher kicked. */
export function wakeStreams(ctx: ConversationContext, accountId: string): void {
  ctx.live.notify(accountId)
  ctx.webhooks.kick()
}
