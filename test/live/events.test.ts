import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { dialects, json, startApp, type TestApp } from '../helper.ts'
import { type LiveAudienceFilter, isVisibleTo } from '../../src/live/audience.ts'
import { appendLiveEvent, visibleLiveEvents } from '../../src/live/live-event.repository.ts'
import { SseStream } from '../support/sse-client.ts'
import { LiveClient, lastSeq, publish, settled, sleep } from './support.ts'

// The agents' event stream over real HTTP on loopback (inject cannot stream): live delivery,
// resumption with Last-Event-ID, who sees what, the limits, and the stream's end.

const A = '7101'
const B = '7102'
const ring = (n: number) => ({ accountId: A, userId: 'u-ana', type: 'ring', data: { conversationId: `c-${n}`, skill: 'sales', expiresAt: '2026-11-21T12:01:00.000Z' } })

for (const dialect of dialects) {
  describe(`the live event stream (${dialect.name})`, () => {
    let t: TestApp
    let client: LiveClient
    let brand: BrandFixture
    let other: BrandFixture

    before(async () => {
      t = await startApp(dialect)
      client = new LiveClient(t, await t.app.listen({ host: '127.0.0.1', port: 0 }))
      brand = await brandFixture(t, A, { privileges: ['conversations'] })
      other = await brandFixture(t, B, { privileges: ['conversations'] })
    })
    afterEach(() => client.closeAll())
    after(() => t.close())

    test('an event appended and notified after the commit arrives at once, as id, event type and JSON data', async () => {
      const stream = await client.stream(brand.key, A)
      assert.equal(stream.status, 200)
      assert.match(String(stream.headers['content-type']), /^text\/event-stream/)
      assert.equal(stream.headers['cache-control'], 'no-store')
      assert.equal(stream.headers['x-accel-buffering'], 'no')
      assert.equal(stream.headers['x-content-type-options'], 'nosniff')
      assert.ok(stream.headers['x-request-id'])
      assert.equal(stream.retryMs, 3000)

      const seq = await publish(t, ring(1))
      const event = await stream.next()
      assert.deepEqual({ id: event.id, event: event.event, data: JSON.parse(event.data) }, { id: String(seq), event: 'ring', data: ring(1).data })
    })

    test('without Last-Event-ID the stream starts at the end: nothing old; its opening id lets a reconnect miss nothing', async () => {
      await publish(t, ring(2))
      await settled(t)
      const stream = await client.stream(brand.key, A)
      assert.equal(stream.lastEventId, String(await lastSeq(t)), 'the opening id is where the stream starts')
      assert.ok(await stream.quietFor(200), 'nothing old is sent')
      const seq = await publish(t, ring(3))
      assert.equal((await stream.next()).id, String(seq))
    })

    test('a reconnect with Last-Event-ID replays exactly what was missed, in order, then carries on live', async () => {
      const first = await client.stream(brand.key, A)
      const seen = await publish(t, ring(10))
      assert.equal((await first.next()).id, String(seen))
      first.close()
      await first.ended

      const missed = []
      for (let n = 11; n <= 14; n++) missed.push(await publish(t, ring(n)))
      await publish(t, { accountId: B, type: 'queue', skill: 'sales', data: { skill: 'sales', size: 1 } })
      await settled(t)

      const again = await client.stream(brand.key, A, { lastEventId: first.lastEventId })
      const replayed = await again.take(4)
      assert.deepEqual(replayed.map((e) => e.id), missed.map(String))
      assert.deepEqual(replayed.map((e) => JSON.parse(e.data).conversationId), ['c-11', 'c-12', 'c-13', 'c-14'])
      assert.ok(await again.quietFor(100), 'another brand\'s event is not replayed, nor anything twice')
      const live = await publish(t, ring(15))
      assert.equal((await again.next()).id, String(live))

      // The same through the query string, for clients that cannot set headers.
      const byQuery = await client.stream(brand.key, A, { query: `?lastEventId=${seen}` })
      assert.deepEqual((await byQuery.take(5)).map((e) => e.id), [...missed, live].map(String))
    })

    test('a long absence is replayed in pages, all of it, in order', async () => {
      const from = await lastSeq(t)
      await t.runtime.db.transaction().execute(async (trx) => {
        for (let n = 0; n < 450; n++) await appendLiveEvent(trx, { ...ring(1000 + n), at: t.clock.now().toISOString() })
      })
      t.app.live.notify(A)
      await settled(t)
      const stream = await client.stream(brand.key, A, { lastEventId: String(from) })
      const events = await stream.take(450)
      assert.deepEqual(events.map((e) => JSON.parse(e.data).conversationId), Array.from({ length: 450 }, (_, n) => `c-${1000 + n}`))
      assert.ok(events.every((e, i) => i === 0 || Number(e.id) > Number(events[i - 1]!.id)))
    })

    test('an API key sees every event of its brand (for a user, a skill, everyone) and none of another brand', async () => {
      const stream = await client.stream(brand.key, A)
      const events = [
        { accountId: A, userId: 'u-bo', type: 'ring', data: { n: 1 } },
        { accountId: A, skill: 'support', type: 'queue', data: { n: 2 } },
        { accountId: A, type: 'conversation', data: { n: 3 } },
        { accountId: B, type: 'conversation', data: { n: 4 } },
        { accountId: A, userId: 'u-ana', skill: 'sales', type: 'message', data: { n: 5 } },
      ]
      for (const event of events) await publish(t, event)
      assert.deepEqual((await stream.take(4)).map((e) => JSON.parse(e.data).n), [1, 2, 3, 5])
      assert.ok(await stream.quietFor(100))
    })

    test('the store query lets through exactly what the audience rule does', async () => {
      const account = '7109'
      const addressed = [
        { userId: 'u-ana', skill: null },
        { userId: 'u-ana', skill: 'support' },
        { userId: 'u-bo', skill: 'sales' },
        { userId: null, skill: 'sales' },
        { userId: null, skill: 'vip' },
        { userId: null, skill: 'support' },
        { userId: null, skill: null },
      ]
      for (const [n, to] of addressed.entries()) {
        await appendLiveEvent(t.runtime.db, { accountId: account, ...(to.userId ? { userId: to.userId } : {}), ...(to.skill ? { skill: to.skill } : {}), type: 'queue', data: { n }, at: t.clock.now().toISOString() })
      }
      const filters: LiveAudienceFilter[] = [
        { kind: 'all' },
        { kind: 'person', userId: 'u-ana', skills: ['sales', 'vip'] },
        { kind: 'person', userId: 'u-bo', skills: ['sales'] },
        { kind: 'person', userId: 'u-cy', skills: [] },
        { kind: 'person', userId: 'u-dee', skills: ['support'] },
      ]
      for (const filter of filters) {
        const fromStore = (await visibleLiveEvents(t.runtime.db, account, filter, 0, Number.MAX_SAFE_INTEGER, 100)).map((e) => JSON.parse(e.data).n)
        const byRule = addressed.flatMap((to, n) => (isVisibleTo(filter, to) ? [n] : []))
        assert.deepEqual(fromStore, byRule, JSON.stringify(filter))
      }
    })

    test('a Last-Event-ID that is no event id is 400 1000 in our shape, before any stream', async () => {
      for (const bad of ['abc', '-1', '1e3', '12.5', '+7', '0x10', '99999999999999999999', '9007199254740993', '']) {
        for (const options of [{ lastEventId: bad }, { query: `?lastEventId=${encodeURIComponent(bad)}` }]) {
          const answer = await client.open(brand.key, A, options)
          assert.ok(!(answer instanceof SseStream), `${JSON.stringify(options)} opened a stream`)
          assert.equal(answer.status, 400, `${JSON.stringify(options)}: ${answer.body}`)
          assert.match(String(answer.headers['content-type']), /^application\/json/)
          assert.equal(JSON.parse(answer.body).errorCode, 1000)
        }
      }
    })

    test('an id older than the kept log, or unknown to it, gets `reset` first, then live events', async () => {
      const old = await publish(t, ring(20))
      await publish(t, ring(21))
      t.clock.advance(25 * 3_600_000)
      const kept = await publish(t, ring(22))
      assert.ok((await t.app.live.prune()) >= 2)
      await settled(t)

      for (const [lastEventId, reason] of [[String(old - 1), 'expired'], [String(kept + 1000), 'unknown']] as const) {
        const stream = await client.stream(brand.key, A, { lastEventId })
        const reset = await stream.next()
        assert.deepEqual({ event: reset.event, data: JSON.parse(reset.data), id: reset.id }, { event: 'reset', data: { reason }, id: String(t.app.live.horizon) })
        const seq = await publish(t, ring(23))
        assert.equal((await stream.next()).id, String(seq))
      }
      // The newest event is never pruned: the log's bounds keep telling expired ids from current ones.
      t.clock.advance(48 * 3_600_000)
      await t.app.live.prune()
      assert.equal(await lastSeq(t), Number((await t.runtime.db.selectFrom('live_events').select((eb) => eb.fn.min('seq').as('first')).executeTakeFirstOrThrow()).first))
    })

    test('the stream\'s callers: 401 without credentials, 403 for a key without the conversations privilege or of another brand', async () => {
      const bare = await fetch(`${client.origin}/api/account/${A}/events`)
      assert.equal(bare.status, 401)
      assert.equal((await bare.json()).errorCode, 1100)
      const management = await brandFixture(t, '7103', { privileges: ['management'] })
      const refused = await client.open(management.key, '7103')
      assert.ok(!(refused instanceof SseStream))
      assert.equal(refused.status, 403)
      assert.equal(JSON.parse(refused.body).errorCode, 1101)
      const foreign = await client.open(other.key, A)
      assert.ok(!(foreign instanceof SseStream))
      assert.equal(foreign.status, 403)
    })

    test('HEAD answers the stream\'s headers and no body', async () => {
      const answer = await client.open(brand.key, A, { method: 'HEAD' })
      assert.ok(!(answer instanceof SseStream))
      assert.equal(answer.status, 200)
      assert.match(String(answer.headers['content-type']), /^text\/event-stream/)
      assert.equal(answer.body, '')
    })

    test('at most 5 open streams per key: the sixth is 429 1029, and a closed one frees its place', async () => {
      const streams = []
      for (let i = 0; i < 5; i++) streams.push(await client.stream(other.key, B))
      const sixth = await client.open(other.key, B)
      assert.ok(!(sixth instanceof SseStream))
      assert.equal(sixth.status, 429)
      assert.equal(JSON.parse(sixth.body).errorCode, 1029)
      assert.ok(sixth.headers['retry-after'])
      streams[0]!.close()
      await streams[0]!.ended
      for (let tries = 0; ; tries++) {
        const answer = await client.open(other.key, B)
        if (answer instanceof SseStream) break
        assert.ok(tries < 50, 'the closed stream\'s place was never given back')
        await sleep(20)
      }
    })

    test('a client that stops reading is cut off once a megabyte waits for it, and resumes from the log', async () => {
      const stream = await client.stream(brand.key, A)
      const from = stream.lastEventId
      stream.pause()
      const big = 'x'.repeat(200_000)
      await t.runtime.db.transaction().execute(async (trx) => {
        for (let n = 0; n < 100; n++) await appendLiveEvent(trx, { accountId: A, type: 'message', data: { n, text: big }, at: t.clock.now().toISOString() })
      })
      t.app.live.notify(A)
      await Promise.race([stream.ended, sleep(10_000).then(() => assert.fail('the stream of a client that stopped reading stayed open'))])
      const resumed = await client.stream(brand.key, A, { lastEventId: from })
      assert.deepEqual((await resumed.take(100)).map((e) => JSON.parse(e.data).n), Array.from({ length: 100 }, (_, n) => n))
    })

    test('the OpenAPI document describes the stream', async () => {
      const doc = json(await t.app.inject({ method: 'GET', url: '/api/api-docs/json' }))
      const op = doc.paths['/api/account/{accountId}/events'].get
      assert.deepEqual(op.tags, ['conversations'])
      assert.ok(op.summary)
      assert.ok(op.responses['200'].content['text/event-stream'])
      const parameters = op.parameters.map((p: { in: string; name: string }) => `${p.in} ${p.name}`).sort()
      assert.deepEqual(parameters, ['header last-event-id', 'path accountId', 'query lastEventId'])
      for (const status of ['400', '401', '403', '429']) assert.ok(op.responses[status], status)
    })
  })

  describe(`closing the app with open streams (${dialect.name})`, () => {
    test('app.close() ends every open stream and returns promptly', async () => {
      const t = await startApp(dialect)
      try {
        const client = new LiveClient(t, await t.app.listen({ host: '127.0.0.1', port: 0 }))
        const brand = await brandFixture(t, A, { privileges: ['conversations'] })
        const streams = [await client.stream(brand.key, A), await client.stream(brand.key, A, { lastEventId: '0' })]
        const started = Date.now()
        await t.app.close()
        assert.ok(Date.now() - started < 2_000, `app.close() took ${Date.now() - started} ms`)
        await Promise.all(streams.map((s) => s.ended))
      } finally {
        await t.close()
      }
    })
  })
}
