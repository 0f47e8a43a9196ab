import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { dialects, json, signedRequest, startApp, startSecondInstance, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import { TwilioFake } from '../fakes/twilio.fake.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { saveConnection } from '../../src/channels/connections/connection.repository.ts'
import type { Provider } from '../../src/channels/connections/connection.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'

// Provider endpoints are the operator's (TWILIO_API_URL…, here the fakes on 127.0.0.1). A brand
// may name another host only on PROVIDER_URL_ALLOWLIST, and never one that reaches loopback,
// private, link-local (cloud metadata) or unspecified addresses: refused when the connection is
// saved, and again when a request connects, whatever the connection holds.

const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }
const TWILIO = { accountSid: 'AC' + 'e'.repeat(32), authToken: 'token-of-brand-7301' }
const SMS_NUMBER = '+18005550131'
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })

/** A valid connection body per provider, and the fields that name an endpoint. */
const CONNECTIONS: Record<Provider, { body: Record<string, unknown>; urlFields: string[] }> = {
  twilio: { body: TWILIO, urlFields: ['baseUrl', 'lookupBaseUrl'] },
  whatsapp: { body: { phoneNumberId: '1234567890', wabaId: '1234567891', accessToken: 'EAAG-token', appSecret: 'app-secret', verifyToken: 'verify-token' }, urlFields: ['baseUrl'] },
  fcm: {
    body: { projectId: 'acme-c2m-push', serviceAccount: { type: 'service_account', project_id: 'acme-c2m-push', private_key_id: 'k1', private_key: privateKey, client_email: 'push@acme-c2m-push.iam.gserviceaccount.com' } },
    urlFields: ['baseUrl', 'tokenUrl'],
  },
}

/** Endpoints that reach the service's own host, its network or its cloud's metadata service, and why each is refused. */
const HOSTILE: Array<[url: string, reason: RegExp]> = [
  ['https://127.0.0.1', /127\.0\.0\.1 is a loopback address/],
  ['https://127.1', /loopback/],
  ['https://2130706433', /loopback/],
  ['https://0x7f000001', /loopback/],
  ['https://[::1]', /\[::1\] is a loopback address/],
  ['https://[::ffff:127.0.0.1]', /loopback/],
  ['https://localhost', /localhost resolves to (127\.0\.0\.1|::1), a loopback address/],
  ['https://0.0.0.0', /unspecified/],
  ['https://169.254.169.254', /169\.254\.169\.254 is a link-local address/],
  ['https://[::ffff:169.254.169.254]', /link-local/],
  ['https://[fd00:ec2::254]', /private/],
  ['https://10.0.0.1', /private/],
  ['https://172.16.0.1', /private/],
  ['https://192.168.1.1', /private/],
  ['https://100.100.100.200', /private/],
  ['http://api.twilio.com', /must use https/],
  ['https://api.twilio.com:8443', /default https port/],
]

for (const dialect of dialects) {
  describe(`provider endpoints a brand may name (${dialect.name})`, () => {
    let t: TestApp
    let fake: TwilioFake
    let key: IssuedApiKey
    const account = '7301'
    let handoffId: string
    let nextPhone = 1000

    before(async () => {
      fake = await TwilioFake.start({ [TWILIO.accountSid]: TWILIO.authToken })
      // The broadest allow-list an operator can set: the address checks hold regardless.
      t = await startApp(dialect, { ...ENV, TWILIO_API_URL: fake.baseUrl, PROVIDER_URL_ALLOWLIST: '*' })
      ;({ key, handoffs: { sms: handoffId } } = await brandFixture(t, account, {
        skills: ['support'],
        numbers: [{ number: SMS_NUMBER, channel: 'sms' }],
        channels: ['sms'],
        handoffs: { sms: { title: 'SMS', lookbackMinutes: 60, channels: ['sms'], sms: { fromNumber: SMS_NUMBER, message: 'Hi' } } },
      }))
    })
    after(async () => {
      await t?.close()
      await fake?.close()
    })

    const put = (provider: Provider, body: unknown, app = t) => signedRequest(app, key, 'PUT', `/api/account/${account}/channels/${provider}`, body)

    test('loopback, private, link-local and metadata endpoints are refused at save time with the reason, for every provider and field', async () => {
      for (const [provider, { body, urlFields }] of Object.entries(CONNECTIONS) as Array<[Provider, (typeof CONNECTIONS)[Provider]]>) {
        for (const field of urlFields) {
          for (const [url, reason] of HOSTILE) {
            const value = field === 'tokenUrl' ? `${url}/token` : url
            const res = await put(provider, { ...body, [field]: value })
            const what = `${provider}.${field} = ${value}`
            assert.equal(res.statusCode, 400, `${what}: ${res.body}`)
            const error = json(res)
            assert.equal(error.errorCode, 1000, what)
            assert.equal(error.fields.length, 1, `${what}: ${res.body}`)
            assert.equal(error.fields[0].field, field, what)
            assert.match(error.fields[0].message, reason, what)
          }
        }
        const stored = await signedRequest(t, key, 'GET', `/api/account/${account}/channels/${provider}`)
        assert.equal(stored.statusCode, 404, `${provider}: nothing was stored`)
      }
      assert.equal(fake.requests.length, 0)
    })

    test('with the default allow-list, a Twilio regional edge is kept and a host of no provider is refused', async () => {
      const defaults = await startSecondInstance(t, ENV)
      try {
        const edge = await put('twilio', { ...TWILIO, baseUrl: 'https://api.dublin.ie1.twilio.com/' }, defaults)
        assert.equal(edge.statusCode, 200, edge.body)
        assert.equal(json(edge).baseUrl, 'https://api.dublin.ie1.twilio.com')
        const elsewhere = await put('twilio', { ...TWILIO, baseUrl: 'https://api.twilio.com.evil.example' }, defaults)
        assert.equal(elsewhere.statusCode, 400, elsewhere.body)
        assert.deepEqual(json(elsewhere).fields, [
          { field: 'baseUrl', message: 'api.twilio.com.evil.example is not among the provider hosts this service allows (*.twilio.com, graph.facebook.com, *.googleapis.com; the operator\'s PROVIDER_URL_ALLOWLIST)' },
        ])
        assert.equal(json(await signedRequest(t, key, 'GET', `/api/account/${account}/channels/twilio`)).baseUrl, 'https://api.dublin.ie1.twilio.com', 'the refused PUT changed nothing')
      } finally {
        await defaults.close()
        assert.equal((await signedRequest(t, key, 'DELETE', `/api/account/${account}/channels/twilio`)).statusCode, 204)
      }
    })

    /** A connection stored as it was before endpoints were checked, then one invitation sent: its outbox row. */
    async function sendThrough(baseUrl: string) {
      t.clock.advance(1000)
      await saveConnection(t.runtime.db, t.runtime.secrets, account, 'twilio', { ...TWILIO, baseUrl }, t.clock.now().toISOString())
      const eligibility = await signedRequest(t, key, 'POST', `/api/account/${account}/eligibility?v=2.0`, { consumerPhoneNumber: `+1425957${nextPhone++}`, handoffId, skill: 'support' })
      assert.equal(eligibility.statusCode, 200, eligibility.body)
      const { callId } = json(eligibility)
      assert.equal((await signedRequest(t, key, 'POST', `/api/account/${account}/invite?v=2.0`, { callId })).statusCode, 200)
      assert.equal(await t.app.dispatcher.runOnce(), 1)
      const row = await findOutboxByCall(t.runtime.db, callId)
      assert.ok(row)
      return row
    }

    test('a stored endpoint on loopback is refused when sending, permanently, and nothing reaches it', async () => {
      const row = await sendThrough(fake.baseUrl)
      assert.equal(row.status, 'failed')
      assert.equal(row.lastError, `sms endpoint_refused: twilio not called: ${fake.baseUrl} must use https`)
      assert.equal(fake.requests.length, 0)
    })

    test('a stored name that resolves to loopback is refused by the lookup of the connection itself', async () => {
      // The name passes every check on the URL alone; only its address gives it away.
      const row = await sendThrough('https://localhost')
      assert.equal(row.status, 'failed')
      assert.match(row.lastError ?? '', /^sms endpoint_refused: twilio not called: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/)
    })

    test('the operator\'s endpoint, on loopback, is used when the brand names none', async () => {
      // A connection saved at a new time gets a new adapter.
      t.clock.advance(1000)
      assert.equal((await put('twilio', TWILIO)).statusCode, 200)
      const eligibility = await signedRequest(t, key, 'POST', `/api/account/${account}/eligibility?v=2.0`, { consumerPhoneNumber: `+1425957${nextPhone++}`, handoffId, skill: 'support' })
      const { callId } = json(eligibility)
      assert.equal((await signedRequest(t, key, 'POST', `/api/account/${account}/invite?v=2.0`, { callId })).statusCode, 200)
      assert.equal(await t.app.dispatcher.runOnce(), 1)
      const row = await findOutboxByCall(t.runtime.db, callId)
      assert.equal(row?.status, 'sent', row?.lastError ?? '')
      assert.equal(fake.requests.length, 1)
    })
  })
}
