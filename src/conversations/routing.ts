import type { Channel } from '../shared/channel.ts'

/**
 * The routing rules of conversations, as plain functions over what the store said: where a
 * consumer's message goes, which agent a waiting conversation rings, what an actor may do in a
 * conversation's state. The clock is an argument; nothing here reads the store or the time.
 */

export const CONVERSATION_STATES = ['queued', 'ringing', 'open', 'closed'] as const
export type ConversationState = (typeof CONVERSATION_STATES)[number]

export const CONVERSATION_SOURCES = ['ivr-deflection', 'inbound'] as const
export type ConversationSource = (typeof CONVERSATION_SOURCES)[number]

export const AGENT_STATUSES = ['online', 'away', 'offline'] as const
export type AgentStatus = (typeof AGENT_STATUSES)[number]

/** LivePerson's `maxAsyncChats` default. */
export const DEFAULT_MAX_CONVERSATIONS = 5
export const DEFAULT_RING_TIMEOUT_SECONDS = 60
/** Meta accepts free-form text only this long after the consumer's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000

/** The consumer's latest invited call on this brand and channel, as routing needs it. */
export interface InvitedCall {
  id: string
  handoffId: string
  invitedAt: string
  lookbackMinutes: number
  /** The invite's `overrideSkill` when given, else the eligibility's skill. */
  skill: string
  sdes: unknown[] | null
  /** A conversation already came of this call (it is closed, or it would be the open one). */
  hadConversation: boolean
}

export interface InboundSituation {
  /** The consumer's active (not closed) conversation with the brand on this channel. */
  active: { id: string } | undefined
  call: InvitedCall | undefined
  /** The brand's default skill (Settings → Routing); empty when the brand chose none. */
  defaultSkill: string
  now: Date
}

export type Routing =
  | { action: 'append'; conversationId: string }
  | { action: 'create'; source: 'ivr-deflection'; skill: string; call: InvitedCall }
  | { action: 'create'; source: 'inbound'; skill: string }

/**
 * Where a consumer's message goes: into their active conversation on the channel; else, within
 * the lookback period of their latest invitation and if no conversation came of it yet, into a
 * new deflected conversation on the call's skill; else into a new inbound one on the default skill.
 */
export function routeInbound(situation: InboundSituation): Routing {
  if (situation.active) return { action: 'append', conversationId: situation.active.id }
  const { call } = situation
  if (call && !call.hadConversation && withinLookback(call.invitedAt, call.lookbackMinutes, situation.now)) {
    return { action: 'create', source: 'ivr-deflection', skill: call.skill, call }
  }
  return { action: 'create', source: 'inbound', skill: situation.defaultSkill }
}

/** True while less than the lookback period has passed since the invitation: the boundary itself is outside. */
export function withinLookback(invitedAt: string, lookbackMinutes: number, now: Date): boolean {
  return now.getTime() - Date.parse(invitedAt) < lookbackMinutes * 60_000
}

/** True while WhatsApp still takes free-form text: less than 24 hours since the consumer last wrote. */
export function withinWhatsAppWindow(lastConsumerMessageAt: string | null, now: Date): boolean {
  return lastConsumerMessageAt !== null && now.getTime() - Date.parse(lastConsumerMessageAt) < WHATSAPP_WINDOW_MS
}

/** Why an invitation may not be sent (spec FAQ 6), or undefined: a conversation active on any channel blocks it. */
export function activeConversationRefusal(active: ReadonlyArray<{ id: string; channel: Channel }>): string | undefined {
  const first = active[0]
  return first && `the consumer has an active conversation with the brand (${first.id} on ${first.channel})`
}

export interface AgentCandidate {
  id: string
  status: AgentStatus
  skills: readonly string[]
  load: number
  maxConversations: number
  lastAssignedAt: string | null
}

/**
 * The agents a conversation of `skill` may ring, best first: online, of the skill, with room;
 * fewest conversations first, then the longest idle (never offered one comes first). Agents who
 * let this conversation's ring run out come after every other, so the ring moves on.
 */
export function rankAgents(candidates: readonly AgentCandidate[], skill: string, passedOver: readonly string[] = []): AgentCandidate[] {
  const skipped = new Set(passedOver)
  return candidates
    .filter((a) => a.status === 'online' && a.load < a.maxConversations && a.skills.includes(skill))
    .sort(
      (a, b) =>
        Number(skipped.has(a.id)) - Number(skipped.has(b.id)) ||
        a.load - b.load ||
        idleOrder(a.lastAssignedAt, b.lastAssignedAt) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
}

function idleOrder(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  return Date.parse(a) - Date.parse(b)
}

export type ConversationAction = 'accept' | 'reply' | 'transfer' | 'close'

/** Which actions a conversation's state allows: a closed conversation takes none; only a waiting one is accepted. */
export function allowedIn(state: ConversationState, action: ConversationAction): boolean {
  switch (action) {
    case 'accept':
      return state === 'queued' || state === 'ringing'
    case 'reply':
      return state === 'open'
    case 'transfer':
    case 'close':
      return state !== 'closed'
  }
}

/** When a ring offered `now` runs out. */
export function ringExpiry(now: Date, timeoutSeconds: number): string {
  return new Date(now.getTime() + timeoutSeconds * 1000).toISOString()
}
