import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type FailedAttempt, type FailureAction, afterFailure, attemptsExhausted, backoffMs, nextChannel } from '../../../src/delivery/policy.ts'
import type { Channel } from '../../../src/shared/channel.ts'

describe('afterFailure', () => {
  const base: FailedAttempt = { kind: 'transient', attempts: 1, maxAttempts: 8, canFallBack: true }
  const lowest = () => 0
  const rows: Array<[string, Partial<FailedAttempt>, FailureAction]> = [
    ['a permanent failure of an invitation tries the next channel', { kind: 'permanent' }, { action: 'fallback' }],
    ['a permanent failure on the last attempt still tries the next channel', { kind: 'permanent', attempts: 8 }, { action: 'fallback' }],
    ['a permanent failure of an answer to a consumer fails: it goes where they wrote', { kind: 'permanent', canFallBack: false }, { action: 'fail' }],
    ['a transient failure is retried after the backoff', { attempts: 1 }, { action: 'retry', delayMs: 500 }],
    ['the backoff grows with the attempts', { attempts: 4 }, { action: 'retry', delayMs: 4000 }],
    ['the provider\'s Retry-After wins over the backoff', { attempts: 4, retryAfterMs: 30_000 }, { action: 'retry', delayMs: 30_000 }],
    ['a Retry-After of zero retries at once', { retryAfterMs: 0 }, { action: 'retry', delayMs: 0 }],
    ['one attempt before the limit is still retried', { attempts: 7 }, { action: 'retry', delayMs: 32_000 }],
    ['a transient failure on the last attempt fails', { attempts: 8 }, { action: 'fail' }],
    ['past the limit (a claim that died counted too) fails', { attempts: 9 }, { action: 'fail' }],
    ['a limit of one attempt fails the first transient failure', { attempts: 1, maxAttempts: 1 }, { action: 'fail' }],
    ['an answer to a consumer is retried like any message', { canFallBack: false, attempts: 2 }, { action: 'retry', delayMs: 1000 }],
  ]
  for (const [name, input, expected] of rows) test(name, () => assert.deepEqual(afterFailure({ ...base, ...input }, lowest), expected))
})

describe('attemptsExhausted', () => {
  const rows: Array<[number, number, boolean]> = [
    [1, 8, false],
    [8, 8, false],
    [9, 8, true],
    [2, 1, true],
  ]
  for (const [attempts, max, expected] of rows) test(`${attempts} claims of ${max} allowed → ${expected}`, () => assert.equal(attemptsExhausted(attempts, max), expected))
})

describe('backoffMs', () => {
  const rows: Array<[number, number, number]> = [
    // attempt, lowest (random 0), highest (random 1)
    [0, 500, 1000],
    [1, 500, 1000],
    [2, 1000, 2000],
    [3, 2000, 4000],
    [9, 128_000, 256_000],
    [10, 150_000, 300_000],
    [100, 150_000, 300_000],
  ]
  for (const [attempt, low, high] of rows) {
    test(`attempt ${attempt}: between ${low} and ${high} ms`, () => {
      assert.equal(backoffMs(attempt, () => 0), low)
      assert.equal(backoffMs(attempt, () => 1), high)
      assert.equal(backoffMs(attempt, () => 0.5), Math.round((low + high) / 2))
    })
  }
  test('with the real random source, always within the bounds', () => {
    for (let attempt = 1; attempt <= 30; attempt++) {
      const ceiling = Math.min(300_000, 1000 * 2 ** (attempt - 1))
      for (let i = 0; i < 50; i++) {
        const delay = backoffMs(attempt)
        assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt}: ${delay} ms`)
      }
    }
  })
})

describe('nextChannel', () => {
  const all = new Set<Channel>(['sms', 'wa', 'inapp'])
  const rows: Array<[string, Channel[], Channel, Set<Channel>, Channel | undefined]> = [
    ['WhatsApp failed: SMS is next', ['wa', 'sms'], 'wa', all, 'sms'],
    ['the last channel failed: none is left', ['wa', 'sms'], 'sms', all, undefined],
    ['only channels after the failed one: fallback always ends', ['sms', 'wa'], 'wa', all, undefined],
    ['a channel that can no longer reach the consumer (opted out) is skipped', ['wa', 'sms', 'inapp'], 'wa', new Set<Channel>(['inapp']), 'inapp'],
    ['nothing reachable after it', ['wa', 'sms'], 'wa', new Set<Channel>(['wa']), undefined],
    ['a single channel has no fallback', ['inapp'], 'inapp', all, undefined],
    ['a channel that is not the call\'s: the first reachable of the call\'s', ['sms', 'wa'], 'inapp', new Set<Channel>(['wa']), 'wa'],
  ]
  for (const [name, available, failed, reachable, expected] of rows) test(name, () => assert.equal(nextChannel(available, failed, reachable), expected))
})
