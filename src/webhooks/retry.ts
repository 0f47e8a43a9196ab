import { retryAfterMs } from '../channels/http-errors.ts'

/**
 * The delays between attempts, after the first that failed: the Standard Webhooks example
 * schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), then every 24 h.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000]

/** The longest `Retry-After` honoured: a desk cannot hold a conversation's events for a day with one answer. */
export const MAX_RETRY_AFTER_MS = 3_600_000

/** The shortest: `Retry-After: 0` (or a past date) would otherwise retry in a tight loop. */
export const MIN_RETRY_AFTER_MS = 1_000

/** What becomes of a delivery after one attempt. */
export type AttemptOutcome =
  | { action: 'sent' }
  /** 410 Gone: the receiver asks not to be sent anything again (the specification: disable the endpoint). */
  | { action: 'disable' }
  | { action: 'fail' }
  | { action: 'retry'; delayMs: number }

export interface Attempt {
  /** The HTTP status answered; undefined when none came (timeout, refused, reset, a refused address). */
  status: number | undefined
  /** The answer's `Retry-After`, as sent. */
  retryAfter: string | null
  /** Attempts of this delivery so far, this one included. */
  attempts: number
  maxAttempts: number
  now: number
}

/**
 * After an attempt: a 2xx is delivered; a 410 disables the endpoint; anything else (3xx — never
 * followed —, 4xx, 5xx, no answer) is retried on the schedule, or after the desk's `Retry-After`
 * (seconds or an HTTP date, kept between 1 s and 1 h), until the attempts are spent.
 */
export function afterAttempt(attempt: Attempt, random: () => number = Math.random): AttemptOutcome {
  const { status } = attempt
  if (status !== undefined && status >= 200 && status <= 299) return { action: 'sent' }
  if (status === 410) return { action: 'disable' }
  if (attempt.attempts >= attempt.maxAttempts) return { action: 'fail' }
  const asked = retryAfterMs(attempt.retryAfter, attempt.now)
  if (asked !== undefined) return { action: 'retry', delayMs: Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, asked)) }
  return { action: 'retry', delayMs: retryDelayMs(attempt.attempts, random) }
}

/** The wait after failed attempt number `attempt` (1 for the first): the schedule's, less up to a tenth as jitter. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = RETRY_SCHEDULE_MS[Math.min(Math.max(attempt, 1), RETRY_SCHEDULE_MS.length) - 1]!
  return Math.round(base - (random() * base) / 10)
}
