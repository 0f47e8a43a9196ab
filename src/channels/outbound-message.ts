import type { Channel } from '../shared/channel.ts'

/** A message ready for a channel adapter: rendered once at invite time, stored in the outbox. */
export interface OutboundMessage {
  /** The outbox row's id: adapters use it to make a retried send land once. */
  id: string
  accountId: string
  callId: string
  channel: Channel
  /** Consumer address: an E.164 number for sms and wa, the consumerId for inapp. */
  to: string
  /** Sending number for sms and wa; the app ids for inapp, comma-separated. */
  from: string
  /** What the consumer reads: the SMS body with opt-out text, a WA template's rendering, the in-app text. */
  text: string
  skill: string
  lookbackMinutes: number
  wa?: { templateName: string; language: string; parameters: string[] }
  inapp?: { appIds: string[] }
}
