import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ManualClock, PUBLIC_ORIGIN, TEST_SECRET_KEY, dialects, startApp, type TestApp, type TestDialect } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import { BIN, type Child, spawnNode, until } from '../support/process.ts'
import { TwilioFake } from '../fakes/twilio.fake.ts'

// A dispatcher killed mid-flight and restarted: the real service (`node bin/c2m.js serve`) runs
// in a child process over the same store as the test, sends through a local fake of Twilio, and
// is SIGKILLed while a send is in flight. The fake answers the first ANSWERED messages and then
// holds every request unanswered, so the kill always lands at the same point: those ANSWERED
// recorded as sent, the rest of the claimed batch waiting on the fake (a provider that never
// answered never committed), the others still pending. A second `serve` reclaims the dead
// claims once their lease runs out: every message reaches the fake exactly once.

const MESSAGES = 30
const ANSWERED = 8
/** Short, so the restarted process reclaims the dead claims within the test. */
const LEASE_SECONDS = 3

const SMS_NUMBER = '+18005550101'
const TWILIO = { accountSid: 'AC' + 'd'.repeat(32), authToken: 'token-of-brand-7201' }
// This process only writes the invites: with its dispatcher off, only the children send.
const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }

/** DATABASE_URL naming the test's store; a PostgreSQL schema travels in the URL, as the environment has no other way to give it. */
function databaseUrl(t: TestApp): string {
  const { database } = t.config
  if (database.dialect === 'sqlite') return `sqlite:${database.file}`
  const url = new URL(database.url)
  url.searchParams.set('options', `-c search_path=${t.schema}`)
  return url.toString()
}

function suite(dialect: TestDialect): void {
  describe(`a dispatcher killed mid-flight (${dialect.name})`, () => {
    let t: TestApp
    let fake: TwilioFake
    let dataDir: string
    const services: Child[] = []
    const account = '7201'
    const phones = Array.from({ length: MESSAGES }, (_, i) => `+1425956${String(1000 + i)}`)

    function serve(): Child {
      const service = spawnNode([BIN, 'serve'], {
        DATABASE_URL: databaseUrl(t),
        DATA_DIR: dataDir,
        C2M_SECRET_KEY: TEST_SECRET_KEY,
        PUBLIC_URL: PUBLIC_ORIGIN,
        C2M_DEMO: 'false',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        DELIVERY_POLL_MS: '50',
        DELIVERY_LEASE_SECONDS: String(LEASE_SECONDS),
        TWILIO_API_URL: fake.baseUrl,
      })
      services.push(service)
      return service
    }

    const outbox = () => t.runtime.db.selectFrom('outbox').select(['id', 'status', 'attempts', 'lease_until', 'provider_message_id', 'message']).where('account_id', '=', account).execute()
    const deliveries = () => t.runtime.db.selectFrom('deliveries').select(['outbox_id', 'provider', 'provider_message_id']).where('account_id', '=', account).execute()
    const countBy = (rows: { status: string }[], status: string) => rows.filter((r) => r.status === status).length

    before(async () => {
      fake = await TwilioFake.start({ [TWILIO.accountSid]: TWILIO.authToken })
      // The children read the wall clock: the invites must be due by it.
      t = await startApp(dialect, ENV, new ManualClock(new Date().toISOString()))
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-sigkill-'))

      const brand = await brandFixture(t, account, {
        skills: ['support'],
        numbers: [{ number: SMS_NUMBER, channel: 'sms' }],
        settings: { channels: [{ name: 'sms', enabled: true }, { name: 'wa', enabled: false }, { name: 'inapp', enabled: false }], deviceCheck: false, routing: { skills: ['support'] } },
        connect: { twilio: TWILIO },
        handoffs: { sms: { title: 'SMS', channels: ['sms'], sms: { fromNumber: SMS_NUMBER, message: 'Hi {{1}}' } } },
      })
      for (const phone of phones) await brand.invited(phone, brand.handoffs.sms, { templateVariables: { '1': phone } })
    })
    // Children first: the store is dropped under them otherwise, and none may outlive the suite.
    after(async () => {
      for (const service of services) await service.kill('SIGKILL')
      await t?.close()
      await fake?.close()
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
    })

    test('every message reaches the provider exactly once, and every outbox row and delivery is settled once', { timeout: 60_000 }, async () => {
      assert.equal(countBy(await outbox(), 'pending'), MESSAGES, 'the invites wrote their outbox rows; nothing sent them yet')

      fake.holdAfter(ANSWERED)
      const first = serve()
      // The kill point: the answered sends are recorded, and every other claimed row's request has
      // reached the fake and waits there, so none is between the fake's answer and our commit.
      await until(`${ANSWERED} sends recorded and the rest of the claimed batch held at the provider`, async () => {
        const rows = await outbox()
        return countBy(rows, 'sent') === ANSWERED && (await deliveries()).length === ANSWERED && fake.held > 0 && countBy(rows, 'sending') === fake.held
      }, { child: first })
      const held = fake.held
      const heldPhones = new Set(fake.requests.map((r) => r.form.To).filter((to) => !fake.messages.some((m) => m.to === to)))
      assert.equal(heldPhones.size, held)

      assert.deepEqual(await first.kill('SIGKILL'), { code: null, signal: 'SIGKILL' })
      // The kernel closed the dead process's sockets: the held requests lost their caller unanswered.
      await until('the held requests to lose their caller', async () => fake.held === 0)
      assert.equal(fake.messages.length, ANSWERED, 'the provider accepted only what it answered')
      const afterKill = await outbox()
      assert.equal(countBy(afterKill, 'sending'), held, 'the killed claims stay leased')
      assert.equal(countBy(afterKill, 'pending'), MESSAGES - ANSWERED - held)

      fake.stopHolding()
      const second = serve()
      await until('every outbox row sent and every delivery recorded', async () => countBy(await outbox(), 'sent') === MESSAGES && (await deliveries()).length === MESSAGES, { child: second })
      const stopped = await second.kill('SIGTERM')
      assert.equal(stopped.code, 0, `a graceful stop after the work is done; ${second.output}`)

      const sent = fake.messages.map((m) => m.to).sort()
      assert.deepEqual(sent, [...phones].sort(), 'each consumer got exactly one message')
      for (const message of fake.messages) assert.equal(message.body, `Hi ${message.to}\nReply STOP to opt out`)
      assert.equal(fake.requests.length, MESSAGES + held, 'the provider saw each held request once more, and nothing else again')

      const sidOf = new Map(fake.messages.map((m) => [m.to, m.sid]))
      const rows = await outbox()
      const recorded = await deliveries()
      assert.equal(rows.length, MESSAGES)
      assert.equal(recorded.length, MESSAGES)
      assert.equal(new Set(recorded.map((d) => d.outbox_id)).size, MESSAGES, 'one delivery per outbox row')
      for (const row of rows) {
        const to = (JSON.parse(row.message) as { to: string }).to
        assert.equal(row.status, 'sent')
        assert.equal(row.lease_until, null)
        assert.equal(row.provider_message_id, sidOf.get(to), `${to}: the outbox keeps the provider's id of the one accepted message`)
        assert.equal(row.attempts, heldPhones.has(to) ? 2 : 1, `${to}: a killed claim costs one attempt, nothing else does`)
        const delivery = recorded.filter((d) => d.outbox_id === row.id)
        assert.deepEqual(delivery, [{ outbox_id: row.id, provider: 'twilio', provider_message_id: sidOf.get(to) }])
      }
    })
  })
}

for (const dialect of dialects) suite(dialect)
