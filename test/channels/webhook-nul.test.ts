import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { PUBLIC_ORIGIN, dialects, json, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { TwilioFake, messageSid, sendTwilioWebhook, statusCallbackParams } from '../fakes/twilio.fake.ts'
import { FakeGraphApi, signWebhook, templateStatusPayload, webhookPayload } from '../fakes/graph.fake.ts'
import { findDelivery } from '../../src/delivery/delivery.repository.ts'

// A provider's signed text may hold U+0000, which PostgreSQL text cannot store. A webhook the
// provider signed is not refused like a client's bad input: what it says is stored without the
// NUL and acknowledged, since anything but success is retried (by Meta, forever).

const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }
const SMS_NUMBER = '+18005550131'
const WA_NUMBER = '+18005550132'
const TWILIO = { accountSid: 'AC' + 'd'.repeat(32), authToken: 'token-of-brand-7301' }
const PHONE_NUMBER_ID = '306540352242922'
const WABA = '302290129340398'
const ACCESS_TOKEN = 'EAAG-nul-access-token'
const APP_SECRET = 'app-secret-of-7302'

for (const dialect of dialects) {
  describe(`NUL characters in signed status callbacks (${dialect.name})`, () => {
    let t: TestApp
    let twilio: TwilioFake
    let graph: FakeGraphApi
    let sms: BrandFixture<'sms'>
    let wa: BrandFixture<'wa'>
    let next = 1000

    before(async () => {
      twilio = await TwilioFake.start({ [TWILIO.accountSid]: TWILIO.authToken })
      graph = await FakeGraphApi.start({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID, wabaId: WABA })
      t = await startApp(dialect, { ...ENV, TWILIO_API_URL: twilio.baseUrl, TWILIO_LOOKUP_URL: twilio.baseUrl, WHATSAPP_API_URL: graph.baseUrl })
      sms = await brandFixture(t, '7301', {
        skills: ['support'],
        numbers: [{ number: SMS_NUMBER, channel: 'sms' }],
        channels: ['sms'],
        connect: { twilio: TWILIO },
        handoffs: { sms: { channels: ['sms'], sms: { fromNumber: SMS_NUMBER, message: 'Hi, this is Acme.' } } },
      })
      wa = await brandFixture(t, '7302', {
        skills: ['support'],
        numbers: [{ number: WA_NUMBER, channel: 'wa' }],
        channels: ['wa'],
        connect: { whatsapp: { phoneNumberId: PHONE_NUMBER_ID, wabaId: WABA, accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-7302' } },
        graph,
        templates: [{ name: 'nul_followup', body: 'Hi {{1}}, reply here to chat.' }],
        handoffs: { wa: { channels: ['wa'], wa: { fromNumber: WA_NUMBER, templateName: 'nul_followup', language: 'en_US', variables: { '1': 'Ana' } } } },
      })
    })
    after(async () => {
      await t?.close()
      await twilio?.close()
      await graph?.close()
    })

    /** Invites a fresh consumer on the brand's handoff and sends it: the consumer's number. */
    async function sent(brand: BrandFixture<'sms'> | BrandFixture<'wa'>, handoffId: string): Promise<string> {
      const phone = `+1425956${next++}`
      await brand.invited(phone, handoffId)
      assert.equal(await t.app.dispatcher.runOnce(), 1)
      return phone
    }

    function postMeta(payload: object): Promise<LightMyRequestResponse> {
      const raw = JSON.stringify(payload)
      return t.app.inject({ method: 'POST', url: `/webhooks/whatsapp/${wa.account}`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(APP_SECRET, raw) }, payload: raw })
    }

    test("Twilio: an ErrorCode and ErrorMessage holding %00 are stored without it, and acknowledged", async () => {
      const phone = await sent(sms, sms.handoffs.sms)
      const sid = twilio.messages.at(-1)?.sid ?? ''
      const params = { ...statusCallbackParams(TWILIO.accountSid, { sid, from: SMS_NUMBER, to: phone, status: 'undelivered' }), ErrorCode: '30003\u0000', ErrorMessage: 'Unreachable\u0000 destination handset' }
      const res = await sendTwilioWebhook(t.app, { url: `${PUBLIC_ORIGIN}/webhooks/twilio/${sms.account}/status`, params, authToken: TWILIO.authToken })
      assert.equal(res.statusCode, 204, res.body)
      const delivery = await findDelivery(t.runtime.db, 'twilio', sid)
      assert.deepEqual([delivery?.status, delivery?.errorCode, delivery?.errorMessage], ['undelivered', '30003', 'Unreachable destination handset'])

      // A status for a message not recorded yet is kept as it came: also without the NUL.
      const early = messageSid()
      const kept = { ...statusCallbackParams(TWILIO.accountSid, { sid: early, from: SMS_NUMBER, to: phone, status: 'failed' }), ErrorCode: '30005', ErrorMessage: '\u0000Unknown handset\u0000' }
      assert.equal((await sendTwilioWebhook(t.app, { url: `${PUBLIC_ORIGIN}/webhooks/twilio/${sms.account}/status`, params: kept, authToken: TWILIO.authToken })).statusCode, 204)
    })

    test("Meta: a failed status whose error title holds \\u0000 is stored without it, and acknowledged", async () => {
      const phone = await sent(wa, wa.handoffs.wa)
      const wamid = graph.acceptedIds.at(-1) ?? ''
      const failed = { id: wamid, status: 'failed', timestamp: '1790000000', recipient_id: phone.slice(1), errors: [{ code: 131026, title: 'Message\u0000 undeliverable' }] }
      const res = await postMeta(webhookPayload(PHONE_NUMBER_ID, WA_NUMBER.slice(1), { statuses: [failed] }))
      assert.equal(res.statusCode, 200, res.body)
      const delivery = await findDelivery(t.runtime.db, 'whatsapp', wamid)
      assert.deepEqual([delivery?.status, delivery?.errorCode, delivery?.errorMessage], ['failed', '131026', 'Message undeliverable'])

      const early = { id: 'wamid.early-nul', status: 'failed', timestamp: '1790000000', recipient_id: phone.slice(1), errors: [{ code: 131047, message: 'Re-engagement\u0000 message' }] }
      assert.equal((await postMeta(webhookPayload(PHONE_NUMBER_ID, WA_NUMBER.slice(1), { statuses: [early] }))).statusCode, 200)
    })

    test("Meta: a template rejection whose reason, name or language holds \\u0000 is stored without it, and acknowledged", async () => {
      const held = [...graph.templates.values()].find((x) => x.name === 'nul_followup')
      assert.ok(held)
      const rejected = await postMeta(templateStatusPayload(WABA, { ...held, name: 'nul_\u0000followup', language: 'en_\u0000US' }, 'REJECTED', 'INVALID\u0000_FORMAT'))
      assert.equal(rejected.statusCode, 200, rejected.body)
      const template = json(await wa.request('GET', 'whatsapp-templates/nul_followup'))
      assert.deepEqual([template.status, template.rejectedReason], ['REJECTED', 'INVALID_FORMAT'])
    })
  })
}
