import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, afterEach, before, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import pino from 'pino'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { dialects, startApp, startSecondInstance, type TestApp } from '../helper.ts'
import { appendLiveEvent } from '../../src/live/live-event.repository.ts'
import { DEFAULT_LIVE_HUB_OPTIONS, LiveHub } from '../../src/live/live-hub.ts'
import type { LiveEvent } from '../../src/live/live-event.repository.ts'
import { LiveClient, publish, sleep } from './support.ts'

// Live events across instances over one store (as behind a load balancer), the commit-order
// hazard of PostgreSQL sequences, and Redis going away.

const A = '7201'
const ring = (n: number) => ({ accountId: A, userId: 'u-ana', type: 'ring', data: { conversationId: `c-${n}` } })
const redisUrl = process.env.TEST_REDIS_URL
const postgres = dialects.find((d) => d.name === 'postgres')

/** Two instances over one store, each listening on loopback, with a brand whose key may read the stream. */
async function twoInstances(dialect: (typeof dialects)[number], env: Record<string, string>) {
  const first = await startApp(dialect, env)
  const second = await startSecondInstance(first, env)
  const brand = await brandFixture(first, A, { privileges: ['conversations'] })
  const clients = [new LiveClient(first, await first.app.listen({ host: '127.0.0.1', port: 0 })), new LiveClient(second, await second.app.listen({ host: '127.0.0.1', port: 0 }))] as const
  return {
    first,
    second,
    brand,
    clients,
    async close() {
      for (const client of clients) await client.closeAll()
      await second.close()
      await first.close()
    },
  }
}

for (const dialect of dialects) {
  describe(`across instances without Redis: polling the log (${dialect.name})`, () => {
    let setup: Awaited<ReturnType<typeof twoInstances>>
    before(async () => (setup = await twoInstances(dialect, {})))
    after(() => setup.close())

    test('an event committed and notified on instance 1 reaches a stream on instance 2 within the poll interval', async () => {
      const stream = await setup.clients[1].stream(setup.brand.key, A)
      const seq = await publish(setup.first, ring(1))
      const event = await stream.next(DEFAULT_LIVE_HUB_OPTIONS.pollMs + 2_000)
      assert.equal(event.id, String(seq))
    })

    test('a client that moves to the other instance resumes there with its Last-Event-ID', async () => {
      const onFirst = await setup.clients[0].stream(setup.brand.key, A)
      const seen = await publish(setup.first, ring(2))
      assert.equal((await onFirst.next()).id, String(seen))
      onFirst.close()
      const missed = [await publish(setup.first, ring(3)), await publish(setup.second, ring(4))]
      const onSecond = await setup.clients[1].stream(setup.brand.key, A, { lastEventId: onFirst.lastEventId })
      assert.deepEqual((await onSecond.take(2, DEFAULT_LIVE_HUB_OPTIONS.pollMs + 2_000)).map((e) => e.id), missed.map(String))
    })
  })

  describe(`across instances with Redis (${dialect.name})`, { skip: !redisUrl && 'TEST_REDIS_URL not set' }, () => {
    let setup: Awaited<ReturnType<typeof twoInstances>>
    before(async () => (setup = await twoInstances(dialect, { REDIS_URL: redisUrl as string })))
    after(() => setup.close())

    test('a notify on instance 1 wakes the stream on instance 2 at once, not at the next poll', async () => {
      const stream = await setup.clients[1].stream(setup.brand.key, A)
      const latencies: number[] = []
      for (let n = 0; n < 5; n++) {
        const seq = await publish(setup.first, ring(10 + n))
        const notifiedAt = performance.now()
        const event = await stream.next()
        assert.equal(event.id, String(seq))
        latencies.push(event.receivedAt - notifiedAt)
      }
      // By polling alone, five in a row under a third of the interval would be a fluke of 0.3^5.
      assert.ok(latencies.every((ms) => ms < DEFAULT_LIVE_HUB_OPTIONS.pollMs * 0.3), `latencies ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms`)
    })
  })
}

describe('commits out of seq order (postgres)', { skip: !postgres && 'TEST_DATABASE_URL not set' }, () => {
  let t: TestApp
  let client: LiveClient
  let brand: BrandFixture

  before(async () => {
    t = await startApp(postgres)
    client = new LiveClient(t, await t.app.listen({ host: '127.0.0.1', port: 0 }))
    brand = await brandFixture(t, A, { privileges: ['conversations'] })
  })
  afterEach(() => client.closeAll())
  after(() => t.close())

  /** A transaction that appends `event` and then waits for `finish` to commit (or, when it throws, roll back). */
  async function heldOpen(event: ReturnType<typeof ring>) {
    let finish!: (rollback: boolean) => void
    const decided = new Promise<boolean>((resolve) => (finish = resolve))
    let appended!: () => void
    const inserted = new Promise<void>((resolve) => (appended = resolve))
    const done = t.runtime.db
      .transaction()
      .execute(async (trx) => {
        await appendLiveEvent(trx, { ...event, at: t.clock.now().toISOString() })
        appended()
        if (await decided) throw new Error('rolled back on purpose')
      })
      .catch((error: Error) => assert.equal(error.message, 'rolled back on purpose'))
    await inserted
    return {
      async commit() {
        finish(false)
        await done
      },
      async rollBack() {
        finish(true)
        await done
      },
    }
  }

  test('the later seq committing first waits for the earlier one: the client gets both, in seq order', async () => {
    const stream = await client.stream(brand.key, A)
    const earlier = await heldOpen(ring(1))
    const later = await publish(t, ring(2))
    assert.ok(await stream.quietFor(500), 'the later event is held back while the earlier seq is in flight')
    await earlier.commit()
    t.app.live.notify(A)
    const events = await stream.take(2)
    assert.deepEqual(events.map((e) => JSON.parse(e.data).conversationId), ['c-1', 'c-2'])
    assert.equal(events[1]!.id, String(later))
    assert.equal(Number(events[0]!.id), later - 1)
  })

  test('a rolled-back seq holds the stream for the grace period only, then is skipped', async () => {
    const stream = await client.stream(brand.key, A)
    const doomed = await heldOpen(ring(3))
    const heldFrom = performance.now()
    const after = await publish(t, ring(4))
    assert.ok(await stream.quietFor(300))
    await doomed.rollBack()
    const event = await stream.next(DEFAULT_LIVE_HUB_OPTIONS.gapGraceMs + 3_000)
    const waited = performance.now() - heldFrom
    assert.equal(event.id, String(after))
    assert.ok(waited >= DEFAULT_LIVE_HUB_OPTIONS.gapGraceMs - 100 && waited < DEFAULT_LIVE_HUB_OPTIONS.gapGraceMs + 2_500, `waited ${waited.toFixed(0)} ms`)
  })
})

describe('Redis unreachable', () => {
  test('the hub starts anyway, says so, and serves its own streams in-process and others by polling', async () => {
    const t = await startApp()
    const lines: string[] = []
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }))
    // Nothing listens on port 1: every connection is refused at once.
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 200 })
    redis.on('error', () => {})
    const hub = new LiveHub(t.runtime.db, redis, t.clock, logger, { ...DEFAULT_LIVE_HUB_OPTIONS, pollMs: 100 })
    try {
      await hub.start()
      const received: LiveEvent[] = []
      hub.subscribe(A, (event) => received.push(event))

      await appendLiveEvent(t.runtime.db, { ...ring(1), at: t.clock.now().toISOString() })
      hub.notify(A)
      for (let i = 0; received.length < 1; i++) {
        assert.ok(i < 100, 'notify did not reach the hub\'s own listener')
        await sleep(10)
      }
      // Another instance's commit, never notified here: found by polling.
      await appendLiveEvent(t.runtime.db, { ...ring(2), at: t.clock.now().toISOString() })
      for (let i = 0; received.length < 2; i++) {
        assert.ok(i < 100, 'polling did not find the event')
        await sleep(10)
      }
      assert.deepEqual(received.map((e) => JSON.parse(e.data).conversationId), ['c-1', 'c-2'])
      assert.ok(lines.some((line) => line.includes('live events reach this instance by polling the log')), lines.join('\n'))
      assert.ok(lines.some((line) => line.includes('live events reach other instances by polling the log')), lines.join('\n'))
    } finally {
      await hub.close()
      redis.disconnect()
      await t.close()
    }
  })
})
