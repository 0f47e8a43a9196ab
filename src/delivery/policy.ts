import type { Channel } from '../shared/channel.ts'

/** What the dispatcher does with a message whose send just failed. */
export type FailureAction =
  | { action: 'fallback' }
  | { action: 'fail' }
  | { action: 'retry'; delayMs: number }

export interface FailedAttempt {
  /** Whether the provider (or we) said a retry cannot succeed. */
  kind: 'transient' | 'permanent'
  /** Claims of this message so far, this one included. */
  attempts: number
  maxAttempts: number
  /** The provider's Retry-After, when it gave one. */
  retryAfterMs?: number
  /** Only invitations fall back to another channel; an answer to a consumer goes where they wrote. */
  canFallBack: boolean
}

/**
 * The dispatcher's policy after a failed send: a permanent failure tries the next channel (the
 * caller fails the message when none is left); a transient one is retried with backoff until its
 * attempts are spent.
 */
export function afterFailure(failure: FailedAttempt, random: () => number = Math.random): FailureAction {
  if (failure.kind === 'permanent') return failure.canFallBack ? { action: 'fallback' } : { action: 'fail' }
  if (failure.attempts >= failure.maxAttempts) return { action: 'fail' }
  return { action: 'retry', delayMs: failure.retryAfterMs ?? backoffMs(failure.attempts, random) }
}

/** Whether a claimed message has used up its attempts before being tried again (its earlier claims died mid-send). */
export function attemptsExhausted(attempts: number, maxAttempts: number): boolean {
  return attempts > maxAttempts
}

/** Exponential backoff with jitter: between half and all of 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/**
 * The channel an invitation falls back to after a permanent failure on `failed`: the first of the
 * call's available channels after it, in priority order, that can still reach the consumer.
 * Only channels after the failed one are tried, so fallback always ends.
 */
export function nextChannel(available: readonly Channel[], failed: Channel, reachable: ReadonlySet<Channel>): Channel | undefined {
  const at = available.indexOf(failed)
  return available.slice(at + 1).find((channel) => reachable.has(channel))
}
