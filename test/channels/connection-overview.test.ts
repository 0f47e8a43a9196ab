import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PUBLIC_ORIGIN, dialects, json, provisionBrand, startApp, type TestApp } from '../helper.ts'
import { personOf, type Session } from '../fixtures/people.ts'

// `GET /channels`: what the provider connections page shows — each provider connected or not and
// since when, its connection with the secrets masked, and the webhook URLs to paste into the
// provider's console, under PUBLIC_URL (or the request's own origin without it).

const ACCOUNT = '7401'
const TWILIO = { accountSid: 'AC' + 'e'.repeat(32), authToken: 'twilio-token-secret-7401' }
const WHATSAPP = { phoneNumberId: '106540352242922', wabaId: '102290129340398', accessToken: 'EAAG-access-7401', appSecret: 'app-secret-7401', verifyToken: 'verify-token-7401' }

interface Summary {
  provider: string
  channel: string
  connected: boolean
  connectedAt?: string
  updatedAt?: string
  connection?: Record<string, unknown>
  webhooks: Array<{ name: string; url: string }>
}

for (const dialect of dialects) {
  describe(`provider connections overview (${dialect.name})`, () => {
    let t: TestApp
    let admin: Session
    let lpa: Session
    const overview = async (session: Session = admin) => {
      const res = await session.request('GET', 'channels')
      assert.equal(res.statusCode, 200, res.body)
      return json<{ items: Summary[]; publicUrlSet: boolean }>(res)
    }
    const summaryOf = async (provider: string) => (await overview()).items.find((item) => item.provider === provider) as Summary

    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false' })
      await provisionBrand(t.runtime, ACCOUNT)
      admin = await personOf(t, ACCOUNT, 'admin')
      lpa = await personOf(t, ACCOUNT, 'lpa')
    })
    after(() => t.close())

    test('a new brand: nothing connected, and the webhook URLs under PUBLIC_URL already', async () => {
      assert.deepEqual(await overview(), {
        publicUrlSet: true,
        items: [
          {
            provider: 'twilio',
            channel: 'sms',
            connected: false,
            webhooks: [
              { name: 'inbound', url: `${PUBLIC_ORIGIN}/webhooks/twilio/${ACCOUNT}/inbound` },
              { name: 'status', url: `${PUBLIC_ORIGIN}/webhooks/twilio/${ACCOUNT}/status` },
            ],
          },
          { provider: 'whatsapp', channel: 'wa', connected: false, webhooks: [{ name: 'inbound', url: `${PUBLIC_ORIGIN}/webhooks/whatsapp/${ACCOUNT}` }] },
          { provider: 'fcm', channel: 'inapp', connected: false, webhooks: [] },
        ],
      })
    })

    test('connected: since when, the connection with its secrets masked, and never a secret in the answer', async () => {
      const connectedAt = t.clock.now().toISOString()
      assert.equal((await admin.request('PUT', 'channels/twilio', TWILIO)).statusCode, 200)
      assert.equal((await admin.request('PUT', 'channels/whatsapp', WHATSAPP)).statusCode, 200)
      const res = await admin.request('GET', 'channels')
      for (const secret of [TWILIO.authToken, WHATSAPP.accessToken, WHATSAPP.appSecret, WHATSAPP.verifyToken]) assert.ok(!res.body.includes(secret), `${secret} is not in the answer`)

      const twilio = await summaryOf('twilio')
      assert.equal(twilio.connected, true)
      assert.equal(twilio.connectedAt, connectedAt)
      assert.equal(twilio.updatedAt, connectedAt)
      assert.deepEqual(twilio.connection, { accountSid: TWILIO.accountSid, authToken: '••••7401', helpText: (twilio.connection as { helpText: string }).helpText })
      assert.equal((await summaryOf('whatsapp')).connection?.verifyToken, '••••7401')

      // The same masked connection as GET /channels/{provider} answers.
      assert.deepEqual(json(await admin.request('GET', 'channels/twilio')), twilio.connection)

      // A new token keeps "connected since" and moves "updated".
      t.clock.advance(60_000)
      assert.equal((await admin.request('PUT', 'channels/twilio', { ...TWILIO, authToken: 'a-rotated-token-9999' })).statusCode, 200)
      const rotated = await summaryOf('twilio')
      assert.equal(rotated.connectedAt, connectedAt)
      assert.equal(rotated.updatedAt, t.clock.now().toISOString())
      assert.equal(rotated.connection?.authToken, '••••9999')
    })

    test('each inbound URL is the route the provider calls: Twilio\'s refuses an unsigned request (403, not 404), Meta\'s handshake echoes the challenge', async () => {
      const [twilio, whatsapp] = (await overview()).items
      for (const { url } of twilio!.webhooks) {
        const res = await t.app.inject({ method: 'POST', url: new URL(url).pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'MessageSid=SM1&From=%2B1&To=%2B2' })
        assert.equal(res.statusCode, 403, `${url}: ${res.body}`)
      }
      const verify = new URL(whatsapp!.webhooks[0]!.url)
      verify.search = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': WHATSAPP.verifyToken, 'hub.challenge': 'challenge-7401' }).toString()
      const res = await t.app.inject({ method: 'GET', url: verify.pathname + verify.search })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.body, 'challenge-7401')
    })

    test('an LPA user reads the overview and cannot change a connection (403 1101)', async () => {
      const read = await overview(lpa)
      assert.equal(read.items[0]!.connected, true)
      for (const [method, resource, body] of [
        ['PUT', 'channels/twilio', TWILIO],
        ['DELETE', 'channels/twilio', undefined],
        ['PUT', 'channel-modes/sms', { mode: 'sandbox' }],
      ] as const) {
        const res = await lpa.request(method, resource, body)
        assert.equal(res.statusCode, 403, `${method} ${resource}: ${res.body}`)
        assert.equal(json(res).errorCode, 1101)
      }
    })

    test('disconnected: not connected again, the webhook URLs still shown', async () => {
      assert.equal((await admin.request('DELETE', 'channels/twilio')).statusCode, 204)
      const twilio = await summaryOf('twilio')
      assert.equal(twilio.connected, false)
      assert.equal(twilio.connection, undefined)
      assert.equal(twilio.webhooks.length, 2)
    })

    test('without PUBLIC_URL the URLs use the request\'s own origin, and the answer says so', async () => {
      const bare = await startApp(dialect, { DELIVERY_WORKER: 'false', PUBLIC_URL: '' })
      try {
        await provisionBrand(bare.runtime, ACCOUNT)
        const person = await personOf(bare, ACCOUNT, 'campaign-manager')
        const res = await bare.app.inject({ method: 'GET', url: `/api/account/${ACCOUNT}/channels`, headers: { cookie: `c2m_session=${person.cookie}`, host: 'c2m.internal:8080' } })
        assert.equal(res.statusCode, 200, res.body)
        const body = json<{ items: Summary[]; publicUrlSet: boolean }>(res)
        assert.equal(body.publicUrlSet, false)
        assert.equal(body.items[1]!.webhooks[0]!.url, `http://c2m.internal:8080/webhooks/whatsapp/${ACCOUNT}`)
      } finally {
        await bare.close()
      }
    })
  })
}
