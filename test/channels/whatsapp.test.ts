import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { appWithCapturedLog, dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { FakeGraphApi, signWebhook, statusItem, textMessageItem, webhookPayload } from '../fakes/graph.fake.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { fallBack } from '../../src/delivery/fallback.ts'
import type { AdapterRegistry } from '../../src/channels/adapter-registry.ts'
import { findConnection } from '../../src/channels/connections/connection.repository.ts'
import { WhatsAppAdapter } from '../../src/channels/whatsapp/whatsapp.adapter.ts'
import { listInbound } from '../../src/inbound/inbound.repository.ts'
import { findDelivery, listDeliveriesOfCall } from '../../src/delivery/delivery.repository.ts'
import { DEFAULT_DISPATCHER_OPTIONS, Dispatcher } from '../../src/delivery/dispatcher.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'

// A brand connected to the WhatsApp Cloud API, with the Graph API played by a local fake: the
// journey eligibility → invite → Graph API → Meta's signed webhooks, and each way a send fails.
// No background dispatcher: every send happens in an explicit `runOnce` on the test clock.

const ACCOUNT = '5100'
const OTHER = '5200'
const UNCONNECTED = '5300'
const BRAND_NUMBER = '+18005550102'
const PHONE_NUMBER_ID = '106540352242922'
const ACCESS_TOKEN = 'EAAG-test-access-token-0001'
const APP_SECRET = 'app-secret-of-5100'
const VERIFY_TOKEN = 'verify-token-of-5100'
const OTHER_PHONE_NUMBER_ID = '206540352242922'
const OTHER_APP_SECRET = 'app-secret-of-5200'
const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }

for (const dialect of dialects) {
  describe(`WhatsApp Cloud API channel (${dialect.name})`, () => {
    let t: TestApp
    let graph: FakeGraphApi
    let brand: BrandFixture<'waOnly' | 'waThenSms'>
    let key: IssuedApiKey
    /** WhatsApp only: template ivr_followup with variables {1: Ana, 2: Seattle}. */
    let waOnly: string
    /** WhatsApp, then SMS. */
    let waThenSms: string
    let nextPhone = 1000

    before(async () => {
      graph = await FakeGraphApi.start({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID })
      t = await startApp(dialect, { ...ENV, WHATSAPP_API_URL: graph.baseUrl })
      const wa = { fromNumber: BRAND_NUMBER, templateName: 'ivr_followup', language: 'en_US', variables: { '1': 'Ana', '2': 'Seattle' } }
      brand = await brandFixture(t, ACCOUNT, {
        skills: ['support'],
        numbers: [
          { number: BRAND_NUMBER, channel: 'wa' },
          { number: BRAND_NUMBER, channel: 'sms' },
        ],
        channels: ['sms', 'wa'],
        connect: { whatsapp: { phoneNumberId: PHONE_NUMBER_ID, wabaId: '102290129340398', accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN } },
        // Reviewed by Meta (the fake), approved by its signed webhook.
        graph,
        templates: [{ name: 'ivr_followup', body: 'Hi {{1}}, about your call from {{2}}: reply here to chat.' }],
        handoffs: {
          waOnly: { title: 'WA', channels: ['wa'], wa },
          waThenSms: { title: 'WA then SMS', channels: ['wa', 'sms'], wa, sms: { fromNumber: BRAND_NUMBER, message: 'Hi {{1}}, your order {{2}}' } },
        },
      })
      ;({ key } = brand)
      ;({ waOnly, waThenSms } = brand.handoffs)
      // A second brand on WhatsApp with its own Meta app, and a third on the sandbox only.
      await brandFixture(t, OTHER, {
        privileges: ['management'],
        connect: { whatsapp: { phoneNumberId: OTHER_PHONE_NUMBER_ID, wabaId: '202290129340398', accessToken: 'EAAG-other-access-token', appSecret: OTHER_APP_SECRET, verifyToken: 'verify-token-of-5200' } },
      })
      await brandFixture(t, UNCONNECTED, { privileges: ['management'] })
    })
    after(async () => {
      await t.close()
      await graph.close()
    })
    beforeEach(() => graph.reset())

    /** Eligibility then invite for a fresh consumer; the call and the consumer's number. */
    async function invite(handoffId: string, templateVariables: Record<string, string> = {}): Promise<{ callId: string; phone: string }> {
      const phone = `+1425954${nextPhone++}`
      return { callId: await brand.invited(phone, handoffId, { templateVariables }), phone }
    }

    /** A webhook POST as Meta makes it: the body's bytes as given, signed with `secret` unless a signature is given. */
    function postWebhook(body: string | object, options: { account?: string; secret?: string; signature?: string | null } = {}): Promise<LightMyRequestResponse> {
      const raw = typeof body === 'string' ? body : JSON.stringify(body)
      const signature = options.signature === undefined ? signWebhook(options.secret ?? APP_SECRET, raw) : options.signature
      return t.app.inject({
        method: 'POST',
        url: `/webhooks/whatsapp/${options.account ?? ACCOUNT}`,
        headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-hub-signature-256': signature }) },
        payload: raw,
      })
    }

    async function postStatus(wamid: string, status: 'sent' | 'delivered' | 'read' | 'failed', phone: string, error?: 131026): Promise<void> {
      const res = await postWebhook(webhookPayload(PHONE_NUMBER_ID, '18005550102', { statuses: [statusItem(wamid, status, phone.slice(1), error)] }))
      assert.equal(res.statusCode, 200, res.body)
    }

    /** Invites on the WhatsApp-only handoff and sends it: the Graph API's message id. */
    async function sentMessage(): Promise<{ callId: string; phone: string; wamid: string }> {
      const { callId, phone } = await invite(waOnly)
      assert.equal(await t.app.dispatcher.runOnce(), 1)
      const wamid = graph.acceptedIds.at(-1)
      assert.ok(wamid)
      return { callId, phone, wamid }
    }

    async function statusEvents(wamid: string): Promise<string[]> {
      const rows = await t.runtime.db.selectFrom('delivery_status_events').select('status').where('provider', '=', 'whatsapp').where('provider_message_id', '=', wamid).orderBy('status').execute()
      return rows.map((r) => r.status)
    }

    async function inboundCount(): Promise<number> {
      return (await listInbound(t.runtime.db, ACCOUNT)).length
    }

    function assertRefused(res: LightMyRequestResponse): void {
      assert.equal(res.statusCode, 403, res.body)
      assert.equal(json(res).errorCode, 1101)
    }

    describe('connection', () => {
      test('GET shows the connection with every secret masked, and the store holds it sealed', async () => {
        const res = await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/channels/whatsapp`)
        assert.equal(res.statusCode, 200, res.body)
        assert.deepEqual(json(res), {
          phoneNumberId: PHONE_NUMBER_ID,
          wabaId: '102290129340398',
          accessToken: '••••0001',
          appSecret: '••••5100',
          verifyToken: '••••5100',
          apiVersion: 'v21.0',
        })
        for (const secret of [ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN]) assert.ok(!res.body.includes(secret))
        const row = await t.runtime.db.selectFrom('channel_connections').select('config').where('account_id', '=', ACCOUNT).where('provider', '=', 'whatsapp').executeTakeFirstOrThrow()
        for (const secret of [ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN]) assert.ok(!row.config.includes(secret), 'secrets are sealed at rest')
      })
    })

    describe('sending', () => {
      test('eligibility → invite → the Graph API gets the template → signed statuses → delivered', async () => {
        const { callId, phone } = await invite(waOnly, { '2': 'Portland' })
        assert.equal(await t.app.dispatcher.runOnce(), 1)

        assert.equal(graph.requests.length, 1)
        const [sent] = graph.requests
        assert.equal(sent!.path, `/v21.0/${PHONE_NUMBER_ID}/messages`)
        assert.equal(sent!.authorization, `Bearer ${ACCESS_TOKEN}`)
        assert.match(sent!.contentType ?? '', /^application\/json/)
        // The call's {{2}} overlays the handoff's; {{1}} keeps the handoff's value.
        assert.deepEqual(sent!.body, {
          messaging_product: 'whatsapp',
          to: phone.slice(1),
          type: 'template',
          template: {
            name: 'ivr_followup',
            language: { code: 'en_US' },
            components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: 'Portland' }] }],
          },
        })

        const wamid = graph.acceptedIds[0]!
        const outbox = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(outbox?.status, 'sent')
        assert.equal(outbox?.providerMessageId, wamid)
        const deliveries = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.deepEqual(deliveries.map((d) => [d.channel, d.provider, d.providerMessageId, d.status]), [['wa', 'whatsapp', wamid, 'queued']])
        const inbox = json(await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/sandbox/messages?consumer=${encodeURIComponent(phone)}`)).items
        assert.deepEqual(inbox, [], 'nothing went to the sandbox')

        await postStatus(wamid, 'sent', phone)
        assert.equal((await findDelivery(t.runtime.db, 'whatsapp', wamid))?.status, 'sent')
        await postStatus(wamid, 'delivered', phone)
        const delivered = await findDelivery(t.runtime.db, 'whatsapp', wamid)
        assert.equal(delivered?.status, 'delivered')
        assert.equal(delivered?.callId, callId)
        assert.equal(delivered?.errorCode, null)
      })

      test('read, then a late delivered: the message stays read; the same status twice counts once', async () => {
        const { phone, wamid } = await sentMessage()
        await postStatus(wamid, 'read', phone)
        await postStatus(wamid, 'delivered', phone)
        assert.equal((await findDelivery(t.runtime.db, 'whatsapp', wamid))?.status, 'read')
        await postStatus(wamid, 'read', phone)
        await postStatus(wamid, 'read', phone)
        assert.deepEqual(await statusEvents(wamid), ['delivered', 'read'])
        assert.equal((await findDelivery(t.runtime.db, 'whatsapp', wamid))?.status, 'read')
      })

      test('a failed status keeps Meta\'s error code and title', async () => {
        const { phone, wamid } = await sentMessage()
        await postStatus(wamid, 'failed', phone, 131026)
        const failed = await findDelivery(t.runtime.db, 'whatsapp', wamid)
        assert.equal(failed?.status, 'failed')
        assert.equal(failed?.errorCode, '131026')
        assert.equal(failed?.errorMessage, 'Message undeliverable')
      })

      for (const code of [131026, 131047] as const) {
        test(`a permanent ${code} on a WhatsApp-only handoff fails the message at once, without retry`, async () => {
          graph.next({ error: code })
          const { callId } = await invite(waOnly)
          assert.equal(await t.app.dispatcher.runOnce(), 1)
          const row = await findOutboxByCall(t.runtime.db, callId)
          assert.equal(row?.status, 'failed')
          assert.match(row?.lastError ?? '', new RegExp(`^wa ${code}: \\(#${code}\\) `))
          t.clock.advance(3600_000)
          assert.equal(await t.app.dispatcher.runOnce(), 0, 'nothing is retried')
          assert.equal(graph.requests.length, 1)
          assert.deepEqual(await listDeliveriesOfCall(t.runtime.db, callId), [])
        })
      }

      test('WA permanent error → the message goes by SMS instead (sandbox for SMS)', async () => {
        graph.next({ error: 131026 })
        const { callId, phone } = await invite(waThenSms, { '1': 'Jane', '2': 'A-100' })
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const rerouted = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(rerouted?.channel, 'sms')
        assert.equal(rerouted?.status, 'pending')
        assert.match(rerouted?.lastError ?? '', /^wa 131026: /)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
        assert.equal(graph.requests.length, 1, 'WhatsApp was tried once')
        const inbox = json(await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/sandbox/messages?consumer=${encodeURIComponent(phone)}`)).items
        assert.deepEqual(inbox.map((m: { channel: string; text: string }) => [m.channel, m.text]), [['sms', 'Hi Jane, your order A-100\nReply STOP to opt out']])
      })

      test('a 500, then success: retried once after the backoff and sent', async () => {
        graph.next({ status: 500 })
        const { callId } = await invite(waOnly)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const waiting = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(waiting?.status, 'pending')
        assert.match(waiting?.lastError ?? '', /^wa 131000: /)
        const wait = Date.parse(waiting!.availableAt) - t.clock.now().getTime()
        assert.ok(wait >= 500 && wait <= 1000, `first backoff is 0.5 to 1 s, got ${wait} ms`)
        t.clock.advance(wait)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const sent = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(sent?.status, 'sent')
        assert.equal(sent?.attempts, 2)
        assert.equal(graph.requests.length, 2)
        assert.deepEqual((await listDeliveriesOfCall(t.runtime.db, callId)).map((d) => d.providerMessageId), [graph.acceptedIds[0]])
      })

      test('a 429 with Retry-After: transient, and not sent again before the time Meta gave', async () => {
        graph.next({ status: 429, retryAfterSeconds: 120 })
        const { callId } = await invite(waOnly)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const waiting = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(waiting?.status, 'pending')
        assert.match(waiting?.lastError ?? '', /^wa 130429: /)
        assert.equal(Date.parse(waiting!.availableAt), t.clock.now().getTime() + 120_000)
        t.clock.advance(119_000)
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        t.clock.advance(1_000)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
        assert.equal(graph.requests.length, 2)
      })

      test('throttling (130429 on a 400) is transient: retried after the backoff and sent', async () => {
        graph.next({ error: 130429 })
        const { callId } = await invite(waOnly)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const waiting = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(waiting?.status, 'pending')
        assert.match(waiting?.lastError ?? '', /^wa 130429: \(#130429\) Rate limit hit/)
        t.clock.set(waiting!.availableAt)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
      })

      test('a Graph API that never answers: the send times out as transient, and the retry is sent', async () => {
        // The app's adapters wait 10 s; this dispatcher's wait 200 ms, over the same stored connection.
        const adapters: Pick<AdapterRegistry, 'adapterFor'> = {
          async adapterFor(accountId, channel) {
            assert.equal(channel, 'wa')
            const stored = await findConnection(t.runtime.db, t.runtime.secrets, accountId, 'whatsapp')
            assert.ok(stored)
            return new WhatsAppAdapter(stored.config, t.config, { timeoutMs: 200 })
          },
        }
        const dispatcher = new Dispatcher(t.runtime.db, t.clock, adapters as AdapterRegistry, pino({ level: 'silent' }), DEFAULT_DISPATCHER_OPTIONS, (claim, failed, reason, now) => fallBack(t.runtime, claim, failed, reason, now))
        graph.next({ hang: true })
        const { callId } = await invite(waOnly)
        assert.equal(await dispatcher.runOnce(), 1)
        const waiting = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(waiting?.status, 'pending')
        assert.match(waiting?.lastError ?? '', /^wa timeout: whatsapp did not answer/)
        t.clock.set(waiting!.availableAt)
        assert.equal(await dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
        assert.equal(graph.requests.length, 2)
      })
    })

    describe('webhook verification handshake', () => {
      const handshake = (account: string, token: string | undefined, mode = 'subscribe') => {
        const query = new URLSearchParams({ 'hub.mode': mode, 'hub.challenge': '1158201444', ...(token === undefined ? {} : { 'hub.verify_token': token }) })
        return t.app.inject({ method: 'GET', url: `/webhooks/whatsapp/${account}?${query}` })
      }

      test('the brand\'s verify token gets the challenge back as text', async () => {
        const res = await handshake(ACCOUNT, VERIFY_TOKEN)
        assert.equal(res.statusCode, 200, res.body)
        assert.match(String(res.headers['content-type']), /^text\/plain/)
        assert.equal(res.body, '1158201444')
      })

      test('a wrong or missing token, another mode, another brand\'s token or an unconnected brand: 403', async () => {
        assertRefused(await handshake(ACCOUNT, 'verify-token-of-5101'))
        assertRefused(await handshake(ACCOUNT, VERIFY_TOKEN.slice(0, -1)))
        assertRefused(await handshake(ACCOUNT, undefined))
        assertRefused(await handshake(ACCOUNT, VERIFY_TOKEN, 'unsubscribe'))
        assertRefused(await handshake(OTHER, VERIFY_TOKEN))
        assertRefused(await handshake(UNCONNECTED, VERIFY_TOKEN))
        assertRefused(await handshake('999999', VERIFY_TOKEN))
      })
    })

    describe('messages webhook', () => {
      const consumer = '14259547001'
      /** Meta's bytes for a text message whose body is JSON with escaped unicode next to a raw emoji. */
      const rawTextMessage = (wamid: string) =>
        JSON.stringify(webhookPayload(PHONE_NUMBER_ID, '1 800-555-0102', { messages: [textMessageItem(wamid, consumer, 'PLACEHOLDER')] })).replace('"PLACEHOLDER"', '"Hi 👋 \\u00e9t\\u00e9"')

      test('a consumer message signed over its raw bytes (emoji and escaped unicode) is stored', async () => {
        const raw = rawTextMessage('wamid.inbound-unicode')
        const res = await postWebhook(raw)
        assert.equal(res.statusCode, 200, res.body)
        const stored = (await listInbound(t.runtime.db, ACCOUNT)).find((m) => m.providerMessageId === 'wamid.inbound-unicode')
        assert.deepEqual(
          stored && { channel: stored.channel, provider: stored.provider, from: stored.from, to: stored.to, text: stored.text, receivedAt: stored.receivedAt },
          { channel: 'wa', provider: 'whatsapp', from: `+${consumer}`, to: BRAND_NUMBER, text: 'Hi 👋 été', receivedAt: t.clock.now().toISOString() },
        )
      })

      test('a signature over a re-serialisation of the same JSON is refused: only the bytes as sent count', async () => {
        const raw = rawTextMessage('wamid.inbound-reserialised')
        const reserialised = JSON.stringify(JSON.parse(raw))
        assert.notEqual(reserialised, raw)
        const before = await inboundCount()
        assertRefused(await postWebhook(raw, { signature: signWebhook(APP_SECRET, reserialised) }))
        assert.equal(await inboundCount(), before)
      })

      test('tampered, wrongly keyed, missing or malformed signatures, unknown or unconnected brands: 403 and nothing recorded', async () => {
        const raw = rawTextMessage('wamid.inbound-forged')
        const signature = signWebhook(APP_SECRET, raw)
        const before = await inboundCount()
        assertRefused(await postWebhook(raw.replace('Hi', 'Ho'), { signature }))
        assertRefused(await postWebhook(raw, { secret: OTHER_APP_SECRET }))
        assertRefused(await postWebhook(raw, { signature: null }))
        assertRefused(await postWebhook(raw, { signature: '' }))
        assertRefused(await postWebhook(raw, { signature: signature.slice('sha256='.length) }))
        assertRefused(await postWebhook(raw, { signature: signature.replace('sha256=', 'sha1=') }))
        assertRefused(await postWebhook(raw, { signature: signature.slice(0, -2) }))
        assertRefused(await postWebhook(raw, { account: UNCONNECTED }))
        assertRefused(await postWebhook(raw, { account: '999999' }))
        assertRefused(await postWebhook('', { signature: null }))
        assert.equal(await inboundCount(), before)
        assert.equal((await listInbound(t.runtime.db, UNCONNECTED)).length, 0)
      })

      test('a message Meta sends twice is stored once; non-text messages get a placeholder', async () => {
        const body = webhookPayload(PHONE_NUMBER_ID, '18005550102', {
          messages: [textMessageItem('wamid.inbound-twice', consumer, 'Yes please'), { from: consumer, id: 'wamid.inbound-image', timestamp: '1790000000', type: 'image', image: { id: '1479537139650973', mime_type: 'image/jpeg' } }],
        })
        assert.equal((await postWebhook(body)).statusCode, 200)
        assert.equal((await postWebhook(body)).statusCode, 200)
        const stored = (await listInbound(t.runtime.db, ACCOUNT)).filter((m) => m.providerMessageId === 'wamid.inbound-twice' || m.providerMessageId === 'wamid.inbound-image')
        assert.deepEqual(stored.map((m) => [m.providerMessageId, m.text]).sort(), [['wamid.inbound-image', '[image]'], ['wamid.inbound-twice', 'Yes please']])
      })

      test('a change for another number of the same Meta app is ignored', async () => {
        const before = await inboundCount()
        const res = await postWebhook(webhookPayload('999', '18005550999', { messages: [textMessageItem('wamid.inbound-other-number', consumer, 'hello')] }))
        assert.equal(res.statusCode, 200, res.body)
        assert.equal(await inboundCount(), before)
      })

      test('another brand cannot move this brand\'s message with its own signed webhook', async () => {
        const { phone, wamid } = await sentMessage()
        const res = await postWebhook(webhookPayload(OTHER_PHONE_NUMBER_ID, '18005550103', { statuses: [statusItem(wamid, 'read', phone.slice(1))] }), { account: OTHER, secret: OTHER_APP_SECRET })
        assert.equal(res.statusCode, 200, res.body)
        assert.equal((await findDelivery(t.runtime.db, 'whatsapp', wamid))?.status, 'queued')
        assert.deepEqual(await statusEvents(wamid), [])
      })

      test('a signed body that is not JSON is a 400; other routes keep the strict JSON parser', async () => {
        const res = await postWebhook('{"object":')
        assert.equal(res.statusCode, 400, res.body)
        assert.equal(json(res).errorCode, 1000)
        const nul = await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/sandbox/inbound`, { channel: 'sms', from: '+14259547001', to: BRAND_NUMBER, text: 'a\u0000b' })
        assert.equal(nul.statusCode, 400, nul.body)
        assert.equal(json(nul).errorCode, 1000)
      })

      test('the webhooks are in the OpenAPI document, without API credentials', async () => {
        const doc = json(await t.app.inject({ method: 'GET', url: '/api/api-docs/json' }))
        const path = doc.paths['/webhooks/whatsapp/{accountId}']
        assert.deepEqual(Object.keys(path ?? {}).sort(), ['get', 'post'])
        assert.deepEqual(path.get.security, [])
        assert.deepEqual(path.post.security, [])
      })
    })

    describe('logs', () => {
      test('neither the verify token nor the app secret nor the signature reaches the log', async () => {
        const { app: logged, lines } = await appWithCapturedLog(t)
        try {
          const query = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '77' })
          const handshake = await logged.inject({ method: 'GET', url: `/webhooks/whatsapp/${ACCOUNT}?${query}`, headers: { 'x-request-id': 'wa-handshake' } })
          assert.equal(handshake.statusCode, 200, handshake.body)
          const raw = JSON.stringify(webhookPayload(PHONE_NUMBER_ID, '18005550102', { messages: [textMessageItem('wamid.logged', '14259547002', 'hello')] }))
          const signature = signWebhook(APP_SECRET, raw)
          const posted = await logged.inject({ method: 'POST', url: `/webhooks/whatsapp/${ACCOUNT}`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, payload: raw })
          assert.equal(posted.statusCode, 200, posted.body)

          const text = lines.join('\n')
          const incoming = lines.map((line) => JSON.parse(line) as { reqId?: string; req?: { url?: string } }).find((e) => e.reqId === 'wa-handshake' && e.req)
          assert.equal(incoming?.req?.url, `/webhooks/whatsapp/${ACCOUNT}`, text)
          for (const secret of [VERIFY_TOKEN, APP_SECRET, signature.slice('sha256='.length), '14259547002']) assert.ok(!text.includes(secret), `${secret} in\n${text}`)
          assert.ok(text.includes('consumer message received'), text)
        } finally {
          await logged.close()
        }
      })
    })

    describe('disconnecting', () => {
      test('a deleted live connection never sends to the sandbox: WA falls back to SMS, or fails with the reason; eligibility stops offering WA', async () => {
        // Invited while connected, sent after the connection is gone.
        const waFirst = await invite(waThenSms)
        const waOnlyCall = await invite(waOnly)
        const deleted = await signedRequest(t, key, 'DELETE', `/api/account/${ACCOUNT}/channels/whatsapp`)
        assert.equal(deleted.statusCode, 204, deleted.body)
        assert.equal((await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/channels/whatsapp`)).statusCode, 404)
        const modes = json(await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/channel-modes`)).items
        assert.deepEqual(modes.find((m: { channel: string }) => m.channel === 'wa'), { channel: 'wa', mode: 'live', connected: false, deliverable: false })

        while ((await t.app.dispatcher.runOnce()) > 0);
        assert.equal(graph.requests.length, 0)
        const fellBack = await findOutboxByCall(t.runtime.db, waFirst.callId)
        assert.equal(fellBack?.channel, 'sms')
        assert.equal(fellBack?.status, 'sent')
        const failed = await findOutboxByCall(t.runtime.db, waOnlyCall.callId)
        assert.equal(failed?.status, 'failed')
        assert.match(failed?.lastError ?? '', /^wa no-connection: the brand's wa channel is live but whatsapp is not connected/)
        const inbox = async (phone: string) => json(await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/sandbox/messages?consumer=${encodeURIComponent(phone)}`)).items.map((m: { channel: string }) => m.channel)
        assert.deepEqual(await inbox(waOnlyCall.phone), [], 'nothing "delivered" into the simulator')
        assert.deepEqual(await inbox(waFirst.phone), ['sms'], 'the fallback on SMS (in sandbox here), never WA in the simulator')

        const later = await brand.eligibility(`+1425954${nextPhone++}`, waOnly)
        assert.equal(later.statusCode, 200, later.body)
        assert.equal(json(later).eligible, false)
        assert.deepEqual(json(later).availableChannels, [])

        assertRefused(await postWebhook(webhookPayload(PHONE_NUMBER_ID, '18005550102', { messages: [textMessageItem('wamid.after-delete', '14259547001', 'hello')] })))
        const query = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' })
        assertRefused(await t.app.inject({ method: 'GET', url: `/webhooks/whatsapp/${ACCOUNT}?${query}` }))

        // Going back to the sandbox is deliberate, and then WA is offered and lands in the simulator.
        const live = await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channel-modes/wa`, { mode: 'live' })
        assert.equal(live.statusCode, 409, live.body)
        const sandbox = await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channel-modes/wa`, { mode: 'sandbox' })
        assert.deepEqual(json(sandbox), { channel: 'wa', mode: 'sandbox', connected: false, deliverable: true })
        const { callId, phone } = await invite(waOnly)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
        assert.deepEqual(await inbox(phone), ['wa'])
      })
    })
  })
}
