import type { Channel, ChannelMode } from '../shared/channel.ts'

/**
 * `invitation`: the first message of an IVR call; `confirmation`: the answer to a consumer's
 * keyword (STOP, START, HELP); `reply`: an agent's message in a conversation.
 */
export type MessageKind = 'invitation' | 'confirmation' | 'reply'

/** A message ready for a channel adapter: rendered once at invite time, stored in the outbox. */
export interface OutboundMessage {
  /** The outbox row's id: adapters use it to make a retried send land once. */
  id: string
  accountId: string
  kind: MessageKind
  /** The IVR call an invitation belongs to; null for a message that answers a consumer. */
  callId: string | null
  channel: Channel
  /** Consumer address: an E.164 number for sms and wa, the consumerId for inapp. */
  to: string
  /** Sending number for sms and wa; the app ids for inapp, comma-separated. */
  from: string
  /** What the consumer reads: the SMS body with opt-out text, a WA template's rendering, the in-app text. */
  text: string
  /** The skill a reply routes to; empty for a confirmation. */
  skill: string
  /** The handoff's lookback period; 0 for a confirmation. */
  lookbackMinutes: number
  wa?: { templateName: string; language: string; parameters: string[] }
  /**
   * For a confirmation: the way the consumer's message came in (`live` through the provider, or
   * the simulator), which the answer goes back by whatever the channel's mode is now. Absent for
   * invitations, which follow the channel's mode.
   */
  via?: ChannelMode
  inapp?: { appIds: string[] }
  /** For a reply: the conversation it belongs to. */
  conversationId?: string
}
