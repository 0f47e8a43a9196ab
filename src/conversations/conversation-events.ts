import type { Channel } from '../shared/channel.ts'
import type { DbOrTrx } from '../store/database.ts'
import type { ConversationSource, ConversationState } from './routing.ts'
import type { IdGenerator } from '../lib/ids.ts'
import { appendLiveEvent } from '../live/live-event.repository.ts'
import { enqueueWebhookEvent } from '../webhooks/webhook-events.ts'
import type { Conversation, TranscriptEntry } from './conversation.repository.ts'

/**
 * What the rest of the system hears of a conversation's changes, written in the transaction of
 * the change: live events for the agents' streams (who may see what: the agent holding it, the
 * agents of its skill while it waits; managers see everything) and, for the brand's own desk,
 * webhook events. After the commit the caller wakes the streams and the webhook dispatcher.
 */

export interface ConversationSummary {
  id: string
  state: ConversationState
  skill: string
  source: ConversationSource
  channel: Channel
  callId: string | null
  handoffId: string | null
  agentId: string | null
  ringExpiresAt: string | null
  queuedAt: string
  updatedAt: string
}

export function summaryOf(c: Conversation): ConversationSummary {
  return {
    id: c.id,
    state: c.state,
    skill: c.skill,
    source: c.source,
    channel: c.channel,
    callId: c.callId,
    handoffId: c.handoffId,
    agentId: c.agentId,
    ringExpiresAt: c.ringExpiresAt,
    queuedAt: c.queuedAt,
    updatedAt: c.updatedAt,
  }
}

/** A conversation's new state, for whoever must redraw it; `previousAgentId` hears that it left them. */
export async function stateChanged(db: DbOrTrx, c: Conversation, at: string, previousAgentId?: string | null): Promise<void> {
  const data = summaryOf(c)
  if (c.agentId) await appendLiveEvent(db, { accountId: c.accountId, userId: c.agentId, type: 'conversation', data, at })
  if (c.state === 'queued') await appendLiveEvent(db, { accountId: c.accountId, skill: c.skill, type: 'conversation', data, at })
  if (previousAgentId && previousAgentId !== c.agentId) await appendLiveEvent(db, { accountId: c.accountId, userId: previousAgentId, type: 'conversation', data, at })
}

export async function rang(db: DbOrTrx, c: Conversation, at: string): Promise<void> {
  if (!c.agentId) return
  await appendLiveEvent(db, { accountId: c.accountId, userId: c.agentId, type: 'ring', data: { conversationId: c.id, skill: c.skill, expiresAt: c.ringExpiresAt, conversation: summaryOf(c) }, at })
}

export async function messageAdded(db: DbOrTrx, ids: IdGenerator, c: Conversation, message: TranscriptEntry, at: string): Promise<void> {
  const data = { conversationId: c.id, message }
  await enqueueWebhookEvent(db, { ids }, { accountId: c.accountId, type: 'message.created', orderingKey: c.id, data, at })
  if (c.agentId) await appendLiveEvent(db, { accountId: c.accountId, userId: c.agentId, type: 'message', data, at })
  else await appendLiveEvent(db, { accountId: c.accountId, skill: c.skill, type: 'message', data, at })
}

/**
 * The conversation as the brand's own desk receives it: its summary with who the consumer is (the
 * desk is the brand's: it gets the consumer's number or consumerId unmasked) and the call's SDEs.
 */
export function deskViewOf(c: Conversation) {
  return { ...summaryOf(c), consumer: c.consumer, brandAddress: c.brandAddress, sdes: c.sdes, closedAt: c.closedAt, closedBy: c.closedBy }
}

/** For the brand's desk: a conversation began, was transferred or closed (ordered per conversation). */
export async function deskEvent(
  db: DbOrTrx,
  ids: IdGenerator,
  type: 'conversation.created' | 'conversation.transferred' | 'conversation.closed',
  c: Conversation,
  at: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await enqueueWebhookEvent(db, { ids }, { accountId: c.accountId, type, orderingKey: c.id, data: { conversation: deskViewOf(c), ...extra }, at })
}

export async function queueChanged(db: DbOrTrx, accountId: string, skill: string, size: number, at: string): Promise<void> {
  await appendLiveEvent(db, { accountId, skill, type: 'queue', data: { skill, size }, at })
}
