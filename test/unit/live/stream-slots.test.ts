import assert from 'node:assert/strict'
import { test } from 'node:test'
import { StreamSlots } from '../../../src/live/live.routes.ts'

test('stream slots: at most perOwner per user or key, perInstance in all; a place given back is free again, once', () => {
  const slots = new StreamSlots({ perOwner: 2, perInstance: 3 })
  const a1 = slots.take('user:a')
  const a2 = slots.take('user:a')
  assert.ok('release' in a1 && 'release' in a2)
  assert.deepEqual(slots.take('user:a'), { full: 'owner' })
  const b1 = slots.take('key:b')
  assert.ok('release' in b1)
  assert.deepEqual(slots.take('key:c'), { full: 'instance' })
  a1.release()
  a1.release()
  assert.ok('release' in slots.take('key:c'))
  assert.deepEqual(slots.take('user:a'), { full: 'instance' })
  b1.release()
  assert.ok('release' in slots.take('user:a'))
  assert.deepEqual(slots.take('user:a'), { full: 'owner' })
})
