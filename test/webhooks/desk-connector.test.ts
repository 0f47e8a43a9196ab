import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { pino } from 'pino'
import { ManualClock, brandCall, dialects, json, provisionBrand, signedRequest, startApp, startSecondInstance, type TestApp } from '../helper.ts'
import { FakeDesk } from '../fakes/desk.fake.ts'
import { deskMode, enqueueWebhookEvent } from '../../src/webhooks/webhook-events.ts'
import { DEFAULT_WEBHOOK_DISPATCHER_OPTIONS, WebhookDispatcher } from '../../src/webhooks/webhook.dispatcher.ts'

// The external desk connector from outside: a brand connects its desk through the API, events
// queued in a transaction reach a fake desk on 127.0.0.1 (trusted by the operator's
// WEBHOOK_URL_ALLOWLIST, as an internal desk would be), verified with the standardwebhooks
// library. Deliveries run in explicit `runOnce` rounds (DELIVERY_WORKER=false). The clock starts
// at the real time: the library refuses timestamps more than 5 minutes from its own clock.

const ENV = { DELIVERY_WORKER: 'false', WEBHOOK_URL_ALLOWLIST: '127.0.0.1' }
const silent = pino({ level: 'silent' })

for (const dialect of dialects) {
  describe(`desk connector (${dialect.name})`, () => {
    let t: TestApp
    let desk: FakeDesk
    let nextAccount = 4000

    before(async () => {
      desk = await FakeDesk.start()
      t = await startApp(dialect, ENV, new ManualClock(new Date().toISOString()))
    })
    after(async () => {
      await t.close()
      await desk.close()
    })
    // Each test counts what one round sends: none inherits another's deliveries still waiting out a retry.
    afterEach(async () => {
      await t.runtime.db.deleteFrom('webhook_deliveries').execute()
    })

    /** A new brand with a management key, its desk connected at `/desk/<account>`; the secret shown. */
    async function connectedBrand(body: Record<string, unknown> = {}) {
      const account = String(nextAccount++)
      const key = await provisionBrand(t.runtime, account)
      const call = brandCall(t, key, account)
      const path = `/desk/${account}`
      const created = await call('PUT', 'desk-connector', { url: desk.origin + path, mode: 'instead', ...body }, 201)
      return { account, key, call, path, secret: created.secret as string, created }
    }

    /** Queues events in one transaction, as the conversation service does; how many deliveries. */
    async function emit(account: string, ...events: Array<{ type: string; key: string; data?: unknown }>): Promise<number> {
      const at = t.clock.now().toISOString()
      return t.runtime.db.transaction().execute(async (trx) => {
        let queued = 0
        for (const event of events) queued += await enqueueWebhookEvent(trx, t.runtime, { accountId: account, type: event.type, orderingKey: event.key, data: event.data ?? { conversationId: event.key }, at })
        return queued
      })
    }

    async function deliveries(account: string) {
      return t.runtime.db.selectFrom('webhook_deliveries').selectAll().where('account_id', '=', account).orderBy('created_at').orderBy('id').execute()
    }

    test('the secret is shown once on creation, never by GET or a later PUT; rotation shows the new one once', async () => {
      const { account, call, secret, created, path } = await connectedBrand()
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
      assert.deepEqual(Object.keys(created).sort(), ['createdAt', 'disabledAt', 'events', 'mode', 'secret', 'updatedAt', 'url'])
      assert.deepEqual(created.events, ['conversation.created', 'message.created', 'conversation.transferred', 'conversation.closed'])
      const read = await call('GET', 'desk-connector', undefined, 200)
      assert.equal(read.secret, undefined)
      assert.deepEqual(read, { url: desk.origin + path, mode: 'instead', events: created.events, createdAt: created.createdAt, updatedAt: created.updatedAt, disabledAt: null })
      const updated = await call('PUT', 'desk-connector', { url: desk.origin + path + '?tenant=7', mode: 'alongside', events: ['conversation.closed', 'conversation.created'] }, 200)
      assert.equal(updated.secret, undefined)
      assert.deepEqual(updated.events, ['conversation.created', 'conversation.closed'])
      assert.equal(updated.mode, 'alongside')
      const stored = await t.runtime.db.selectFrom('webhook_endpoints').select('secret').where('account_id', '=', account).executeTakeFirstOrThrow()
      assert.ok(!stored.secret.includes(secret.slice(6)), 'the secret is sealed at rest')
      const rotated = await call('POST', 'desk-connector/secret', undefined, 200)
      assert.match(rotated.secret, /^whsec_/)
      assert.notEqual(rotated.secret, secret)
      assert.equal((await call('GET', 'desk-connector', undefined, 200)).secret, undefined)
    })

    test('events reach the desk signed per Standard Webhooks, verified by the standardwebhooks library, in the recommended shape', async () => {
      const { account, secret, path } = await connectedBrand()
      const data = { conversationId: 'c-1', skill: 'support', consumer: { channel: 'sms' } }
      assert.equal(await emit(account, { type: 'conversation.created', key: 'c-1', data }), 1)
      assert.equal(await t.app.webhooks.runOnce(), 1)
      const [request] = desk.received(path)
      assert.ok(request)
      assert.equal(request.method, 'POST')
      assert.equal(request.headers['content-type'], 'application/json')
      assert.match(request.headers['webhook-id']!, /^msg_[0-9a-z]+$/)
      assert.equal(request.headers['webhook-timestamp'], String(Math.floor(t.clock.now().getTime() / 1000)))
      assert.deepEqual(FakeDesk.verify(secret, request), { type: 'conversation.created', timestamp: t.clock.now().toISOString(), data })
      assert.throws(() => FakeDesk.verify('whsec_' + Buffer.alloc(32, 1).toString('base64'), request), /signature/i)
      const [row] = await deliveries(account)
      assert.equal(row!.status, 'sent')
      assert.equal(row!.id, request.headers['webhook-id'])
    })

    test('a rotated secret signs every attempt from then on, retries of earlier events included', async () => {
      const { account, call, path, secret } = await connectedBrand()
      desk.answer(path, { status: 500 })
      await emit(account, { type: 'message.created', key: 'c-1' })
      await t.app.webhooks.runOnce()
      const { secret: rotated } = await call('POST', 'desk-connector/secret', undefined, 200)
      t.clock.advance(5_000)
      await t.app.webhooks.runOnce()
      const [first, second] = desk.received(path)
      FakeDesk.verify(secret, first!)
      FakeDesk.verify(rotated, second!)
      assert.throws(() => FakeDesk.verify(secret, second!))
    })

    test('only the subscribed events are queued; none for a brand without a desk', async () => {
      const { account } = await connectedBrand({ events: ['conversation.closed'] })
      assert.equal(await emit(account, { type: 'message.created', key: 'c-1' }, { type: 'conversation.created', key: 'c-1' }), 0)
      assert.equal(await emit(account, { type: 'conversation.closed', key: 'c-1' }), 1)
      const bare = String(nextAccount++)
      await provisionBrand(t.runtime, bare)
      assert.equal(await emit(bare, { type: 'conversation.created', key: 'c-1' }), 0)
      assert.equal(await deskMode(t.runtime.db, bare), null)
      assert.equal(await deskMode(t.runtime.db, account), 'instead')
    })

    test('a 500 is retried after the backoff, with the same webhook-id and a new timestamp and signature', async () => {
      const { account, secret, path } = await connectedBrand()
      desk.answer(path, { status: 500 })
      await emit(account, { type: 'conversation.created', key: 'c-1' })
      assert.equal(await t.app.webhooks.runOnce(), 1)
      assert.equal((await deliveries(account))[0]!.last_error, 'HTTP 500')
      t.clock.advance(4_000)
      assert.equal(await t.app.webhooks.runOnce(), 0, 'not before the backoff (5 s, less up to a tenth)')
      t.clock.advance(1_000)
      assert.equal(await t.app.webhooks.runOnce(), 1)
      const [first, second] = desk.received(path)
      assert.equal(first!.headers['webhook-id'], second!.headers['webhook-id'])
      assert.equal(Number(second!.headers['webhook-timestamp']) - Number(first!.headers['webhook-timestamp']), 5)
      assert.notEqual(first!.headers['webhook-signature'], second!.headers['webhook-signature'])
      assert.equal(first!.body, second!.body)
      FakeDesk.verify(secret, first!)
      FakeDesk.verify(secret, second!)
      const [row] = await deliveries(account)
      assert.equal(row!.status, 'sent')
      assert.equal(row!.attempts, 2)
      assert.equal(row!.last_error, null)
    })

    test('Retry-After in seconds is honoured: not re-sent before it, sent after', async () => {
      const { account, path } = await connectedBrand()
      desk.answer(path, { status: 503, headers: { 'retry-after': '120' } })
      await emit(account, { type: 'conversation.created', key: 'c-1' })
      await t.app.webhooks.runOnce()
      t.clock.advance(119_000)
      assert.equal(await t.app.webhooks.runOnce(), 0)
      assert.equal(desk.received(path).length, 1)
      t.clock.advance(1_000)
      assert.equal(await t.app.webhooks.runOnce(), 1)
      assert.equal(desk.received(path).length, 2)
      assert.equal((await deliveries(account))[0]!.status, 'sent')
    })

    test('Retry-After as an HTTP date is honoured', async () => {
      const { account, path } = await connectedBrand()
      desk.answer(path, { status: 429, headers: { 'retry-after': new Date(t.clock.now().getTime() + 60_000).toUTCString() } })
      await emit(account, { type: 'conversation.created', key: 'c-1' })
      await t.app.webhooks.runOnce()
      t.clock.advance(59_000)
      assert.equal(await t.app.webhooks.runOnce(), 0)
      t.clock.advance(1_000)
      assert.equal(await t.app.webhooks.runOnce(), 1)
      assert.equal(desk.received(path).length, 2)
    })

    test('in order per conversation: the second waits for the first; another conversation is not held back', async () => {
      const { account, secret, path } = await connectedBrand()
      desk.answerHolding(path, '"conversationId":"c-a"', { status: 500 })
      await emit(account, { type: 'conversation.created', key: 'c-a' }, { type: 'message.created', key: 'c-a' })
      await emit(account, { type: 'conversation.created', key: 'c-b' })
      assert.equal(await t.app.webhooks.runOnce(), 2, 'the head of each conversation')
      const sent = () => desk.received(path).map((r) => FakeDesk.verify(secret, r)).map((e) => `${(e.data as { conversationId: string }).conversationId} ${e.type}`)
      assert.deepEqual(sent().sort(), ['c-a conversation.created', 'c-b conversation.created'])
      assert.equal(await t.app.webhooks.runOnce(), 0, 'c-a\'s message waits for its creation, which waits out its backoff')
      t.clock.advance(5_000)
      assert.equal(await t.app.webhooks.runOnce(), 1)
      assert.equal(await t.app.webhooks.runOnce(), 1)
      assert.deepEqual(sent().filter((line) => line.startsWith('c-a')), ['c-a conversation.created', 'c-a conversation.created', 'c-a message.created'])
    })

    test('events queued at the same instant keep the order they were queued in', async () => {
      const { account, secret, path } = await connectedBrand()
      const types = ['conversation.created', 'message.created', 'message.created', 'conversation.transferred', 'message.created', 'conversation.closed']
      await emit(account, ...types.map((type) => ({ type, key: 'c-1' })))
      while ((await t.app.webhooks.runOnce()) > 0);
      assert.deepEqual(desk.received(path).map((r) => FakeDesk.verify(secret, r).type), types)
    })

    test('two instances delivering at once send each event once, each conversation in order', async () => {
      const { account, secret, path } = await connectedBrand()
      const second = await startSecondInstance(t, ENV)
      try {
        const types = ['conversation.created', 'message.created', 'message.created', 'conversation.closed']
        const conversations = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6']
        for (const type of types) await emit(account, ...conversations.map((key) => ({ type, key })))
        for (let round = 0; round < 50; round++) {
          const [a, b] = await Promise.all([t.app.webhooks.runOnce(), second.app.webhooks.runOnce()])
          if (a + b === 0) break
        }
        const received = desk.received(path)
        assert.equal(received.length, types.length * conversations.length)
        assert.equal(new Set(received.map((r) => r.headers['webhook-id'])).size, received.length, 'no event sent twice')
        for (const key of conversations) {
          const sent = received.map((r) => FakeDesk.verify(secret, r)).filter((e) => (e.data as { conversationId: string }).conversationId === key)
          assert.deepEqual(sent.map((e) => e.type), types, `${key} in order`)
        }
      } finally {
        await second.close()
      }
    })

    test('after its attempts are spent a delivery fails and the next of its conversation goes', async () => {
      const { account, path } = await connectedBrand()
      const dispatcher = new WebhookDispatcher(t.runtime.db, t.clock, t.runtime.secrets, silent, { ...DEFAULT_WEBHOOK_DISPATCHER_OPTIONS, maxAttempts: 3, trustedHosts: ['127.0.0.1'] })
      desk.answer(path, { status: 500 }, { status: 502 }, { status: 503 })
      await emit(account, { type: 'conversation.created', key: 'c-1' }, { type: 'message.created', key: 'c-1' })
      await dispatcher.runOnce()
      t.clock.advance(5_000)
      await dispatcher.runOnce()
      t.clock.advance(300_000)
      await dispatcher.runOnce()
      const [created, message] = await deliveries(account)
      assert.equal(created!.status, 'failed')
      assert.equal(created!.attempts, 3)
      assert.equal(created!.last_error, 'HTTP 503')
      assert.equal(message!.status, 'pending')
      assert.equal(await dispatcher.runOnce(), 1)
      assert.equal((await deliveries(account))[1]!.status, 'sent')
      assert.equal(desk.received(path).length, 4)
    })

    test('a delivery whose attempts died mid-send (lease ran out) ends failed, not retried forever', async () => {
      const { account, path } = await connectedBrand()
      await emit(account, { type: 'conversation.created', key: 'c-1' })
      const [row] = await deliveries(account)
      await t.runtime.db.updateTable('webhook_deliveries').set({ status: 'sending', attempts: t.config.webhookMaxAttempts, lease_until: t.clock.now().toISOString() }).where('id', '=', row!.id).execute()
      t.clock.advance(1_000)
      assert.equal(await t.app.webhooks.runOnce(), 1)
      assert.equal((await deliveries(account))[0]!.status, 'failed')
      assert.equal(desk.received(path).length, 0)
    })

    test('a desk that does not answer in time is retried; a long answer is not read past a few KB', async () => {
      const { account, path } = await connectedBrand()
      const impatient = new WebhookDispatcher(t.runtime.db, t.clock, t.runtime.secrets, silent, { ...DEFAULT_WEBHOOK_DISPATCHER_OPTIONS, timeoutMs: 300, trustedHosts: ['127.0.0.1'] })
      desk.answer(path, { hang: true, status: 200 }, { status: 200, body: 'x'.repeat(8 * 1024 * 1024) })
      await emit(account, { type: 'conversation.created', key: 'c-1' })
      const started = Date.now()
      assert.equal(await impatient.runOnce(), 1)
      assert.ok(Date.now() - started < 5_000)
      const [row] = await deliveries(account)
      assert.equal(row!.status, 'pending')
      assert.match(row!.last_error ?? '', /^no answer: .*(abort|timeout)/i)
      t.clock.advance(5_000)
      assert.equal(await impatient.runOnce(), 1)
      assert.equal((await deliveries(account))[0]!.status, 'sent')
    })

    test('a redirect is not followed: it is a failure, retried', async () => {
      const { account, path } = await connectedBrand()
      desk.answer(path, { status: 302, headers: { location: `${desk.origin}/elsewhere` } })
      await emit(account, { type: 'conversation.created', key: 'c-1' })
      await t.app.webhooks.runOnce()
      assert.equal(desk.received('/elsewhere').length, 0)
      const [row] = await deliveries(account)
      assert.equal(row!.status, 'pending')
      assert.equal(row!.last_error, `HTTP 302: redirects are not followed (to ${desk.origin}/elsewhere)`)
    })

    test('410 Gone disables the connector: nothing more is queued or sent until it is saved again', async () => {
      const { account, call, path, created } = await connectedBrand()
      desk.answer(path, { status: 410 })
      await emit(account, { type: 'conversation.created', key: 'c-1' }, { type: 'message.created', key: 'c-1' })
      await t.app.webhooks.runOnce()
      assert.deepEqual((await deliveries(account)).map((d) => d.status), ['failed', 'failed'])
      const read = await call('GET', 'desk-connector', undefined, 200)
      assert.equal(read.disabledAt, t.clock.now().toISOString())
      assert.equal(await deskMode(t.runtime.db, account), null, 'the built-in agents take the conversations again')
      assert.equal(await emit(account, { type: 'message.created', key: 'c-1' }), 0)
      const saved = await call('PUT', 'desk-connector', { url: created.url, mode: 'instead' }, 200)
      assert.equal(saved.disabledAt, null)
      assert.equal(await deskMode(t.runtime.db, account), 'instead')
      assert.equal(await emit(account, { type: 'message.created', key: 'c-1' }), 1)
      assert.equal(await t.app.webhooks.runOnce(), 1)
      assert.equal(desk.received(path).length, 2)
    })

    test('DELETE stops deliveries: what was queued is dropped and nothing more is queued', async () => {
      const { account, call, path } = await connectedBrand()
      desk.answer(path, { status: 500 })
      await emit(account, { type: 'conversation.created', key: 'c-1' }, { type: 'message.created', key: 'c-1' })
      await t.app.webhooks.runOnce()
      await call('DELETE', 'desk-connector', undefined, 204)
      t.clock.advance(3_600_000)
      assert.equal(await t.app.webhooks.runOnce(), 0)
      assert.equal(desk.received(path).length, 1)
      assert.deepEqual(await deliveries(account), [])
      assert.equal(await emit(account, { type: 'message.created', key: 'c-1' }), 0)
      await call('GET', 'desk-connector', undefined, 404)
      await call('DELETE', 'desk-connector', undefined, 404)
      await call('POST', 'desk-connector/secret', undefined, 404)
      assert.equal(await deskMode(t.runtime.db, account), null)
    })

    test('a started dispatcher delivers when kicked, and stops cleanly', async () => {
      const { account, path } = await connectedBrand()
      const dispatcher = new WebhookDispatcher(t.runtime.db, t.clock, t.runtime.secrets, silent, { ...DEFAULT_WEBHOOK_DISPATCHER_OPTIONS, pollIntervalMs: 60_000, trustedHosts: ['127.0.0.1'] })
      dispatcher.start()
      try {
        await new Promise((resolve) => setTimeout(resolve, 50))
        await emit(account, { type: 'conversation.created', key: 'c-1' }, { type: 'message.created', key: 'c-1' })
        dispatcher.kick()
        const deadline = Date.now() + 5_000
        while (desk.received(path).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
        assert.equal(desk.received(path).length, 2, 'both, the second right after the first, without waiting for the poll interval')
      } finally {
        await dispatcher.stop()
      }
    })

    describe('the URL: a tenant\'s choice, never a way into our network', () => {
      const refused: Array<[string, RegExp]> = [
        ['http://10.0.0.1/hook', /must use https/],
        ['https://10.0.0.1/hook', /10\.0\.0\.1 is a private address/],
        ['https://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
        ['https://[fd00:ec2::254]/', /private address/],
        ['https://127.0.0.2:8443/hook', /127\.0\.0\.2 is a loopback address/],
        ['https://[::1]/hook', /\[::1\] is a loopback address/],
        ['https://[::ffff:127.0.0.1]/hook', /loopback/],
        ['https://2130706434/hook', /127\.0\.0\.2 is a loopback address/],
        ['https://localhost/hook', /localhost resolves to (127\.0\.0\.1|::1), a loopback address/],
        ['https://user:pass@desk.example.com/hook', /must not carry credentials/],
        ['https://desk.example.com/hook#frag', /must not carry a fragment/],
        ['ftp://desk.example.com/hook', /must use https/],
        ['desk.example.com/hook', /must be an absolute https URL/],
        ['http://desk.example.com/hook', /must use https/],
      ]
      for (const [url, reason] of refused) {
        test(`${url} → 400 1000 with the reason on the url field`, async () => {
          const account = String(nextAccount++)
          const key = await provisionBrand(t.runtime, account)
          const res = await signedRequest(t, key, 'PUT', `/api/account/${account}/desk-connector`, { url, mode: 'instead' })
          assert.equal(res.statusCode, 400, res.body)
          const body = json(res)
          assert.equal(body.errorCode, 1000)
          assert.equal(body.fields?.length, 1, res.body)
          assert.equal(body.fields[0].field, 'url')
          assert.match(body.fields[0].message, reason)
          assert.equal(await deskMode(t.runtime.db, account), null)
        })
      }

      test('bounded bodies: a long URL, an unknown event, more than four, repeats, extra fields, a bad mode → 400', async () => {
        const account = String(nextAccount++)
        const key = await provisionBrand(t.runtime, account)
        const bodies = [
          { url: `https://desk.example.com/${'a'.repeat(2040)}`, mode: 'instead' },
          { url: 'https://desk.example.com/hook', mode: 'instead', events: ['conversation.deleted'] },
          { url: 'https://desk.example.com/hook', mode: 'instead', events: ['message.created', 'message.created'] },
          { url: 'https://desk.example.com/hook', mode: 'instead', events: [...Array(5)].map(() => 'message.created') },
          { url: 'https://desk.example.com/hook', mode: 'instead', events: [] },
          { url: 'https://desk.example.com/hook', mode: 'instead', secret: 'whsec_mine' },
          { url: 'https://desk.example.com/hook', mode: 'sometimes' },
          { url: 'https://desk.example.com/hook' },
        ]
        for (const body of bodies) {
          const res = await signedRequest(t, key, 'PUT', `/api/account/${account}/desk-connector`, body)
          assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 200)}: ${res.body}`)
          assert.equal(json(res).errorCode, 1000)
        }
      })

      test('a URL stored before the operator stopped trusting its host is refused at each attempt', async () => {
        const { account, path } = await connectedBrand()
        await emit(account, { type: 'conversation.created', key: 'c-1' })
        const untrusting = new WebhookDispatcher(t.runtime.db, t.clock, t.runtime.secrets, silent, { ...DEFAULT_WEBHOOK_DISPATCHER_OPTIONS, trustedHosts: [] })
        assert.equal(await untrusting.runOnce(), 1)
        assert.equal(desk.received(path).length, 0)
        const [row] = await deliveries(account)
        assert.equal(row!.status, 'pending')
        assert.equal(row!.last_error, `not sent: ${desk.origin}${path} must use https`)
      })

      test('a name that resolves to loopback is refused by the connection\'s own lookup', async () => {
        const { account } = await connectedBrand()
        // As if DNS had changed since the URL was saved.
        await t.runtime.db.updateTable('webhook_endpoints').set({ url: 'https://localhost:1/hook' }).where('account_id', '=', account).execute()
        await emit(account, { type: 'conversation.created', key: 'c-1' })
        await t.app.webhooks.runOnce()
        const [row] = await deliveries(account)
        assert.equal(row!.status, 'pending')
        assert.match(row!.last_error ?? '', /^no answer: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/)
      })
    })

    describe('access', () => {
      test('another brand\'s key is refused 403; a key without management 403 1101; no credentials 401', async () => {
        const { account } = await connectedBrand()
        const other = String(nextAccount++)
        const otherKey = await provisionBrand(t.runtime, other)
        for (const [method, resource] of [['GET', 'desk-connector'], ['PUT', 'desk-connector'], ['POST', 'desk-connector/secret'], ['DELETE', 'desk-connector']] as const) {
          const res = await signedRequest(t, otherKey, method, `/api/account/${account}/${resource}`, method === 'PUT' ? { url: `${desk.origin}/x`, mode: 'alongside' } : undefined)
          assert.equal(res.statusCode, 403, `${method} ${resource}: ${res.body}`)
        }
        const ivrAccount = String(nextAccount++)
        const ivrOnly = await provisionBrand(t.runtime, ivrAccount, ['ivr-engagement'])
        const limited = await signedRequest(t, ivrOnly, 'GET', `/api/account/${ivrAccount}/desk-connector`)
        assert.equal(limited.statusCode, 403)
        assert.equal(json(limited).errorCode, 1101)
        const anonymous = await t.app.inject({ method: 'GET', url: `/api/account/${account}/desk-connector` })
        assert.equal(anonymous.statusCode, 401)
        assert.equal((await brandCall(t, otherKey, other)('GET', 'desk-connector', undefined, 404)).errorCode, 1004)
      })
    })
  })
}
