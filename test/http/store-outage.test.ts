import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import { setTimeout } from 'node:timers/promises'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp, type App } from '../../src/app.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
import { isStoreUnavailable } from '../../src/store/unavailable.ts'
import { PUBLIC_ORIGIN, dialects, signAt, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

const ACCOUNT = '6101'
const SMS_FROM = '+18005550101'
const CONSUMER = '+14259549855'
const PG_URL = process.env.TEST_DATABASE_URL

/**
 * A TCP proxy owned by the test, between the service and PostgreSQL: `cut` closes every
 * connection and refuses new ones; `blackhole` keeps every connection open, old and new, and
 * forwards nothing (a partitioned network, a server that stopped answering); `restore` closes
 * them all and forwards again.
 */
class StoreProxy {
  readonly #sockets = new Set<net.Socket>()
  #server: net.Server | undefined
  #mode: 'forward' | 'blackhole' = 'forward'
  port = 0

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      this.#track(client)
      if (this.#mode === 'blackhole') return
      const upstream = net.connect(this.target)
      this.#track(upstream)
      // Forwarded chunk by chunk, so that a black hole can stop connections already open.
      client.on('data', (chunk) => this.#mode === 'forward' && upstream.write(chunk))
      upstream.on('data', (chunk) => this.#mode === 'forward' && client.write(chunk))
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.port = (server.address() as net.AddressInfo).port
    this.#server = server
  }

  async cut(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    if (server) await new Promise((resolve) => server.close(resolve))
  }

  async blackhole(): Promise<void> {
    this.#mode = 'blackhole'
    if (!this.#server) await this.start()
  }

  async restore(): Promise<void> {
    await this.cut()
    this.#mode = 'forward'
    await this.start()
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket)
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.#sockets.delete(socket))
  }
}

describe('store unavailability is recognised from the errors the drivers really raise', () => {
  test('SQLite busy past its timeout', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-busy-'))
    const file = path.join(dir, 'busy.sqlite')
    const holder = new SQLite(file)
    const waiter = new SQLite(file, { timeout: 0 })
    try {
      holder.exec('create table t (x integer)')
      holder.exec('begin exclusive')
      let raised: unknown
      try {
        waiter.prepare('select * from t').all()
      } catch (error) {
        raised = error
      }
      assert.ok(raised, 'the read waited out its timeout and failed')
      assert.equal(isStoreUnavailable(raised), true, String(raised))
      holder.exec('rollback')
      // A query that is wrong is not an outage.
      assert.equal(isStoreUnavailable(captureSync(() => waiter.prepare('select * from missing').all())), false)
      waiter.exec('create table u (id integer primary key)')
      waiter.exec('insert into u values (1)')
      assert.equal(isStoreUnavailable(captureSync(() => waiter.exec('insert into u values (1)'))), false)
    } finally {
      holder.close()
      waiter.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('PostgreSQL refused, connection timed out, terminated by the administrator; not a wrong query', { skip: PG_URL ? false : 'TEST_DATABASE_URL unset' }, async () => {
    const closed = net.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as net.AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const refused = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', connectionTimeoutMillis: 1_000 })
    assert.equal(isStoreUnavailable(await capture(refused.query('select 1'))), true)
    await refused.end()

    const silent = net.createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const timedOut = new pg.Pool({ host: '127.0.0.1', port: (silent.address() as net.AddressInfo).port, user: 'postgres', connectionTimeoutMillis: 100 })
    assert.equal(isStoreUnavailable(await capture(timedOut.query('select 1'))), true)
    await timedOut.end()
    silent.close()

    const victim = new pg.Client({ connectionString: PG_URL })
    victim.on('error', () => {})
    await victim.connect()
    const { rows } = await victim.query<{ pid: number }>('select pg_backend_pid() as pid')
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    try {
      assert.equal(isStoreUnavailable(await capture(admin.query('select * from no_such_table'))), false)
      await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid])
      const terminated = await capture(victim.query('select 1'))
      assert.equal(isStoreUnavailable(terminated), true, String(terminated))
    } finally {
      await admin.end()
      await victim.end().catch(() => {})
    }
  })

  test('errors that are not about the store', () => {
    for (const error of [new Error('boom'), new TypeError('x is undefined'), Object.assign(new Error('duplicate'), { code: '23505' }), null, undefined, 'ECONNREFUSED']) {
      assert.equal(isStoreUnavailable(error), false, String(error))
    }
  })
})

describe('a PostgreSQL outage answers 503 5003 at once and the service recovers', { skip: PG_URL ? false : 'TEST_DATABASE_URL unset' }, () => {
  let t: TestApp
  let key: IssuedApiKey
  let proxy: StoreProxy
  let runtime: Runtime
  let app: App
  let origin: string
  let handoffId: string

  before(async () => {
    const postgres = dialects.find((d) => d.name === 'postgres')!
    t = await startApp(postgres, { DELIVERY_WORKER: 'false' })
    ;({ key, handoffs: { sms: handoffId } } = await brandFixture(t, ACCOUNT, {
      skills: ['support'],
      numbers: [{ number: SMS_FROM, channel: 'sms' }],
      channels: ['sms'],
      handoffs: { sms: { title: 'SMS', channels: ['sms'], sms: { fromNumber: SMS_FROM, message: 'Hi, this is Acme.' } } },
    }))

    // A second instance over the same schema, reaching PostgreSQL only through the proxy.
    const target = new URL(PG_URL!)
    proxy = new StoreProxy({ host: target.hostname, port: Number(target.port || 5432) })
    await proxy.start()
    const viaProxy = new URL(PG_URL!)
    viaProxy.hostname = '127.0.0.1'
    viaProxy.port = String(proxy.port)
    // A short query timeout, so that a store which stops answering is given up on well within the client's patience.
    runtime = await openRuntime({ ...t.config, databaseQueryTimeoutMs: 1_000, database: { dialect: 'postgres', url: viaProxy.toString() } }, { clock: t.clock, schema: t.schema })
    app = await buildApp(runtime, { logger: false })
    await app.listen({ port: 0, host: '127.0.0.1' })
    origin = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`
  })

  after(async () => {
    await app?.close()
    await runtime?.close()
    await proxy?.cut()
    await t?.close()
  })

  /** A signed C2M call over real HTTP; the client gives up after a few seconds, so a hang fails the test. */
  async function c2m(endpoint: 'eligibility' | 'invite', body: object, patienceMs = 3_000): Promise<{ status: number; headers: Headers; body: any }> {
    const url = `/api/account/${ACCOUNT}/${endpoint}?v=2.0`
    const authorization = signAt(key, 'POST', PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000))
    const res = await fetch(origin + url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(patienceMs) })
    return { status: res.status, headers: res.headers, body: await res.json() }
  }

  const eligibility = (patienceMs?: number) => c2m('eligibility', { consumerPhoneNumber: CONSUMER, skill: 'support', handoffId }, patienceMs)

  test('refused, then unanswered connections: 503 5003 with Retry-After; back: 200, and the call invited before is kept', async () => {
    const before = await eligibility()
    assert.equal(before.status, 200, JSON.stringify(before.body))
    const invited = await c2m('invite', { callId: before.body.callId })
    assert.equal(invited.status, 200, JSON.stringify(invited.body))

    await proxy.cut()
    const refused = await eligibility()
    assert.equal(refused.status, 503)
    assert.deepEqual(refused.body, { errorCode: 5003, errorMessage: 'Service Unavailable' })
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/)
    const ready = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(3_000) })
    assert.equal(ready.status, 503)
    assert.deepEqual(await ready.json(), { status: 'unavailable', errorCode: 5003, errorMessage: 'Service Unavailable' })

    // A network that swallows packets: only the pool's connection timeout ends the wait.
    await proxy.blackhole()
    const unanswered = await eligibility()
    assert.equal(unanswered.status, 503)
    assert.deepEqual(unanswered.body, { errorCode: 5003, errorMessage: 'Service Unavailable' })

    await proxy.restore()
    const after = await eligibility()
    assert.equal(after.status, 200, JSON.stringify(after.body))
    const kept = await t.runtime.db.selectFrom('calls').select(['id', 'invited_at']).where('id', '=', before.body.callId).executeTakeFirst()
    assert.ok(kept?.invited_at, 'the invitation made before the outage is still recorded')
  })

  test('connections that stay open but carry nothing: 503 5003 once the query timeout runs out, /readyz 503; back: 200', async () => {
    // The pool now holds connections through the proxy, which the black hole keeps open.
    const before = await eligibility()
    assert.equal(before.status, 200, JSON.stringify(before.body))

    await proxy.blackhole()
    // The client waits well past the query timeout (and a rollback queued behind the unanswered query): only a hang fails.
    const unanswered = await eligibility(10_000)
    assert.equal(unanswered.status, 503, JSON.stringify(unanswered.body))
    assert.deepEqual(unanswered.body, { errorCode: 5003, errorMessage: 'Service Unavailable' })
    assert.match(unanswered.headers.get('retry-after') ?? '', /^\d+$/)
    const ready = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(10_000) })
    assert.equal(ready.status, 503)
    assert.deepEqual(await ready.json(), { status: 'unavailable', errorCode: 5003, errorMessage: 'Service Unavailable' })

    await proxy.restore()
    // The pool may hand out a connection the proxy just closed before it has heard so (one 503):
    // the readiness probe is asked until it has, and the service must then answer again.
    for (let probe = 0; probe < 20; probe++) {
      if ((await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(10_000) })).status === 200) break
      await setTimeout(100)
    }
    const after = await eligibility()
    assert.equal(after.status, 200, JSON.stringify(after.body))
  })
})

function captureSync(work: () => unknown): unknown {
  try {
    work()
  } catch (error) {
    return error
  }
  assert.fail('expected an error')
}

async function capture(work: Promise<unknown>): Promise<unknown> {
  try {
    await work
  } catch (error) {
    return error
  }
  assert.fail('expected an error')
}
