import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LockedError, WorkGate } from '../../../src/auth/login-throttle.ts'

// The gate in front of sign-ins' password checks: a bounded number run, a bounded number wait in
// arrival order, the rest are refused at once with a 429 that carries Retry-After.

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

test('at most `running` at once, `waiting` queued in order, the rest refused at once', async () => {
  const gate = new WorkGate(2, 2)
  const order: number[] = []
  const holds = Array.from({ length: 4 }, deferred)
  let active = 0
  let most = 0
  const tasks = holds.map((hold, i) =>
    gate.run(async () => {
      order.push(i)
      most = Math.max(most, ++active)
      await hold.promise
      active--
      return i
    }),
  )
  await assert.rejects(gate.run(async () => 'fifth'), (error: unknown) => error instanceof LockedError && error.status === 429 && error.retryAfterSeconds === 1)
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(order, [0, 1], 'two run, two wait')
  for (const hold of holds) hold.resolve()
  assert.deepEqual(await Promise.all(tasks), [0, 1, 2, 3])
  assert.deepEqual(order, [0, 1, 2, 3], 'the waiting ones run in arrival order')
  assert.equal(most, 2)
  // Every place was given back: a new burst gets the same room.
  assert.equal(await gate.run(async () => 'again'), 'again')
})

test('a task that fails gives its place back', async () => {
  const gate = new WorkGate(1, 0)
  await assert.rejects(gate.run(async () => { throw new Error('boom') }), /boom/)
  assert.equal(await gate.run(async () => 'next'), 'next')
})
