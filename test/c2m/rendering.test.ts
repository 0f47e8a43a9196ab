import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { dialects, json, signedRequest, startApp, type TestApp, type TestDialect } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { findCall } from '../../src/calls/call.repository.ts'

// What an invitation's text becomes once its placeholders are filled, over signed HTTP and the
// sandbox inbox as the consumer's phone: placeholders name the IVR's variables only (never what
// every object inherits), and a rendering longer than its channel takes is refused whole.

const SMS_NUMBER = '+18005550101'
const WA_NUMBER = '+18005550102'
const OPT_OUT = 'Reply STOP to opt out'
const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }

type Brand = BrandFixture<'inherited' | 'repeated' | 'single' | 'wa' | 'waSms'>

function setUpBrand(t: TestApp, account: string): Promise<Brand> {
  const sms = (message: string) => ({ channels: ['sms'] as const, sms: { fromNumber: SMS_NUMBER, message } })
  const wa = { fromNumber: WA_NUMBER, templateName: 'two_values', language: 'en_US', variables: {} }
  return brandFixture(t, account, {
    skills: ['support'],
    numbers: [
      { number: SMS_NUMBER, channel: 'sms' },
      { number: WA_NUMBER, channel: 'wa' },
    ],
    channels: ['sms', 'wa'],
    templates: [{ name: 'two_values', body: 'Hello {{1}}, about {{2}}.' }],
    handoffs: {
      inherited: { title: 'Inherited names', ...sms('Hi {{1}}[{{constructor}}][{{__proto__}}][{{toString}}][{{ hasOwnProperty }}]') },
      // 10 placeholders in a 50-character text: 10 values of 1,600 characters make 16,000.
      repeated: { title: 'Repeated', ...sms('{{1}}'.repeat(10)) },
      single: { title: 'Single', ...sms('{{1}}') },
      wa: { title: 'WA', channels: ['wa'], wa },
      waSms: { title: 'WA then SMS', channels: ['wa', 'sms'], wa, sms: { fromNumber: SMS_NUMBER, message: 'Text us here.' } },
    },
  })
}

function assertCannotBeSent(res: LightMyRequestResponse, detail: string): void {
  assert.equal(res.statusCode, 400, res.body)
  assert.deepEqual(json(res), { errorCode: 1400, errorMessage: 'Message cannot be sent', detail })
}

function suite(dialect: TestDialect): void {
  describe(`rendering an invitation (${dialect.name})`, () => {
    let t: TestApp
    let brand: Brand
    let next = 2000
    const nextPhone = () => `+1425954${next++}`

    const c2m = (endpoint: 'eligibility' | 'invite', body: unknown) => signedRequest(t, brand.key, 'POST', `/api/account/${brand.account}/${endpoint}?v=2.0`, body)
    async function eligibleCall(handoffId: string, consumerPhoneNumber: string, templateVariables?: Record<string, string>): Promise<string> {
      const res = await c2m('eligibility', { consumerPhoneNumber, handoffId, skill: 'support', ...(templateVariables ? { templateVariables } : {}) })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(json(res).eligible, true, res.body)
      return json(res).callId
    }
    async function inbox(consumer: string): Promise<any[]> {
      const res = await signedRequest(t, brand.key, 'GET', `/api/account/${brand.account}/sandbox/messages?consumer=${encodeURIComponent(consumer)}`)
      assert.equal(res.statusCode, 200, res.body)
      return json(res).items
    }
    /** The call was left as it was: not invited, nothing in the outbox, nothing to deliver. */
    async function assertUntouched(callId: string): Promise<void> {
      assert.equal((await findCall(t.runtime.db, brand.account, callId))?.invitedAt, null)
      assert.deepEqual(await t.runtime.db.selectFrom('outbox').select('id').where('call_id', '=', callId).execute(), [])
      assert.equal(await t.app.dispatcher.runOnce(), 0)
    }

    before(async () => {
      t = await startApp(dialect, ENV)
      brand = await setUpBrand(t, '4301')
    })
    afterEach(async () => {
      while ((await t.app.dispatcher.runOnce()) > 0);
    })
    after(() => t?.close())

    describe('placeholders name the IVR\'s variables only', () => {
      test('{{constructor}}, {{__proto__}}, {{toString}} and {{hasOwnProperty}} in a handoff\'s text are sent empty', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.inherited, phone, { '1': 'Jane' })
        assert.equal((await c2m('invite', { callId })).statusCode, 200)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.deepEqual((await inbox(phone)).map((m) => m.text), [`Hi Jane[][][][]\n${OPT_OUT}`])
      })

      test('the same names in an overrideMessage are sent empty too', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.single, phone, { '1': 'Jane' })
        assert.equal((await c2m('invite', { callId, overrideMessage: '{{1}}:{{constructor}}{{__proto__}}{{toString}}{{valueOf}}.' })).statusCode, 200)
        await t.app.dispatcher.runOnce()
        assert.deepEqual((await inbox(phone)).map((m) => m.text), [`Jane:.\n${OPT_OUT}`])
      })

      test('a variable the IVR does name constructor is its own, and used', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.inherited, phone, { '1': 'Jane', constructor: 'C', toString: 'T' })
        assert.equal((await c2m('invite', { callId })).statusCode, 200)
        await t.app.dispatcher.runOnce()
        assert.deepEqual((await inbox(phone)).map((m) => m.text), [`Hi Jane[C][][T][]\n${OPT_OUT}`])
      })
    })

    describe('a rendered SMS is at most 1,600 characters, opt-out text included', () => {
      // '{{1}}' + '\n' + 'Reply STOP to opt out': a value of 1,578 characters makes 1,600.
      const fits = 1600 - 1 - OPT_OUT.length

      test('exactly 1,600 characters are sent whole', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.single, phone, { '1': 'x'.repeat(fits) })
        assert.equal((await c2m('invite', { callId })).statusCode, 200)
        await t.app.dispatcher.runOnce()
        const [message] = await inbox(phone)
        assert.equal(message.text.length, 1600)
        assert.equal(message.text, `${'x'.repeat(fits)}\n${OPT_OUT}`)
      })

      test('1,601 characters → 400 1400, nothing written or sent; the call stays invitable', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.single, phone, { '1': 'x'.repeat(fits + 1) })
        assertCannotBeSent(await c2m('invite', { callId }), 'the rendered SMS is 1,601 characters, more than 1,600')
        await assertUntouched(callId)
        assert.deepEqual(await inbox(phone), [])
        // A shorter text for the same call goes out.
        assert.equal((await c2m('invite', { callId, overrideMessage: 'Text us here.' })).statusCode, 200)
        await t.app.dispatcher.runOnce()
        assert.deepEqual((await inbox(phone)).map((m) => m.text), [`Text us here.\n${OPT_OUT}`])
      })

      test('a 50-character text whose placeholders grow it to 16,022 characters → 400 1400', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.repeated, phone, { '1': 'y'.repeat(1600) })
        assertCannotBeSent(await c2m('invite', { callId }), 'the rendered SMS is 16,022 characters, more than 1,600')
        await assertUntouched(callId)
        assert.deepEqual(await inbox(phone), [])
      })

      test('an overrideMessage of 1,600 characters of placeholders → 400 1400, not 640 KB stored and sent', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.single, phone, { '1': 'z'.repeat(1600), '2': 'w'.repeat(1600) })
        assertCannotBeSent(await c2m('invite', { callId, overrideMessage: '{{1}}{{2}}'.repeat(160) }), 'the rendered SMS is 512,022 characters, more than 1,600')
        await assertUntouched(callId)
      })
    })

    describe('WhatsApp template parameters are at most 1,024 characters together', () => {
      test('1,024 characters are sent', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.wa, phone, { '1': 'a'.repeat(512), '2': 'b'.repeat(512) })
        assert.equal((await c2m('invite', { callId })).statusCode, 200)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const [message] = await inbox(phone)
        assert.equal(message.channel, 'wa')
        assert.ok(message.text.includes('a'.repeat(512)) && message.text.includes('b'.repeat(512)), message.text)
      })

      test('1,025 characters → 400 1400, nothing written or sent', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.wa, phone, { '1': 'a'.repeat(512), '2': 'b'.repeat(513) })
        assertCannotBeSent(await c2m('invite', { callId }), 'the rendered WhatsApp template parameters are 1,025 characters, more than the 1,024 of a template body')
        await assertUntouched(callId)
        assert.deepEqual(await inbox(phone), [])
      })

      test('refused on wa, the same call can still be invited on its sms channel', async () => {
        const phone = nextPhone()
        const callId = await eligibleCall(brand.handoffs.waSms, phone, { '1': 'a'.repeat(1600) })
        assertCannotBeSent(await c2m('invite', { callId }), 'the rendered WhatsApp template parameters are 1,600 characters, more than the 1,024 of a template body')
        await assertUntouched(callId)
        assert.equal((await c2m('invite', { callId, overrideChannel: 'sms' })).statusCode, 200)
        await t.app.dispatcher.runOnce()
        assert.deepEqual((await inbox(phone)).map((m) => [m.channel, m.text]), [['sms', `Text us here.\n${OPT_OUT}`]])
      })
    })
  })
}

for (const dialect of dialects) suite(dialect)
