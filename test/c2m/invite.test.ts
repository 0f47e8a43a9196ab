import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { PUBLIC_ORIGIN, dialects, json, signAt, signedRequest, startApp, type TestApp, type TestDialect } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { findCall } from '../../src/calls/call.repository.ts'
import { recordOptOut } from '../../src/contacts/opt-out.repository.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'

// The Invite endpoint end to end: eligibility, invite, then one deterministic dispatcher round
// (DELIVERY_WORKER=false, `runOnce`) and the sandbox inbox as the consumer's phone.

const SMS_NUMBER = '+18005550101'
const WA_NUMBER = '+18005550102'
const BOTH = '+18005550100'
const APP_ID = 'com.acme.ios'
const OPT_OUT = 'Reply STOP to opt out'
const DAY_MS = 24 * 3600 * 1000

// No background dispatcher: every delivery happens in an explicit `runOnce`, so nothing races.
// The rate limit is lifted: these suites make far more than 30 calls per second to one brand.
const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }

type Body = Record<string, unknown>

interface Brand {
  account: string
  key: IssuedApiKey
  /** sms only: 'Hi {{1}}, your order {{2}}' from SMS_NUMBER */
  sms: string
  /** sms then wa, both from BOTH */
  smsWa: string
  /** wa then sms, both from BOTH */
  waSms: string
  /** wa only from WA_NUMBER, template ivr_followup with variables {1: Ana, 2: Seattle} */
  wa: string
  /** sms only, restricted to the skill sales */
  salesOnly: string
  /** in-app only, on APP_ID */
  inapp: string
}

/** A complete brand, configured through the configuration API as a brand administrator would. */
async function setUpBrand(t: TestApp, account: string): Promise<Brand> {
  const smsBlock = (fromNumber: string) => ({ fromNumber, message: 'Hi {{1}}, your order {{2}}' })
  const waBlock = (fromNumber: string, templateName: string, variables: Record<string, string>) => ({ fromNumber, templateName, language: 'en_US', variables })
  const { key, handoffs } = await brandFixture(t, account, {
    skills: ['sales', 'support', 'billing'],
    numbers: [
      { number: SMS_NUMBER, channel: 'sms' },
      { number: WA_NUMBER, channel: 'wa' },
      { number: BOTH, channel: 'sms' },
      { number: BOTH, channel: 'wa' },
    ],
    apps: [{ appId: APP_ID, platform: 'ios', name: 'Acme iOS' }],
    // billing is a skill of the brand but not enabled in routing.
    settings: { channels: [{ name: 'sms', enabled: true }, { name: 'wa', enabled: true }, { name: 'inapp', enabled: true }], deviceCheck: false, routing: { skills: ['sales', 'support'] } },
    templates: [
      { name: 'order_update', phoneNumber: BOTH, body: 'Hi {{1}}, your order {{2}} is ready.' },
      { name: 'ivr_followup', phoneNumber: WA_NUMBER, body: 'Hi {{1}}, about your call from {{2}}: your {{3}} status is ready.' },
    ],
    handoffs: {
      sms: { title: 'SMS', channels: ['sms'], sms: smsBlock(SMS_NUMBER) },
      smsWa: { title: 'SMS then WA', channels: ['sms', 'wa'], sms: smsBlock(BOTH), wa: waBlock(BOTH, 'order_update', { '1': 'Customer' }) },
      waSms: { title: 'WA then SMS', channels: ['wa', 'sms'], sms: smsBlock(BOTH), wa: waBlock(BOTH, 'order_update', { '1': 'Customer' }) },
      wa: { title: 'WA', channels: ['wa'], wa: waBlock(WA_NUMBER, 'ivr_followup', { '1': 'Ana', '2': 'Seattle' }) },
      salesOnly: { title: 'Sales only', channels: ['sms'], skills: ['sales'], sms: smsBlock(SMS_NUMBER) },
      inapp: { title: 'In-app', channels: ['inapp'], inapp: { appIds: [APP_ID], message: 'Continue in the Acme app.' } },
    },
  })
  return { account, key, ...handoffs }
}

/** A distinct valid consumer number per call of a suite, so each test reads its own inbox. */
function phones(): () => string {
  let next = 1000
  return () => `+1425954${next++}`
}

function assertError(res: LightMyRequestResponse, status: number, errorCode: number, errorMessage: string): void {
  assert.equal(res.statusCode, status, res.body)
  const body = json(res)
  assert.equal(body.errorCode, errorCode, res.body)
  assert.equal(body.errorMessage, errorMessage)
}

/** What one test needs against one app and one brand. */
function client(t: () => TestApp, brand: () => Brand) {
  const c2m = (endpoint: string, body: unknown, b = brand()) => signedRequest(t(), b.key, 'POST', `/api/account/${b.account}/${endpoint}?v=2.0`, body)
  return {
    eligibility: (body: Body, b?: Brand) => c2m('eligibility', body, b),
    invite: (body: Body, b?: Brand) => c2m('invite', body, b),
    /** Eligibility that must succeed for the caller; the call's id. */
    async eligibleCall(handoffId: string, consumerPhoneNumber: string, extra: Body = {}): Promise<{ callId: string; availableChannels: string[]; recommendedChannelName: string }> {
      const res = await c2m('eligibility', { consumerPhoneNumber, handoffId, skill: 'support', ...extra })
      assert.equal(res.statusCode, 200, res.body)
      const body = json(res)
      assert.equal(body.eligible, true, res.body)
      return body
    },
    async inbox(consumer: string): Promise<any[]> {
      const b = brand()
      const res = await signedRequest(t(), b.key, 'GET', `/api/account/${b.account}/sandbox/messages?consumer=${encodeURIComponent(consumer)}`)
      assert.equal(res.statusCode, 200, res.body)
      return json(res).items
    },
    async outboxRows(callId: string): Promise<number> {
      return (await t().runtime.db.selectFrom('outbox').select('id').where('call_id', '=', callId).execute()).length
    },
  }
}

function suite(dialect: TestDialect): void {
  describe(`invite (${dialect.name})`, () => {
    let t: TestApp
    let brand: Brand
    let other: Brand
    const nextPhone = phones()
    const { eligibility, invite, eligibleCall, inbox, outboxRows } = client(
      () => t,
      () => brand,
    )

    before(async () => {
      t = await startApp(dialect, ENV)
      brand = await setUpBrand(t, '4101')
      other = await setUpBrand(t, '4102')
    })
    // Delivers what a test invited without delivering, so every test starts with nothing due.
    afterEach(async () => {
      while ((await t.app.dispatcher.runOnce()) > 0);
    })
    after(() => t?.close())

    test('eligibility then invite answers exactly {callId}; one dispatcher round delivers one SMS to the sandbox', async () => {
      const phone = '+14259549855'
      const res = await eligibility({ consumerPhoneNumber: phone, handoffId: brand.sms, skill: 'support', templateVariables: { '1': 'Jane', '2': 'A-17' } })
      assert.equal(res.statusCode, 200, res.body)
      const { callId, availableChannels, recommendedChannelName, eligible } = json(res)
      assert.deepEqual({ availableChannels, recommendedChannelName, eligible }, { availableChannels: ['sms'], recommendedChannelName: 'sms', eligible: true })

      const invited = await invite({ callId })
      assert.equal(invited.statusCode, 200, invited.body)
      assert.deepEqual(json(invited), { callId })
      assert.deepEqual(await inbox(phone), [], 'the invite only writes the outbox; nothing is sent before the dispatcher runs')
      assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'pending')

      assert.equal(await t.app.dispatcher.runOnce(), 1)
      const items = await inbox(phone)
      assert.equal(items.length, 1)
      const [message] = items
      assert.equal(message.direction, 'outbound')
      assert.equal(message.channel, 'sms')
      assert.equal(message.from, SMS_NUMBER)
      assert.equal(message.to, phone)
      assert.equal(message.consumer, phone)
      assert.equal(message.text, `Hi Jane, your order A-17\n${OPT_OUT}`)
      assert.equal(message.status, 'delivered')
      assert.equal(message.callId, callId)

      const row = await findOutboxByCall(t.runtime.db, callId)
      assert.equal(row?.status, 'sent')
      assert.equal(row?.attempts, 1)
      const call = await findCall(t.runtime.db, brand.account, callId)
      assert.ok(call?.invitedAt, 'the call is marked invited')
      assert.equal(call?.inviteChannel, 'sms')
      assert.equal(call?.inviteSkill, 'support', 'without an override the call keeps its skill')
      assert.equal(await t.app.dispatcher.runOnce(), 0, 'a delivered row is not taken again')
    })

    describe('the message', () => {
      test('a placeholder without a variable renders empty', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.sms, phone, { templateVariables: { '1': 'Jane' } })
        assert.equal((await invite({ callId })).statusCode, 200)
        await t.app.dispatcher.runOnce()
        const items = await inbox(phone)
        assert.equal(items.length, 1)
        assert.equal(items[0].text, `Hi Jane, your order \n${OPT_OUT}`)
      })

      test('without template variables every placeholder renders empty', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.sms, phone)
        assert.equal((await invite({ callId })).statusCode, 200)
        await t.app.dispatcher.runOnce()
        assert.deepEqual((await inbox(phone)).map((m) => m.text), [`Hi , your order \n${OPT_OUT}`])
      })

      test('overrideMessage replaces the SMS text; placeholders are still filled and the opt-out text still appended', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.sms, phone, { templateVariables: { '1': 'Jane', '2': 'A-17' } })
        const res = await invite({ callId, overrideMessage: 'Order {{2}} is ready, {{1}}. {{3}}Reply here.' })
        assert.equal(res.statusCode, 200, res.body)
        await t.app.dispatcher.runOnce()
        const items = await inbox(phone)
        assert.equal(items.length, 1)
        assert.equal(items[0].text, `Order A-17 is ready, Jane. Reply here.\n${OPT_OUT}`)
        assert.equal(items[0].from, SMS_NUMBER)
      })

      test('WA: the template name, language and the handoff variables overlaid by templateVariables', async () => {
        const phone = nextPhone()
        const { callId, availableChannels } = await eligibleCall(brand.wa, phone, { templateVariables: { '2': 'A-17', '3': 'Gold' } })
        assert.deepEqual(availableChannels, ['wa'])
        assert.equal((await invite({ callId })).statusCode, 200)

        const row = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(row?.channel, 'wa')
        assert.deepEqual(row?.message.wa, { templateName: 'ivr_followup', language: 'en_US', parameters: ['Ana', 'A-17', 'Gold'] })
        assert.equal(row?.message.from, WA_NUMBER)
        assert.equal(row?.message.to, phone)

        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const items = await inbox(phone)
        assert.equal(items.length, 1)
        assert.equal(items[0].channel, 'wa')
        assert.equal(items[0].from, WA_NUMBER)
        assert.equal(items[0].to, phone)
        assert.equal(items[0].status, 'delivered')
        assert.equal(items[0].callId, callId)
        for (const part of ['ivr_followup', 'en_US', 'Ana', 'A-17', 'Gold']) assert.ok(items[0].text.includes(part), `${part} in ${items[0].text}`)
        assert.ok(!items[0].text.includes('Seattle'), 'the call\'s variable replaced the handoff\'s')
        assert.ok(!items[0].text.includes(OPT_OUT), 'a template carries no SMS opt-out text')
      })

      test('WA: templateVariables beyond the template\'s placeholders are dropped (WhatsApp refuses extra parameters)', async () => {
        const { callId } = await eligibleCall(brand.smsWa, nextPhone(), { templateVariables: { '2': 'A-17', '3': 'extra', '9': 'far' } })
        assert.equal((await invite({ callId, overrideChannel: 'wa' })).statusCode, 200)
        assert.deepEqual((await findOutboxByCall(t.runtime.db, callId))?.message.wa, { templateName: 'order_update', language: 'en_US', parameters: ['Customer', 'A-17'] })
      })

      test('WA: overrideMessage is ignored', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.wa, phone)
        const res = await invite({ callId, overrideMessage: 'This must not be sent' })
        assert.equal(res.statusCode, 200, res.body)
        const row = await findOutboxByCall(t.runtime.db, callId)
        // The template has three placeholders: a send carries exactly three values, the missing one empty.
        assert.deepEqual(row?.message.wa, { templateName: 'ivr_followup', language: 'en_US', parameters: ['Ana', 'Seattle', ''] })
        await t.app.dispatcher.runOnce()
        const items = await inbox(phone)
        assert.equal(items.length, 1)
        assert.equal(items[0].channel, 'wa')
        assert.ok(!items[0].text.includes('This must not be sent'), items[0].text)
      })

      test('in-app: the handoff\'s message, delivered to the consumerId on the app with a device', async () => {
        const phone = nextPhone()
        const consumerId = `jane-${dialect.name}`
        const device = await signedRequest(t, brand.key, 'POST', `/api/account/${brand.account}/consumers/${consumerId}/devices`, { appId: APP_ID, platform: 'ios', pushToken: 'push-token-jane' })
        assert.equal(device.statusCode, 201, device.body)
        const { callId, availableChannels } = await eligibleCall(brand.inapp, phone, { consumerId })
        assert.deepEqual(availableChannels, ['inapp'])
        const res = await invite({ callId })
        assert.equal(res.statusCode, 200, res.body)
        assert.deepEqual(json(res), { callId })
        assert.equal(await t.app.dispatcher.runOnce(), 1)

        const items = await inbox(consumerId)
        assert.equal(items.length, 1)
        assert.equal(items[0].channel, 'inapp')
        assert.equal(items[0].to, consumerId)
        assert.equal(items[0].text, 'Continue in the Acme app.')
        assert.equal(items[0].appId, APP_ID)
        assert.equal(items[0].status, 'delivered')
        assert.equal(items[0].callId, callId)
        assert.deepEqual(await inbox(phone), [], 'nothing went to the phone number')
      })
    })

    describe('overrideChannel', () => {
      test('\'twilio\' means sms, chosen over a recommended wa', async () => {
        const phone = nextPhone()
        const { callId, availableChannels, recommendedChannelName } = await eligibleCall(brand.waSms, phone, { templateVariables: { '1': 'Jane', '2': 'A-17' } })
        assert.deepEqual(availableChannels, ['wa', 'sms'])
        assert.equal(recommendedChannelName, 'wa')
        assert.equal((await invite({ callId, overrideChannel: 'twilio' })).statusCode, 200)
        assert.equal((await findCall(t.runtime.db, brand.account, callId))?.inviteChannel, 'sms')
        await t.app.dispatcher.runOnce()
        const items = await inbox(phone)
        assert.equal(items.length, 1)
        assert.equal(items[0].channel, 'sms')
        assert.equal(items[0].from, BOTH)
        assert.equal(items[0].text, `Hi Jane, your order A-17\n${OPT_OUT}`)
      })

      test('\'sms\' explicitly is accepted too', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.waSms, phone)
        assert.equal((await invite({ callId, overrideChannel: 'sms' })).statusCode, 200)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.channel, 'sms')
      })

      test('\'wa\' is chosen over the recommended sms when available', async () => {
        const phone = nextPhone()
        const { callId, availableChannels, recommendedChannelName } = await eligibleCall(brand.smsWa, phone, { templateVariables: { '2': 'A-17' } })
        assert.deepEqual(availableChannels, ['sms', 'wa'])
        assert.equal(recommendedChannelName, 'sms')
        const res = await invite({ callId, overrideChannel: 'wa', overrideMessage: 'SMS only' })
        assert.equal(res.statusCode, 200, res.body)
        assert.deepEqual(json(res), { callId })
        const row = await findOutboxByCall(t.runtime.db, callId)
        assert.deepEqual(row?.message.wa, { templateName: 'order_update', language: 'en_US', parameters: ['Customer', 'A-17'] })
        await t.app.dispatcher.runOnce()
        const items = await inbox(phone)
        assert.equal(items.length, 1)
        assert.equal(items[0].channel, 'wa')
        assert.equal(items[0].from, BOTH)
      })

      test('a channel the call does not have → 400 1900, and nothing is sent or marked', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.sms, phone)
        for (const overrideChannel of ['wa', 'inapp', 'fax']) {
          assertError(await invite({ callId, overrideChannel }), 400, 1900, 'Overridden channel is not available')
        }
        assert.equal((await findCall(t.runtime.db, brand.account, callId))?.invitedAt, null)
        assert.equal(await outboxRows(callId), 0)
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        assert.deepEqual(await inbox(phone), [])
        // The refused override left the call invitable.
        assert.equal((await invite({ callId })).statusCode, 200)
      })
    })

    describe('overrideSkill', () => {
      test('an allowed skill replaces the call\'s skill on the call and on the message', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.sms, phone)
        const res = await invite({ callId, overrideSkill: 'sales' })
        assert.equal(res.statusCode, 200, res.body)
        assert.deepEqual(json(res), { callId })
        const call = await findCall(t.runtime.db, brand.account, callId)
        assert.equal(call?.skill, 'support', 'the eligibility input is kept as it was')
        assert.equal(call?.inviteSkill, 'sales')
        const row = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(row?.message.skill, 'sales')
      })

      test('a skill the handoff allows is accepted on a restricted handoff', async () => {
        const { callId } = await eligibleCall(brand.salesOnly, nextPhone(), { skill: 'sales' })
        assert.equal((await invite({ callId, overrideSkill: 'sales' })).statusCode, 200)
        assert.equal((await findCall(t.runtime.db, brand.account, callId))?.inviteSkill, 'sales')
      })

      test('a skill not enabled in routing, unknown, or not allowed by the handoff → 400 1901', async () => {
        const { callId } = await eligibleCall(brand.sms, nextPhone())
        for (const overrideSkill of ['billing', 'no-such-skill', 'Sales']) {
          assertError(await invite({ callId, overrideSkill }), 400, 1901, 'No engagement provided for the overridden skill')
        }
        const restricted = await eligibleCall(brand.salesOnly, nextPhone(), { skill: 'sales' })
        // support is enabled in routing, but this handoff allows sales only.
        assertError(await invite({ callId: restricted.callId, overrideSkill: 'support' }), 400, 1901, 'No engagement provided for the overridden skill')
        for (const id of [callId, restricted.callId]) {
          assert.equal((await findCall(t.runtime.db, brand.account, id))?.invitedAt, null)
          assert.equal(await outboxRows(id), 0)
        }
      })
    })

    describe('calls that cannot be invited', () => {
      test('a call that was not eligible → 400 1400', async () => {
        const phone = nextPhone()
        await recordOptOut(t.runtime.db, brand.account, { consumerPhone: phone, channel: 'sms', fromNumber: SMS_NUMBER, at: t.clock.now().toISOString() })
        const res = await eligibility({ consumerPhoneNumber: phone, handoffId: brand.sms, skill: 'support' })
        assert.equal(res.statusCode, 200, res.body)
        const { callId, eligible, availableChannels, recommendedChannelName } = json(res)
        assert.deepEqual({ eligible, availableChannels, recommendedChannelName }, { eligible: false, availableChannels: [], recommendedChannelName: '' })
        assertError(await invite({ callId }), 400, 1400, 'Message cannot be sent')
        assertError(await invite({ callId, overrideChannel: 'sms' }), 400, 1400, 'Message cannot be sent')
        assert.equal(await outboxRows(callId), 0)
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        assert.deepEqual(await inbox(phone), [])
      })

      test('an expired call (CALL_TTL default 24 hours) → 404 1004; a call one second younger is still invitable', async () => {
        const first = await eligibleCall(brand.sms, nextPhone())
        t.clock.advance(1000)
        const second = await eligibleCall(brand.sms, nextPhone())
        // 23:59:59.5 after the first call: both are still valid.
        t.clock.advance(DAY_MS - 1000 - 500)
        assert.equal((await invite({ callId: second.callId })).statusCode, 200)
        // 24:00:00.5 after the first call: it has expired, the second has not.
        t.clock.advance(1000)
        assertError(await invite({ callId: first.callId }), 404, 1004, 'Not Found')
        assert.equal(await outboxRows(first.callId), 0)
        assert.equal((await invite({ callId: second.callId })).statusCode, 200, 'the younger call is still known (and already invited)')
      })

      test('another brand\'s callId → 404 1004, and the owner can still invite it', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.sms, phone)
        assertError(await invite({ callId }, other), 404, 1004, 'Not Found')
        assert.equal((await findCall(t.runtime.db, brand.account, callId))?.invitedAt, null)
        assert.equal((await invite({ callId })).statusCode, 200)
      })

      test('an unknown callId → 404 1004', async () => {
        assertError(await invite({ callId: '0b8f3c2e-7a51-4d8e-9c1f-2a6b4e8d0f13' }), 404, 1004, 'Not Found')
      })
    })

    describe('idempotency', () => {
      test('a second invite answers 200 with the same callId and sends nothing more', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.smsWa, phone, { templateVariables: { '1': 'Jane', '2': 'A-17' } })
        const first = await invite({ callId })
        assert.equal(first.statusCode, 200, first.body)
        const second = await invite({ callId })
        assert.equal(second.statusCode, 200, second.body)
        assert.deepEqual(json(second), { callId })
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        // Also after delivery, and with overrides that would change the message: nothing new.
        const third = await invite({ callId, overrideChannel: 'wa', overrideMessage: 'again', overrideSkill: 'sales' })
        assert.equal(third.statusCode, 200, third.body)
        assert.deepEqual(json(third), { callId })
        assert.equal(await t.app.dispatcher.runOnce(), 0)

        assert.equal(await outboxRows(callId), 1)
        const items = await inbox(phone)
        assert.equal(items.length, 1)
        assert.equal(items[0].channel, 'sms')
        assert.equal(items[0].text, `Hi Jane, your order A-17\n${OPT_OUT}`)
        const call = await findCall(t.runtime.db, brand.account, callId)
        assert.equal(call?.inviteChannel, 'sms')
        assert.equal(call?.inviteSkill, 'support')
      })

      test('10 concurrent invites of one call over real HTTP: all 200, one outbox row, one sandbox message', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.sms, phone, { templateVariables: { '1': 'Jane', '2': 'A-17' } })
        const address = await t.app.listen({ host: '127.0.0.1', port: 0 })
        const path = `/api/account/${brand.account}/invite?v=2.0`
        const nowSeconds = Math.floor(t.clock.now().getTime() / 1000)
        // Each request carries its own oauth-1.0a nonce, so none is refused as a replay.
        const headers = Array.from({ length: 10 }, () => ({ authorization: signAt(brand.key, 'POST', PUBLIC_ORIGIN + path, nowSeconds), 'content-type': 'application/json' }))
        assert.equal(new Set(headers.map((h) => h.authorization)).size, 10)
        const responses = await Promise.all(headers.map((h) => fetch(address + path, { method: 'POST', headers: h, body: JSON.stringify({ callId }) })))
        const bodies = await Promise.all(responses.map((r) => r.json()))
        assert.deepEqual(
          responses.map((r) => r.status),
          Array(10).fill(200),
          JSON.stringify(bodies),
        )
        for (const body of bodies) assert.deepEqual(body, { callId })
        assert.equal(await outboxRows(callId), 1)

        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        const items = await inbox(phone)
        assert.equal(items.length, 1)
        assert.equal(items[0].callId, callId)
      })
    })

    describe('an opt-out recorded after eligibility', () => {
      test('the invite falls to the next available channel', async () => {
        const phone = nextPhone()
        const { callId, availableChannels } = await eligibleCall(brand.smsWa, phone)
        assert.deepEqual(availableChannels, ['sms', 'wa'])
        await recordOptOut(t.runtime.db, brand.account, { consumerPhone: phone, channel: 'sms', fromNumber: BOTH, at: t.clock.now().toISOString() })
        assert.equal((await invite({ callId })).statusCode, 200)
        assert.equal((await findCall(t.runtime.db, brand.account, callId))?.inviteChannel, 'wa')
        await t.app.dispatcher.runOnce()
        const items = await inbox(phone)
        assert.deepEqual(
          items.map((m) => m.channel),
          ['wa'],
        )
      })

      test('an override naming the opted-out channel → 400 1400 (never sent to the consumer)', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.smsWa, phone)
        await recordOptOut(t.runtime.db, brand.account, { consumerPhone: phone, channel: 'sms', fromNumber: BOTH, at: t.clock.now().toISOString() })
        assertError(await invite({ callId, overrideChannel: 'twilio' }), 400, 1400, 'Message cannot be sent')
        assert.equal(await outboxRows(callId), 0)
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        assert.deepEqual(await inbox(phone), [])
      })

      test('with no channel left → 400 1400, nothing written, nothing sent', async () => {
        const phone = nextPhone()
        const { callId } = await eligibleCall(brand.sms, phone)
        await recordOptOut(t.runtime.db, brand.account, { consumerPhone: phone, channel: 'sms', fromNumber: SMS_NUMBER, at: t.clock.now().toISOString() })
        assertError(await invite({ callId }), 400, 1400, 'Message cannot be sent')
        assert.equal((await findCall(t.runtime.db, brand.account, callId))?.invitedAt, null)
        assert.equal(await outboxRows(callId), 0)
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        assert.deepEqual(await inbox(phone), [])

        const both = nextPhone()
        const second = await eligibleCall(brand.smsWa, both)
        for (const channel of ['sms', 'wa'] as const) {
          await recordOptOut(t.runtime.db, brand.account, { consumerPhone: both, channel, fromNumber: BOTH, at: t.clock.now().toISOString() })
        }
        assertError(await invite({ callId: second.callId }), 400, 1400, 'Message cannot be sent')
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        assert.deepEqual(await inbox(both), [])
      })
    })
  })

  describe(`invite with CALL_TTL=120 (${dialect.name})`, () => {
    let t: TestApp
    let brand: Brand
    const nextPhone = phones()
    const { invite, eligibleCall } = client(
      () => t,
      () => brand,
    )

    before(async () => {
      t = await startApp(dialect, { ...ENV, CALL_TTL: '120' })
      brand = await setUpBrand(t, '4201')
    })
    after(() => t?.close())

    test('a call is invitable for 120 s: at 119 s → 200, at 121 s → 404 1004', async () => {
      const early = await eligibleCall(brand.sms, nextPhone())
      const late = await eligibleCall(brand.sms, nextPhone())
      t.clock.advance(119_000)
      assert.equal((await invite({ callId: early.callId })).statusCode, 200)
      t.clock.advance(2_000)
      assertError(await invite({ callId: late.callId }), 404, 1004, 'Not Found')
      // An invited call that expired is not found either: the TTL bounds the whole call.
      assertError(await invite({ callId: early.callId }), 404, 1004, 'Not Found')
      assert.equal(await t.app.dispatcher.runOnce(), 1)
    })
  })
}

for (const dialect of dialects) suite(dialect)
