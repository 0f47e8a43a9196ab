import type { Transaction } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { OutboundMessage } from '../channels/outbound-message.ts'
import { recordOptIn, recordOptOut } from '../contacts/opt-out.repository.ts'
import { enqueue } from '../delivery/outbox.repository.ts'
import { type Channel, NUMBER_CHANNELS, type NumberChannel } from '../shared/channel.ts'
import { withoutNul } from '../lib/text.ts'
import { type ConsumerMessage, recordInbound } from './inbound.repository.ts'
import { type KeywordRequest, classifyKeyword, keywordAnswer } from './keywords.ts'
import { type ConversationContext, attachConsumerMessage } from '../conversations/conversation.service.ts'
import { conversationChanged } from '../conversations/after-commit.ts'

export interface ReceiveOptions {
  /**
   * The entry point answers the consumer in its own response (Twilio's TwiML), so the answer to a
   * keyword is returned; otherwise it is sent through the outbox, committed with the message.
   */
  answersInline: boolean
  /** What HELP answers on this brand number. */
  helpText: string
  /** What the entry point records with the message, in its transaction (the simulator's own entry). */
  recordAlso?: (trx: Transaction<Database>, inboundId: string, at: string) => Promise<void>
}

export type Received =
  | { duplicate: true }
  | { duplicate: false; id: string; keyword: KeywordRequest['kind'] | undefined; answer: string | undefined; conversationId: string | undefined }

/**
 * The one way a consumer's message comes in, whatever carried it: recorded once (a webhook
 * delivered twice is recognised by the carrier's message id), consent keywords applied on the
 * number channels (STOP opts the consumer out of that channel and brand number, START back in,
 * HELP answers), one answer per keyword, then handed on to where conversations attach. The
 * message, the consent change and the queued answer commit together.
 */
export async function receiveMessage(ctx: ConversationContext, message: ConsumerMessage, options: ReceiveOptions): Promise<Received> {
  const now = ctx.clock.now()
  const at = now.toISOString()
  const id = ctx.ids.uuid()
  const received = await ctx.db.transaction().execute(async (trx): Promise<Received> => {
    const recorded = await recordInbound(trx, { ...message, id, text: withoutNul(message.text), receivedAt: at })
    if (!recorded) return { duplicate: true }
    await options.recordAlso?.(trx, id, at)
    const keyword = isNumberChannel(message.channel) ? classifyKeyword(message.text) : null
    // Into the consumer's conversation, in this transaction: a recorded message always reaches one.
    const attached = await attachConsumerMessage(trx, ctx.ids, { ...message, text: withoutNul(message.text) }, { id, at, keyword: keyword !== null }, now)
    const conversationId = attached?.conversationId
    if (!keyword || !isNumberChannel(message.channel)) return { duplicate: false, id, keyword: undefined, answer: undefined, conversationId }
    // Consent is per channel and brand number: the consumer wrote to `to`.
    const change = { consumerPhone: message.from, channel: message.channel, fromNumber: message.to, at, keyword: keyword.keyword }
    if (keyword.kind === 'opt-out') await recordOptOut(trx, message.accountId, change, ctx.ids.uuid())
    if (keyword.kind === 'opt-in') await recordOptIn(trx, message.accountId, change, ctx.ids.uuid())
    const answer = keywordAnswer(keyword.kind, options.helpText)
    if (!options.answersInline) await enqueue(trx, confirmation(ctx.ids.uuid(), message, answer), at)
    return { duplicate: false, id, keyword: keyword.kind, answer: options.answersInline ? answer : undefined, conversationId }
  })
  const log = { accountId: message.accountId, channel: message.channel, provider: message.provider, providerMessageId: message.providerMessageId }
  if (received.duplicate) {
    ctx.logger.info(log, 'consumer message already received; repeat ignored')
    return received
  }
  if (received.keyword && !options.answersInline) ctx.dispatcher.kick()
  ctx.logger.info({ ...log, inboundId: received.id, keyword: received.keyword, conversationId: received.conversationId }, 'consumer message received')
  if (received.conversationId) await conversationChanged(ctx, message.accountId)
  return received
}

function isNumberChannel(channel: Channel): channel is NumberChannel {
  return (NUMBER_CHANNELS as readonly Channel[]).includes(channel)
}

/** The answer to a keyword, back to the consumer from the number they wrote to. */
function confirmation(id: string, to: ConsumerMessage, text: string): OutboundMessage {
  return {
    id,
    accountId: to.accountId,
    kind: 'confirmation',
    callId: null,
    channel: to.channel,
    to: to.from,
    from: to.to,
    text,
    skill: '',
    lookbackMinutes: 0,
    // Back the way the consumer wrote: a real consumer's STOP is confirmed by the provider even
    // while the brand has switched the channel to the sandbox, and a simulated one in the simulator.
    via: to.provider === 'sandbox' ? 'sandbox' : 'live',
  }
}
