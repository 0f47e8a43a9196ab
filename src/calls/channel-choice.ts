import type { Channel } from '../shared/channel.ts'

/** `twilio` is the C2M API's other name for `sms`; case and surrounding spaces do not matter. */
export function normalizeChannel(name: string): Channel | undefined {
  const lower = name.trim().toLowerCase()
  if (lower === 'twilio') return 'sms'
  return lower === 'sms' || lower === 'wa' || lower === 'inapp' ? lower : undefined
}

/** What the invite's channel choice needs to know about the call, now. */
export interface InviteChannelFacts {
  /** The call's available channels as eligibility found them, in the handoff's priority order. */
  available: readonly Channel[]
  /**
   * The channels that can still reach the consumer now: an opt-out or a removed device since
   * eligibility takes a channel away (we never text someone who said STOP).
   */
  reachable: readonly Channel[]
  /** The IVR's `overrideChannel`, as sent. */
  override: string | undefined
}

/**
 * The invite's channel, or why there is none: the override names no channel of the call
 * (`override-not-available`, 1900), names one that can no longer reach the consumer
 * (`override-unreachable`, 1400), or no channel of the call can (`none-reachable`, 1400).
 */
export type InviteChannelChoice =
  | { channel: Channel }
  | { refused: 'override-not-available' }
  | { refused: 'override-unreachable'; channel: Channel }
  | { refused: 'none-reachable' }

/**
 * Without an override, the first of the call's channels, in priority order, that still reaches
 * the consumer; with one, that channel or a refusal. An override is never replaced by another
 * channel: the IVR asked for it by name.
 */
export function chooseInviteChannel(facts: InviteChannelFacts): InviteChannelChoice {
  const reachable = new Set(facts.reachable)
  if (facts.override !== undefined) {
    const wanted = normalizeChannel(facts.override)
    if (!wanted || !facts.available.includes(wanted)) return { refused: 'override-not-available' }
    return reachable.has(wanted) ? { channel: wanted } : { refused: 'override-unreachable', channel: wanted }
  }
  const first = facts.available.find((channel) => reachable.has(channel))
  return first ? { channel: first } : { refused: 'none-reachable' }
}
