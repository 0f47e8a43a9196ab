import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { after, afterEach, before, beforeEach, describe, test } from 'node:test'
import { pino } from 'pino'
import { ManualClock, dialects, json, provisionBrand, signedRequest, startApp, startSecondInstance, type TestApp, type TestDialect } from '../helper.ts'
import type { AdapterRegistry } from '../../src/channels/adapter-registry.ts'
import { type ChannelAdapter, DeliveryError, type SendResult } from '../../src/channels/channel-adapter.ts'
import type { OutboundMessage } from '../../src/channels/outbound-message.ts'
import { SandboxAdapter } from '../../src/channels/sandbox.adapter.ts'
import { type DemoCredentials, seedDemoBrand } from '../../src/demo/seed.ts'
import { DEFAULT_DISPATCHER_OPTIONS, Dispatcher, type DispatcherOptions } from '../../src/delivery/dispatcher.ts'
import { claimDue, enqueue, findOutboxByCall, settle } from '../../src/delivery/outbox.repository.ts'
import type { Db } from '../../src/store/database.ts'

// Crash safety of the transactional outbox and the dispatcher's claim, lease and retry rules,
// over a real store. Deliveries run in explicit `runOnce` rounds (DELIVERY_WORKER=false) except
// where the background dispatcher of a restarted instance is the point of the test.

// Suites make far more than 30 C2M calls per second to the demo brand: lift the rate limit.
const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }
const LEASE_MS = DEFAULT_DISPATCHER_OPTIONS.leaseSeconds * 1000
const silent = pino({ level: 'silent' })

function phones(): () => string {
  let next = 2000
  return () => `+1425954${next++}`
}

/** Eligibility then invite for the demo brand's SMS handoff, through `t`; the call's id. */
async function invited(t: TestApp, demo: DemoCredentials, phone: string): Promise<string> {
  const base = `/api/account/${demo.accountId}`
  const eligibility = await signedRequest(t, demo.apiKey, 'POST', `${base}/eligibility?v=2.0`, { consumerPhoneNumber: phone, handoffId: demo.handoffId, skill: 'support', templateVariables: { '1': 'Jane' } })
  assert.equal(eligibility.statusCode, 200, eligibility.body)
  const { callId, eligible } = json(eligibility)
  assert.equal(eligible, true)
  const invite = await signedRequest(t, demo.apiKey, 'POST', `${base}/invite?v=2.0`, { callId })
  assert.equal(invite.statusCode, 200, invite.body)
  return callId
}

async function inbox(t: TestApp, demo: DemoCredentials, consumer?: string): Promise<any[]> {
  const query = consumer ? `?consumer=${encodeURIComponent(consumer)}&limit=500` : '?limit=500'
  const res = await signedRequest(t, demo.apiKey, 'GET', `/api/account/${demo.accountId}/sandbox/messages${query}`)
  assert.equal(res.statusCode, 200, res.body)
  return json(res).items
}

/** Polls until `check` returns a value, every 50 ms for at most 10 s. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) assert.fail(`timed out after 10 s waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** An adapter registry answering every brand and channel with one adapter (a provider's stand-in). */
function registryOf(adapter: ChannelAdapter): AdapterRegistry {
  const registry: Pick<AdapterRegistry, 'adapterFor'> = { adapterFor: async () => adapter }
  return registry as AdapterRegistry
}

/** A provider stand-in: each send gets the outcome the script gives for that attempt. */
class ScriptedAdapter implements ChannelAdapter {
  readonly provider = 'scripted'
  readonly sent: OutboundMessage[] = []
  constructor(private readonly script: (attempt: number) => SendResult | unknown) {}
  async send(message: OutboundMessage): Promise<SendResult> {
    this.sent.push(message)
    const outcome = this.script(this.sent.length)
    if (outcome instanceof Error || typeof outcome !== 'object' || outcome === null) throw outcome
    return outcome as SendResult
  }
}

function suite(dialect: TestDialect): void {
  describe(`outbox crash safety (${dialect.name})`, () => {
    test('an outbox row written but not sent is delivered, once, by the next instance\'s background dispatcher', async () => {
      const first = await startApp(dialect, ENV)
      let second: TestApp | undefined
      try {
        const demo = (await seedDemoBrand(first.runtime))!
        const phone = '+14259549855'
        const callId = await invited(first, demo, phone)
        assert.equal((await findOutboxByCall(first.runtime.db, callId))?.status, 'pending')
        assert.deepEqual(await inbox(first, demo, phone), [])

        // The instance goes away after answering the invite and before anything was sent; the store stays.
        await first.app.close()
        await first.runtime.close()

        // A new instance over the same store, with the default background dispatcher.
        second = await startSecondInstance(first, { RATE_LIMIT: '1000000' })
        assert.equal(second.config.deliveryWorker, true)
        const s = second
        const items = await eventually('the sandbox message', async () => {
          const found = await inbox(s, demo, phone)
          return found.length > 0 ? found : undefined
        })
        assert.equal(items.length, 1)
        assert.equal(items[0].callId, callId)
        assert.equal(items[0].text, 'Hi Jane, thanks for calling Demo Brand. Reply here to keep talking with us by text.\nReply STOP to opt out')
        const row = await eventually('the row settled', async () => {
          const found = await findOutboxByCall(s.runtime.db, callId)
          return found?.status === 'sent' ? found : undefined
        })
        assert.equal(row.attempts, 1)
        // Nothing is left for another round, by either the background dispatcher or this one.
        assert.equal(await second.app.dispatcher.runOnce(), 0)
        assert.equal((await inbox(second, demo, phone)).length, 1)
      } finally {
        await second?.close()
        await first.close()
      }
    })

    test('a row the dead instance had claimed (died mid-send) is delivered by the next instance once its lease runs out', async () => {
      const first = await startApp(dialect, ENV)
      let second: TestApp | undefined
      try {
        const demo = (await seedDemoBrand(first.runtime))!
        const phone = '+14259549856'
        const callId = await invited(first, demo, phone)
        const now = first.clock.now().getTime()
        const claimed = await claimDue(first.runtime.db, new Date(now).toISOString(), new Date(now + LEASE_MS).toISOString(), 10)
        assert.deepEqual(
          claimed.map((e) => e.callId),
          [callId],
        )
        await first.app.close()
        await first.runtime.close()

        second = await startSecondInstance(first, { RATE_LIMIT: '1000000' })
        const s = second
        // The lease still holds the row: no dispatcher may take it yet.
        assert.equal(await s.app.dispatcher.runOnce(), 0)
        assert.deepEqual(await inbox(s, demo, phone), [])

        s.clock.advance(LEASE_MS + 1)
        const items = await eventually('the sandbox message', async () => {
          const found = await inbox(s, demo, phone)
          return found.length > 0 ? found : undefined
        })
        assert.equal(items.length, 1)
        assert.equal(items[0].callId, callId)
        const row = await eventually('the row settled', async () => {
          const found = await findOutboxByCall(s.runtime.db, callId)
          return found?.status === 'sent' ? found : undefined
        })
        assert.equal(row.attempts, 2, 'the dead claim and the delivering one')
        assert.equal(await s.app.dispatcher.runOnce(), 0)
      } finally {
        await second?.close()
        await first.close()
      }
    })
  })

  describe(`dispatcher leases (${dialect.name})`, () => {
    let t: TestApp
    let demo: DemoCredentials
    const nextPhone = phones()
    const deadClaim = async () => {
      const now = t.clock.now().getTime()
      return claimDue(t.runtime.db, new Date(now).toISOString(), new Date(now + LEASE_MS).toISOString(), 10)
    }

    before(async () => {
      t = await startApp(dialect, ENV)
      demo = (await seedDemoBrand(t.runtime))!
    })
    afterEach(async () => {
      t.clock.advance(LEASE_MS + 1000)
      while ((await t.app.dispatcher.runOnce()) > 0);
    })
    after(() => t?.close())

    test('a row left `sending` by a dead dispatcher is not re-sent before its lease expires, and is sent once after', async () => {
      const phone = nextPhone()
      const callId = await invited(t, demo, phone)
      const claimed = await deadClaim()
      assert.equal(claimed.length, 1)
      const [dead] = claimed
      assert.equal(dead?.callId, callId)
      assert.equal(dead?.status, 'sending')
      assert.equal(dead?.attempts, 1)

      assert.equal(await t.app.dispatcher.runOnce(), 0, 'the lease holds the row')
      t.clock.advance(LEASE_MS - 1000)
      assert.equal(await t.app.dispatcher.runOnce(), 0, 'a second before the lease ends')
      t.clock.advance(1000)
      assert.equal(await t.app.dispatcher.runOnce(), 0, 'at the instant the lease ends')
      assert.deepEqual(await inbox(t, demo, phone), [])

      t.clock.advance(1)
      assert.equal(await t.app.dispatcher.runOnce(), 1, 'the lease ran out: the row is taken again')
      const items = await inbox(t, demo, phone)
      assert.equal(items.length, 1)
      assert.equal(items[0].callId, callId)
      const row = await findOutboxByCall(t.runtime.db, callId)
      assert.equal(row?.status, 'sent')
      assert.equal(row?.attempts, 2)
      assert.equal(row?.leaseUntil, null)

      t.clock.advance(LEASE_MS * 10)
      assert.equal(await t.app.dispatcher.runOnce(), 0)
      assert.equal((await inbox(t, demo, phone)).length, 1)
    })

    test('a late settle from the dead claim does not overwrite the new outcome', async () => {
      const phone = nextPhone()
      const callId = await invited(t, demo, phone)
      const [dead] = await deadClaim()
      assert.ok(dead)
      t.clock.advance(LEASE_MS + 1)
      assert.equal(await t.app.dispatcher.runOnce(), 1)
      const delivered = await findOutboxByCall(t.runtime.db, callId)
      assert.equal(delivered?.status, 'sent')

      const now = t.clock.now().toISOString()
      await settle(t.runtime.db, { id: dead.id, attempts: dead.attempts }, { status: 'failed', error: 'late: the dead dispatcher woke up' }, now)
      await settle(t.runtime.db, { id: dead.id, attempts: dead.attempts }, { status: 'pending', error: 'late: retry', availableAt: now }, now)
      assert.deepEqual(await findOutboxByCall(t.runtime.db, callId), delivered)
      assert.equal(await t.app.dispatcher.runOnce(), 0)
      assert.equal((await inbox(t, demo, phone)).length, 1)
    })

    test('a late settle is ignored while the new claim is still sending; the new claim\'s settle counts', async () => {
      const callId = await invited(t, demo, nextPhone())
      const [dead] = await deadClaim()
      assert.ok(dead)
      t.clock.advance(LEASE_MS + 1)
      const [live] = await deadClaim()
      assert.equal(live?.id, dead.id)
      assert.equal(live?.attempts, 2)

      const now = t.clock.now().toISOString()
      await settle(t.runtime.db, { id: dead.id, attempts: dead.attempts }, { status: 'sent', providerMessageId: 'from-the-dead-claim' }, now)
      const during = await findOutboxByCall(t.runtime.db, callId)
      assert.equal(during?.status, 'sending', 'the status belongs to the live claim')
      assert.equal(during?.providerMessageId, null)

      await settle(t.runtime.db, { id: live.id, attempts: live.attempts }, { status: 'failed', error: 'invalid_number: no' }, now)
      const settled = await findOutboxByCall(t.runtime.db, callId)
      assert.equal(settled?.status, 'failed')
      assert.equal(settled?.lastError, 'invalid_number: no')
    })
  })

  describe(`two dispatchers over one store (${dialect.name})`, () => {
    let first: TestApp
    let second: TestApp
    let demo: DemoCredentials
    const nextPhone = phones()
    const N = 20

    before(async () => {
      first = await startApp(dialect, ENV)
      second = await startSecondInstance(first, ENV)
      demo = (await seedDemoBrand(first.runtime))!
    })
    after(async () => {
      await second?.close()
      await first?.close()
    })

    test(`${N} invites: runOnce on both instances concurrently delivers each exactly once`, async () => {
      const callIds: string[] = []
      for (let i = 0; i < N; i++) callIds.push(await invited(i % 2 === 0 ? first : second, demo, nextPhone()))

      let claims = 0
      for (let round = 0; round < N; round++) {
        const handled = await Promise.all([first.app.dispatcher.runOnce(), second.app.dispatcher.runOnce()])
        claims += handled[0] + handled[1]
        if (handled[0] + handled[1] === 0) break
      }
      assert.equal(claims, N, 'every row was claimed once, by one of the two')

      const perCall = new Map<string, number>()
      for (const message of await inbox(first, demo)) perCall.set(message.callId, (perCall.get(message.callId) ?? 0) + 1)
      assert.deepEqual([...perCall.keys()].sort(), [...callIds].sort())
      for (const [callId, count] of perCall) assert.equal(count, 1, `messages for ${callId}`)
      for (const callId of callIds) {
        const row = await findOutboxByCall(first.runtime.db, callId)
        assert.equal(row?.status, 'sent')
        assert.equal(row?.attempts, 1)
      }
    })

    test('small batches racing over two connections: every message is handed to a provider exactly once', async () => {
      const callIds: string[] = []
      for (let i = 0; i < N; i++) callIds.push(await invited(first, demo, nextPhone()))
      // Providers that yield before sending widen the window in which a second claim could slip in.
      const counting = (db: Db, sends: string[]): AdapterRegistry => {
        const sandbox = new SandboxAdapter(db, first.clock)
        return registryOf({
          provider: 'counting-sandbox',
          async send(message) {
            sends.push(message.id)
            await yieldToLoop()
            return sandbox.send(message)
          },
        })
      }
      const options: DispatcherOptions = { ...DEFAULT_DISPATCHER_OPTIONS, batchSize: 3 }
      const sendsA: string[] = []
      const sendsB: string[] = []
      const a = new Dispatcher(first.runtime.db, first.clock, counting(first.runtime.db, sendsA), silent, options)
      const b = new Dispatcher(second.runtime.db, first.clock, counting(second.runtime.db, sendsB), silent, options)
      for (let round = 0; round < N; round++) {
        const handled = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()])
        if (handled.every((n) => n === 0)) break
      }
      const sends = [...sendsA, ...sendsB]
      assert.equal(sends.length, N)
      assert.equal(new Set(sends).size, N, 'no message was handed to a provider twice')
      for (const callId of callIds) {
        const row = await findOutboxByCall(first.runtime.db, callId)
        assert.equal(row?.status, 'sent')
        assert.ok(sends.includes(row.id))
      }
    })
  })

  describe(`dispatcher retry classification (${dialect.name})`, () => {
    let t: TestApp
    let clock: ManualClock
    const ACCOUNT = '5301'
    const options: DispatcherOptions = { ...DEFAULT_DISPATCHER_OPTIONS, batchSize: 10, pollIntervalMs: 50, leaseSeconds: 30, maxAttempts: 5 }

    /** One outbox row due now, as an invite writes it; its call id. */
    async function enqueueOne(): Promise<string> {
      const callId = randomUUID()
      const message: OutboundMessage = { id: randomUUID(), accountId: ACCOUNT, kind: 'invitation', callId, channel: 'sms', to: '+14259549855', from: '+18005550100', text: 'Hi\nReply STOP to opt out', skill: 'support', lookbackMinutes: 60 }
      await enqueue(t.runtime.db, message, clock.now().toISOString())
      return callId
    }
    const dispatcherWith = (adapter: ChannelAdapter, overrides: Partial<DispatcherOptions> = {}) => new Dispatcher(t.runtime.db, clock, registryOf(adapter), silent, { ...options, ...overrides })
    const row = async (callId: string) => {
      const found = await findOutboxByCall(t.runtime.db, callId)
      assert.ok(found, 'the outbox row exists')
      return found
    }
    const delayOf = (availableAt: string) => Date.parse(availableAt) - clock.now().getTime()

    before(async () => {
      t = await startApp(dialect, ENV)
      clock = t.clock
      await provisionBrand(t.runtime, ACCOUNT)
    })
    // Each test sees only its own rows.
    beforeEach(async () => {
      await t.runtime.db.deleteFrom('outbox').execute()
    })
    after(() => t?.close())

    test('a transient failure puts the row back to pending with a backoff delay and one more attempt; a later round sends it', async () => {
      const adapter = new ScriptedAdapter((attempt) => (attempt <= 2 ? new DeliveryError('transient', 'provider_unavailable', 'HTTP 503') : { providerMessageId: 'SM123', status: 'sent' }))
      const dispatcher = dispatcherWith(adapter)
      const callId = await enqueueOne()

      assert.equal(await dispatcher.runOnce(), 1)
      let current = await row(callId)
      assert.equal(current.status, 'pending')
      assert.equal(current.attempts, 1)
      assert.equal(current.leaseUntil, null)
      assert.equal(current.lastError, 'sms provider_unavailable: HTTP 503')
      const first = delayOf(current.availableAt)
      assert.ok(first >= 500 && first <= 1000, `first retry in ${first} ms: between 0.5 and 1 s`)
      assert.equal(await dispatcher.runOnce(), 0, 'not due before its time')

      clock.advance(first)
      assert.equal(await dispatcher.runOnce(), 1)
      current = await row(callId)
      assert.equal(current.status, 'pending')
      assert.equal(current.attempts, 2)
      const second = delayOf(current.availableAt)
      assert.ok(second >= 1000 && second <= 2000, `second retry in ${second} ms: between 1 and 2 s`)

      clock.advance(second)
      assert.equal(await dispatcher.runOnce(), 1)
      current = await row(callId)
      assert.equal(current.status, 'sent')
      assert.equal(current.attempts, 3)
      assert.equal(current.providerMessageId, 'SM123')
      assert.equal(current.lastError, null)
      assert.equal(adapter.sent.length, 3)
      assert.ok(adapter.sent.every((m) => m.callId === callId))
    })

    test('a transient failure with the provider\'s Retry-After waits exactly that long', async () => {
      const adapter = new ScriptedAdapter(() => new DeliveryError('transient', 'rate_limited', '429 Too Many Requests', 45_000))
      const dispatcher = dispatcherWith(adapter)
      const callId = await enqueueOne()
      assert.equal(await dispatcher.runOnce(), 1)
      const current = await row(callId)
      assert.equal(current.status, 'pending')
      assert.equal(current.lastError, 'sms rate_limited: 429 Too Many Requests')
      assert.equal(delayOf(current.availableAt), 45_000)
      clock.advance(44_999)
      assert.equal(await dispatcher.runOnce(), 0)
      clock.advance(1)
      assert.equal(await dispatcher.runOnce(), 1)
      assert.equal(adapter.sent.length, 2)
    })

    test('a permanent failure marks the row failed at once, with the code and message, and it is never retried', async () => {
      const adapter = new ScriptedAdapter(() => new DeliveryError('permanent', 'invalid_number', 'The number cannot receive SMS'))
      const dispatcher = dispatcherWith(adapter)
      const callId = await enqueueOne()
      assert.equal(await dispatcher.runOnce(), 1)
      const current = await row(callId)
      assert.equal(current.status, 'failed')
      assert.equal(current.attempts, 1)
      assert.equal(current.leaseUntil, null)
      assert.equal(current.lastError, 'sms invalid_number: The number cannot receive SMS')
      clock.advance(24 * 3600 * 1000)
      assert.equal(await dispatcher.runOnce(), 0)
      assert.equal(adapter.sent.length, 1)
    })

    test('a plain Error (or anything thrown) is treated as transient', async () => {
      const adapter = new ScriptedAdapter((attempt) => (attempt === 1 ? new Error('socket hang up') : 'a thrown string'))
      const dispatcher = dispatcherWith(adapter)
      const callId = await enqueueOne()
      assert.equal(await dispatcher.runOnce(), 1)
      let current = await row(callId)
      assert.equal(current.status, 'pending')
      assert.equal(current.attempts, 1)
      assert.equal(current.lastError, 'sms internal: socket hang up')
      const delay = delayOf(current.availableAt)
      assert.ok(delay >= 500 && delay <= 1000, `retry in ${delay} ms`)

      clock.advance(delay)
      assert.equal(await dispatcher.runOnce(), 1)
      current = await row(callId)
      assert.equal(current.status, 'pending')
      assert.equal(current.lastError, 'sms internal: a thrown string')
    })

    test('transient failures up to maxAttempts end in failed, after exactly maxAttempts sends', async () => {
      const adapter = new ScriptedAdapter(() => new DeliveryError('transient', 'provider_unavailable', 'HTTP 503'))
      const dispatcher = dispatcherWith(adapter, { maxAttempts: 3 })
      const callId = await enqueueOne()
      const statuses: string[] = []
      for (let round = 0; round < 10; round++) {
        if ((await dispatcher.runOnce()) === 0) break
        statuses.push((await row(callId)).status)
        // Longer than any backoff (capped at 5 minutes).
        clock.advance(301_000)
      }
      assert.deepEqual(statuses, ['pending', 'pending', 'failed'])
      const current = await row(callId)
      assert.equal(current.attempts, 3)
      assert.equal(current.lastError, 'sms provider_unavailable: HTTP 503')
      assert.equal(adapter.sent.length, 3)
    })

    test('a row whose claims keep dying is failed once the attempts are spent, without another send', async () => {
      const adapter = new ScriptedAdapter(() => ({ providerMessageId: 'never', status: 'sent' }))
      const dispatcher = dispatcherWith(adapter, { maxAttempts: 2 })
      const callId = await enqueueOne()
      // Two dispatchers die mid-send: each claim is taken and never settled.
      for (let i = 0; i < 2; i++) {
        const now = clock.now()
        assert.equal((await claimDue(t.runtime.db, now.toISOString(), new Date(now.getTime() + 30_000).toISOString(), 10)).length, 1)
        clock.advance(31_000)
      }
      assert.equal(await dispatcher.runOnce(), 1)
      const current = await row(callId)
      assert.equal(current.status, 'failed')
      assert.equal(current.attempts, 3)
      assert.match(current.lastError ?? '', /^attempts-exhausted/)
      assert.equal(adapter.sent.length, 0)
    })
  })
}

for (const dialect of dialects) suite(dialect)
