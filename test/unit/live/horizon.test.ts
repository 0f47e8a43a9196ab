import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Horizon } from '../../../src/live/horizon.ts'

const GRACE = 3_000

describe('the horizon of the live log', () => {
  test('moves over consecutive seqs', () => {
    const horizon = new Horizon(0, GRACE)
    assert.deepEqual(horizon.advance([1, 2, 3], 0), { passed: 3, retryAt: undefined })
    assert.equal(horizon.value, 3)
    assert.deepEqual(horizon.advance([], 10), { passed: 0, retryAt: undefined })
  })

  test('stops before a missing seq (committing later) and passes once it is filled', () => {
    const horizon = new Horizon(9, GRACE)
    assert.deepEqual(horizon.advance([11, 12], 1_000), { passed: 0, retryAt: 1_000 + GRACE })
    assert.equal(horizon.value, 9)
    assert.deepEqual(horizon.advance([10, 11, 12], 1_500), { passed: 3, retryAt: undefined })
    assert.equal(horizon.value, 12)
  })

  test('a seq missing for the whole grace period is taken for rolled back, and skipped', () => {
    const horizon = new Horizon(9, GRACE)
    horizon.advance([11], 1_000)
    assert.equal(horizon.advance([11], 1_000 + GRACE - 1).passed, 0)
    assert.deepEqual(horizon.advance([11], 1_000 + GRACE), { passed: 1, retryAt: undefined })
    assert.equal(horizon.value, 11)
  })

  test('the grace runs from when the hole was first seen, not from each look', () => {
    const horizon = new Horizon(0, GRACE)
    horizon.advance([2], 0)
    horizon.advance([2, 3], 2_000)
    assert.equal(horizon.advance([2, 3, 4], GRACE).passed, 3)
  })

  test('holes seen together age together: a second hole does not add another grace period', () => {
    const horizon = new Horizon(0, GRACE)
    assert.deepEqual(horizon.advance([2, 4, 6], 0), { passed: 0, retryAt: GRACE })
    assert.deepEqual(horizon.advance([2, 4, 6], GRACE), { passed: 3, retryAt: undefined })
    assert.equal(horizon.value, 6)
  })

  test('a hole seen later keeps the horizon after the earlier one', () => {
    const horizon = new Horizon(0, GRACE)
    horizon.advance([2], 0)
    assert.deepEqual(horizon.advance([2, 4], 1_000), { passed: 0, retryAt: GRACE })
    assert.deepEqual(horizon.advance([2, 4], GRACE), { passed: 1, retryAt: 1_000 + GRACE })
    assert.equal(horizon.value, 2)
    assert.equal(horizon.advance([4], 1_000 + GRACE).passed, 1)
  })

  test('a wide hole (numbers lost to a crash) costs one grace period, whatever its width', () => {
    const horizon = new Horizon(100, GRACE)
    horizon.advance([133], 0)
    assert.equal(horizon.advance([133], GRACE).passed, 1)
  })
})
