import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Attempt, type AttemptOutcome, afterAttempt, retryDelayMs } from '../../../src/webhooks/retry.ts'

const NOW = Date.parse('2026-11-21T12:00:00.000Z')

describe('afterAttempt', () => {
  const base: Attempt = { status: 500, retryAfter: null, attempts: 1, maxAttempts: 10, now: NOW }
  const highest = () => 0
  const rows: Array<[string, Partial<Attempt>, AttemptOutcome]> = [
    ['200 is delivered', { status: 200 }, { action: 'sent' }],
    ['204 is delivered', { status: 204 }, { action: 'sent' }],
    ['299 is delivered', { status: 299 }, { action: 'sent' }],
    ['a 2xx on the last attempt is delivered', { status: 202, attempts: 10 }, { action: 'sent' }],
    ['410 Gone disables the endpoint', { status: 410 }, { action: 'disable' }],
    ['410 Gone on the last attempt disables it too', { status: 410, attempts: 10 }, { action: 'disable' }],
    ['500 is retried after 5 s', { status: 500 }, { action: 'retry', delayMs: 5_000 }],
    ['the second failure waits 5 minutes', { attempts: 2 }, { action: 'retry', delayMs: 300_000 }],
    ['the ninth waits 24 hours', { attempts: 9 }, { action: 'retry', delayMs: 86_400_000 }],
    ['no answer (timeout, refused) is retried', { status: undefined }, { action: 'retry', delayMs: 5_000 }],
    ['a redirect is a failure, retried', { status: 302 }, { action: 'retry', delayMs: 5_000 }],
    ['a 4xx is retried: the desk may be fixed', { status: 404 }, { action: 'retry', delayMs: 5_000 }],
    ['1xx or 0 (no status) is no success', { status: 0 }, { action: 'retry', delayMs: 5_000 }],
    ['Retry-After in seconds wins over the schedule', { status: 503, retryAfter: '120', attempts: 3 }, { action: 'retry', delayMs: 120_000 }],
    ['Retry-After as an HTTP date', { status: 429, retryAfter: new Date(NOW + 90_000).toUTCString() }, { action: 'retry', delayMs: 90_000 }],
    ['Retry-After is capped at an hour', { status: 503, retryAfter: '86400' }, { action: 'retry', delayMs: 3_600_000 }],
    ['a date a week away is capped too', { status: 503, retryAfter: new Date(NOW + 7 * 86_400_000).toUTCString() }, { action: 'retry', delayMs: 3_600_000 }],
    ['Retry-After: 0 waits a second, not a tight loop', { status: 503, retryAfter: '0' }, { action: 'retry', delayMs: 1_000 }],
    ['a date in the past waits a second', { status: 503, retryAfter: new Date(NOW - 60_000).toUTCString() }, { action: 'retry', delayMs: 1_000 }],
    ['an unreadable Retry-After falls back to the schedule', { status: 503, retryAfter: 'soon' }, { action: 'retry', delayMs: 5_000 }],
    ['a negative Retry-After reads as a date long past (Date.parse): a second', { status: 503, retryAfter: '-5', attempts: 2 }, { action: 'retry', delayMs: 1_000 }],
    ['one attempt before the limit is still retried', { attempts: 9 }, { action: 'retry', delayMs: 86_400_000 }],
    ['the last attempt fails', { attempts: 10 }, { action: 'fail' }],
    ['past the limit (a claim that died counted too) fails', { attempts: 11 }, { action: 'fail' }],
    ['Retry-After does not add attempts', { attempts: 10, retryAfter: '5' }, { action: 'fail' }],
    ['a limit of one fails the first failure', { attempts: 1, maxAttempts: 1 }, { action: 'fail' }],
  ]
  for (const [name, input, expected] of rows) test(name, () => assert.deepEqual(afterAttempt({ ...base, ...input }, highest), expected))
})

describe('retryDelayMs', () => {
  const rows: Array<[number, number, number]> = [
    // failed attempt, shortest (random 1: a tenth off), longest (random 0)
    [0, 4_500, 5_000],
    [1, 4_500, 5_000],
    [2, 270_000, 300_000],
    [3, 1_620_000, 1_800_000],
    [4, 6_480_000, 7_200_000],
    [9, 77_760_000, 86_400_000],
    [10, 77_760_000, 86_400_000],
    [100, 77_760_000, 86_400_000],
  ]
  for (const [attempt, low, high] of rows) {
    test(`after failed attempt ${attempt}: between ${low} and ${high} ms`, () => {
      assert.equal(retryDelayMs(attempt, () => 1), low)
      assert.equal(retryDelayMs(attempt, () => 0), high)
    })
  }
})
