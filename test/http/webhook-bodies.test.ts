import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import twilio from 'twilio'
import { PUBLIC_ORIGIN, brandCall, dialects, provisionBrand, startApp, type TestApp } from '../helper.ts'
import { signWebhook } from '../fakes/graph.fake.ts'
import { listInbound } from '../../src/inbound/inbound.repository.ts'

// Provider webhooks are public: whatever an unauthenticated client posts to a brand that has a
// connection, of whatever shape or content type, is refused like a bad signature (or as a bad
// request), before anything in it can throw — never a 500, never a record.

const ACCOUNT = '7501'
const TWILIO = { accountSid: 'AC' + 'f'.repeat(32), authToken: 'token-of-7501' }
const META = { phoneNumberId: '406540352242922', wabaId: '402290129340398', accessToken: 'EAAG-7501', appSecret: 'app-secret-of-7501', verifyToken: 'verify-7501' }

interface Hostile {
  name: string
  contentType?: string
  payload: string
}

const BODIES: Hostile[] = [
  { name: 'JSON object with nested values', contentType: 'application/json', payload: JSON.stringify({ MessageSid: { $gt: '' }, From: ['+1', '+2'], To: { a: { b: { c: 1 } } }, Body: null }) },
  { name: 'JSON array', contentType: 'application/json', payload: '[1,2,3]' },
  { name: 'JSON string', contentType: 'application/json', payload: '"STOP"' },
  { name: 'JSON null', contentType: 'application/json', payload: 'null' },
  { name: 'JSON with __proto__', contentType: 'application/json', payload: '{"__proto__":{"polluted":true},"MessageSid":"SM1"}' },
  { name: 'invalid JSON', contentType: 'application/json', payload: '{"MessageSid":' },
  { name: 'deep JSON', contentType: 'application/json', payload: '['.repeat(5000) + ']'.repeat(5000) },
  { name: 'form with repeated and bracketed keys', contentType: 'application/x-www-form-urlencoded', payload: 'MessageSid=SM1&MessageSid=SM2&From[a]=1&To=%2B1&Body=STOP' },
  { name: 'form with a huge field', contentType: 'application/x-www-form-urlencoded', payload: 'MessageSid=' + 'A'.repeat(60_000) },
  { name: 'plain text', contentType: 'text/plain', payload: 'STOP' },
  { name: 'XML', contentType: 'application/xml', payload: '<Message>STOP</Message>' },
  { name: 'multipart', contentType: 'multipart/form-data; boundary=x', payload: '--x\r\nContent-Disposition: form-data; name="Body"\r\n\r\nSTOP\r\n--x--\r\n' },
  { name: 'no content type', payload: 'MessageSid=SM1' },
  { name: 'empty form', contentType: 'application/x-www-form-urlencoded', payload: '' },
]

for (const dialect of dialects) {
  describe(`hostile webhook bodies (${dialect.name})`, () => {
    let t: TestApp

    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false' })
      const key = await provisionBrand(t.runtime, ACCOUNT, ['management'])
      const call = brandCall(t, key, ACCOUNT)
      await call('PUT', 'channels/twilio', TWILIO, 200)
      await call('PUT', 'channels/whatsapp', META, 200)
    })
    after(() => t.close())

    const targets = [
      { name: 'Twilio inbound', url: `/webhooks/twilio/${ACCOUNT}/inbound`, sign: () => ({ 'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO.authToken, `${PUBLIC_ORIGIN}/webhooks/twilio/${ACCOUNT}/inbound`, {}) }) },
      { name: 'Twilio status', url: `/webhooks/twilio/${ACCOUNT}/status`, sign: () => ({ 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' }) },
      { name: 'WhatsApp', url: `/webhooks/whatsapp/${ACCOUNT}`, sign: (body: string) => ({ 'x-hub-signature-256': signWebhook('not-the-app-secret', body) }) },
    ]

    for (const target of targets) {
      test(`${target.name}: every hostile body, signed wrongly or not at all, is refused with a 4xx and records nothing`, async () => {
        for (const body of BODIES) {
          for (const headers of [{}, target.sign(body.payload)]) {
            const res = await t.app.inject({ method: 'POST', url: target.url, headers: { ...(body.contentType ? { 'content-type': body.contentType } : {}), ...headers }, payload: body.payload })
            assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${body.name}: ${res.statusCode} ${res.body.slice(0, 200)}`)
            const answer = JSON.parse(res.body) as { errorCode?: unknown; errorMessage?: unknown }
            assert.equal(typeof answer.errorCode, 'number', `${body.name}: ${res.body.slice(0, 200)}`)
            assert.equal(typeof answer.errorMessage, 'string')
          }
        }
        assert.deepEqual(await listInbound(t.runtime.db, ACCOUNT), [])
      })
    }

    test('a WhatsApp body signed with the real app secret but not Meta\'s shape is a 400, not a 500', async () => {
      for (const payload of ['[]', '{"object":"whatsapp_business_account","entry":"nope"}', '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"display_phone_number":1}}}]}]}', '{', '"x"']) {
        const res = await t.app.inject({ method: 'POST', url: `/webhooks/whatsapp/${ACCOUNT}`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(META.appSecret, payload) }, payload })
        assert.equal(res.statusCode, 400, `${payload}: ${res.body}`)
      }
      assert.deepEqual(await listInbound(t.runtime.db, ACCOUNT), [])
    })
  })
}
