import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import twilio from 'twilio'
import { PUBLIC_ORIGIN, dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { TwilioFake, inboundSmsParams, messageSid, sendTwilioWebhook, statusCallbackParams, type WebhookDelivery } from '../fakes/twilio.fake.ts'
import type { AdapterRegistry } from '../../src/channels/adapter-registry.ts'
import { DeliveryError } from '../../src/channels/channel-adapter.ts'
import { TwilioSmsAdapter } from '../../src/channels/twilio/twilio-sms.adapter.ts'
import { listInbound } from '../../src/inbound/inbound.repository.ts'
import { isOptedOut, listOptOutEvents } from '../../src/contacts/opt-out.repository.ts'
import { findDelivery, listDeliveriesOfCall } from '../../src/delivery/delivery.repository.ts'
import { DEFAULT_DISPATCHER_OPTIONS, Dispatcher } from '../../src/delivery/dispatcher.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'

// Twilio SMS end to end against a local fake of Twilio's Messages API: a brand's connection,
// eligibility → invite → the provider request → signed status callbacks, the provider's
// failures, the signed webhooks and the SMS opt-out keywords. Deliveries run in explicit
// `runOnce` rounds (DELIVERY_WORKER=false), so nothing races.

const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }
const SMS_NUMBER = '+18005550101'
const OTHER_NUMBER = '+18005550109'
const OPT_OUT_TEXT = 'Reply STOP to opt out'
const HELP_TEXT = 'Acme & Co <support>: "Msg&data rates may apply". Reply STOP to opt out.'
const DAY_MS = 24 * 3600 * 1000

const XML = '<?xml version="1.0" encoding="UTF-8"?>'
const NO_REPLY = `${XML}<Response/>`
const replyOf = (escaped: string) => `${XML}<Response><Message>${escaped}</Message></Response>`
const OPT_OUT_REPLY = replyOf('You have been unsubscribed and will receive no more messages from this number. Reply START to resubscribe.')
const OPT_IN_REPLY = replyOf('You have been resubscribed to messages from this number. Reply STOP to unsubscribe.')

const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']
const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP']
/** How a consumer may type a keyword: any case, surrounding spaces, a trailing newline. */
const variants = (keyword: string) => [keyword.toLowerCase(), ` ${keyword[0]}${keyword.slice(1).toLowerCase()} `, `${keyword}\n`]

type TwilioAccount = { accountSid: string; authToken: string }
type Brand = BrandFixture<'sms'> & TwilioAccount

/** A brand with an SMS-only handoff from SMS_NUMBER, set up through the configuration API; connected when `connection` is given. */
async function setUpBrand(t: TestApp, account: string, twilio: TwilioAccount, connection?: Record<string, string>): Promise<Brand> {
  const brand = await brandFixture(t, account, {
    skills: ['support'],
    numbers: [
      { number: SMS_NUMBER, channel: 'sms' },
      { number: OTHER_NUMBER, channel: 'sms' },
    ],
    settings: { channels: [{ name: 'sms', enabled: true }, { name: 'wa', enabled: false }, { name: 'inapp', enabled: false }], deviceCheck: false, routing: { skills: ['support'] } },
    ...(connection ? { connect: { twilio: { ...twilio, ...connection } } } : {}),
    handoffs: { sms: { title: 'SMS', channels: ['sms'], sms: { fromNumber: SMS_NUMBER, message: 'Hi {{1}}, your order {{2}}' } } },
  })
  return Object.assign(brand, twilio)
}

/** A Twilio account of a brand: its Account SID and auth token, known to the fake. */
const twilioAccount = (account: string, digit: string) => ({ accountSid: 'AC' + digit.repeat(32), authToken: `token-of-brand-${account}` })
const TWILIO_A = twilioAccount('7101', 'a')
const TWILIO_B = twilioAccount('7102', 'b')
const TWILIO_C = twilioAccount('7103', 'c')

for (const dialect of dialects) {
  describe(`Twilio SMS (${dialect.name})`, () => {
    let t: TestApp
    let fake: TwilioFake
    /** Connected to the fake, with its own help text. */
    let brand: Brand
    /** Connected to the fake, with the default help text. */
    let other: Brand
    /** Not connected (but while the connection API test connects it): the sandbox carries its SMS. */
    let unconnected: Brand
    let next = 1000
    const nextPhone = () => `+1425955${next++}`

    const ORDER = { templateVariables: { '1': 'Jane', '2': 'A-17' } }
    const eligibleCall = async (phone: string, b = brand): Promise<string> => (await b.eligible(phone, b.handoffs.sms, ORDER)).callId
    const invite = (callId: string, b = brand) => b.invite(callId)
    /** Eligibility, invite and one dispatcher round; the call's id. */
    async function invited(phone: string, b = brand): Promise<string> {
      const callId = await b.invited(phone, b.handoffs.sms, ORDER)
      assert.equal(await t.app.dispatcher.runOnce(), 1)
      return callId
    }
    async function outbox(callId: string) {
      const row = await findOutboxByCall(t.runtime.db, callId)
      assert.ok(row, 'the outbox row exists')
      return row
    }
    const webhook = (kind: 'inbound' | 'status', params: Record<string, string>, options: Partial<WebhookDelivery> = {}, b = brand) =>
      sendTwilioWebhook(t.app, { url: `${PUBLIC_ORIGIN}/webhooks/twilio/${b.account}/${kind}`, params, authToken: b.authToken, ...options })
    /** A consumer's SMS to the brand, posted and signed as Twilio does. */
    const sms = (from: string, body: string, options: { sid?: string; brand?: Brand } = {}) => {
      const b = options.brand ?? brand
      return webhook('inbound', inboundSmsParams(b.accountSid, { sid: options.sid ?? messageSid(), from, to: SMS_NUMBER, body }), {}, b)
    }
    const status = (sid: string, to: string, value: string, extra: Record<string, string> = {}, b = brand) =>
      webhook('status', { ...statusCallbackParams(b.accountSid, { sid, from: SMS_NUMBER, to, status: value }), ...extra }, {}, b)
    const twiml = (res: LightMyRequestResponse): string => {
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.headers['content-type'], 'text/xml; charset=utf-8')
      return res.body
    }
    function assertRefused(res: LightMyRequestResponse, what: string): void {
      assert.equal(res.statusCode, 403, `${what}: ${res.body}`)
      const body = json(res)
      assert.equal(body.errorCode, 1101, what)
      assert.equal(body.errorMessage, 'Not enough privilege to perform this operation', what)
    }
    const statusEvents = (sid: string) => t.runtime.db.selectFrom('delivery_status_events').select('status').where('provider', '=', 'twilio').where('provider_message_id', '=', sid).orderBy('status').execute()
    const optedOut = (phone: string, from = SMS_NUMBER) => isOptedOut(t.runtime.db, brand.account, phone, 'sms', from)

    before(async () => {
      fake = await TwilioFake.start(Object.fromEntries([TWILIO_A, TWILIO_B, TWILIO_C].map((a) => [a.accountSid, a.authToken])))
      t = await startApp(dialect, { ...ENV, TWILIO_API_URL: fake.baseUrl, TWILIO_LOOKUP_URL: fake.baseUrl })
      brand = await setUpBrand(t, '7101', TWILIO_A, { helpText: HELP_TEXT })
      other = await setUpBrand(t, '7102', TWILIO_B, {})
      unconnected = await setUpBrand(t, '7103', TWILIO_C)
    })
    // Every test starts with nothing due and a fake that has received nothing.
    afterEach(async () => {
      await t.runtime.db.deleteFrom('outbox').where('status', 'in', ['pending', 'sending']).execute()
      fake.reset()
    })
    after(async () => {
      await t?.close()
      await fake?.close()
    })

    describe('sending', () => {
      test('eligibility → invite → runOnce sends through Twilio; a signed `delivered` callback marks it delivered, a late `sent` does not move it back', async () => {
        const phone = nextPhone()
        const callId = await invited(phone)

        assert.equal(fake.requests.length, 1)
        const [request] = fake.requests
        assert.equal(request?.method, 'POST')
        assert.equal(request?.path, `/2010-04-01/Accounts/${brand.accountSid}/Messages.json`)
        assert.equal(request?.authorization, 'Basic ' + Buffer.from(`${brand.accountSid}:${brand.authToken}`).toString('base64'))
        assert.match(request?.contentType ?? '', /^application\/x-www-form-urlencoded/)
        assert.deepEqual(request?.form, {
          To: phone,
          From: SMS_NUMBER,
          Body: `Hi Jane, your order A-17\n${OPT_OUT_TEXT}`,
          StatusCallback: `https://c2m.example.com/webhooks/twilio/${brand.account}/status`,
        })
        const sid = fake.messages[0]?.sid ?? ''
        assert.match(sid, /^SM[0-9a-f]{32}$/)

        const row = await outbox(callId)
        assert.equal(row.status, 'sent')
        assert.equal(row.attempts, 1)
        assert.equal(row.providerMessageId, sid)
        const deliveries = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.equal(deliveries.length, 1)
        assert.deepEqual(
          { provider: deliveries[0]?.provider, channel: deliveries[0]?.channel, providerMessageId: deliveries[0]?.providerMessageId, status: deliveries[0]?.status, accountId: deliveries[0]?.accountId },
          { provider: 'twilio', channel: 'sms', providerMessageId: sid, status: 'queued', accountId: brand.account },
        )

        t.clock.advance(2000)
        const delivered = await status(sid, phone, 'delivered')
        assert.equal(delivered.statusCode, 204, delivered.body)
        assert.equal(delivered.body, '')
        const afterDelivered = await findDelivery(t.runtime.db, 'twilio', sid)
        assert.equal(afterDelivered?.status, 'delivered')
        assert.equal(afterDelivered?.updatedAt, t.clock.now().toISOString())

        t.clock.advance(1000)
        assert.equal((await status(sid, phone, 'sent')).statusCode, 204)
        assert.deepEqual(await findDelivery(t.runtime.db, 'twilio', sid), afterDelivered, 'a late `sent` leaves it delivered')

        t.clock.advance(1000)
        assert.equal((await status(sid, phone, 'delivered')).statusCode, 204, 'a repeated callback is acknowledged')
        assert.deepEqual(await findDelivery(t.runtime.db, 'twilio', sid), afterDelivered, 'and applied once')
        assert.deepEqual(await statusEvents(sid), [{ status: 'delivered' }, { status: 'sent' }])
        assert.equal(await t.app.dispatcher.runOnce(), 0, 'nothing is sent again')
        assert.equal(fake.requests.length, 1)
      })

      test('an `undelivered` callback keeps Twilio\'s ErrorCode and ErrorMessage', async () => {
        const phone = nextPhone()
        const callId = await invited(phone)
        const sid = fake.messages[0]?.sid ?? ''
        assert.equal((await status(sid, phone, 'sent')).statusCode, 204)
        assert.equal((await status(sid, phone, 'undelivered', { ErrorCode: '30003', ErrorMessage: 'Unreachable destination handset' })).statusCode, 204)
        const [delivery] = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.equal(delivery?.status, 'undelivered')
        assert.equal(delivery?.errorCode, '30003')
        assert.equal(delivery?.errorMessage, 'Unreachable destination handset')
      })

      test('a status Twilio may add later is acknowledged and changes nothing', async () => {
        const phone = nextPhone()
        const callId = await invited(phone)
        const sid = fake.messages[0]?.sid ?? ''
        assert.equal((await status(sid, phone, 'teleported')).statusCode, 204)
        assert.equal((await listDeliveriesOfCall(t.runtime.db, callId))[0]?.status, 'queued')
        assert.deepEqual(await statusEvents(sid), [])
      })

      test('a brand\'s signed callback cannot move another brand\'s message', async () => {
        const phone = nextPhone()
        await invited(phone)
        const sid = fake.messages[0]?.sid ?? ''
        const res = await status(sid, phone, 'failed', { ErrorCode: '30007' }, other)
        assert.equal(res.statusCode, 204, res.body)
        assert.equal((await findDelivery(t.runtime.db, 'twilio', sid))?.status, 'queued')
        assert.deepEqual(await statusEvents(sid), [])
      })

      for (const [code, message] of [
        [21614, 'To number: +14259550000, is not a mobile number'],
        [21610, 'Attempt to send to unsubscribed recipient'],
      ] as const) {
        test(`a permanent ${code} fails the message with the code, and it is never retried`, async () => {
          fake.respondNext({ kind: 'error', status: 400, code, message })
          const callId = await invited(nextPhone())
          const row = await outbox(callId)
          assert.equal(row.status, 'failed')
          assert.equal(row.attempts, 1)
          assert.equal(row.lastError, `sms ${code}: ${message}`)
          assert.deepEqual(await listDeliveriesOfCall(t.runtime.db, callId), [])
          t.clock.advance(DAY_MS)
          assert.equal(await t.app.dispatcher.runOnce(), 0)
          assert.equal(fake.requests.length, 1)
          assert.equal(fake.messages.length, 0)
        })
      }

      test('a 500 is retried after the backoff, then the message is sent once', async () => {
        fake.respondNext({ kind: 'error', status: 500, code: 20500, message: 'An internal server error has occurred' })
        const phone = nextPhone()
        const callId = await invited(phone)
        let row = await outbox(callId)
        assert.equal(row.status, 'pending')
        assert.equal(row.attempts, 1)
        assert.equal(row.lastError, 'sms 20500: An internal server error has occurred')
        const delay = Date.parse(row.availableAt) - t.clock.now().getTime()
        assert.ok(delay > 0, 'the retry waits')
        assert.equal(await t.app.dispatcher.runOnce(), 0, 'not before the backoff')

        t.clock.advance(delay)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        row = await outbox(callId)
        assert.equal(row.status, 'sent')
        assert.equal(row.attempts, 2)
        assert.equal(fake.requests.length, 2)
        assert.deepEqual(fake.requests[1]?.form, fake.requests[0]?.form, 'the same message both times')
        assert.equal(fake.messages.length, 1, 'Twilio accepted it once')
        assert.equal(row.providerMessageId, fake.messages[0]?.sid)
        assert.equal((await listDeliveriesOfCall(t.runtime.db, callId)).length, 1)
      })

      test('a 429 with Retry-After: 7 is retried exactly 7 s later', async () => {
        fake.respondNext({ kind: 'error', status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '7' })
        const callId = await invited(nextPhone())
        const row = await outbox(callId)
        assert.equal(row.status, 'pending')
        assert.equal(row.lastError, 'sms 20429: Too Many Requests')
        assert.equal(row.availableAt, new Date(t.clock.now().getTime() + 7000).toISOString())
        t.clock.advance(6999)
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        t.clock.advance(1)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await outbox(callId)).status, 'sent')
        assert.equal(fake.messages.length, 1)
      })

      test('Twilio not answering is a transient timeout: the adapter gives up and the message waits for a retry', async () => {
        const adapter = new TwilioSmsAdapter(brand.account, { accountSid: brand.accountSid, authToken: brand.authToken }, t.config, PUBLIC_ORIGIN, { timeoutMs: 200 })
        const registry: Pick<AdapterRegistry, 'adapterFor'> = { adapterFor: async () => adapter }
        const dispatcher = new Dispatcher(t.runtime.db, t.clock, registry as AdapterRegistry, pino({ level: 'silent' }), DEFAULT_DISPATCHER_OPTIONS)
        fake.respondNext({ kind: 'hang' })
        const callId = await eligibleCall(nextPhone())
        assert.equal((await invite(callId)).statusCode, 200)
        assert.equal(await dispatcher.runOnce(), 1)
        assert.equal(fake.requests.length, 1, 'the request reached Twilio, which never answered')
        const row = await outbox(callId)
        assert.equal(row.status, 'pending')
        assert.match(row.lastError ?? '', /^sms timeout: twilio did not answer/)

        // The adapter alone: a timeout is a transient DeliveryError, and the next call goes through.
        const message = row.message
        fake.reset()
        fake.respondNext({ kind: 'hang' })
        await assert.rejects(adapter.send(message), (error: unknown) => error instanceof DeliveryError && error.kind === 'transient' && error.code === 'timeout')
        const sent = await adapter.send(message)
        assert.match(sent.providerMessageId, /^SM[0-9a-f]{32}$/)
        assert.equal(sent.status, 'queued')
      })
    })

    describe('the connection API', () => {
      test('PUT and GET mask the auth token to its last four characters; DELETE leaves SMS live and undeliverable until switched back to the sandbox', async () => {
        const b = unconnected
        const path = `/api/account/${b.account}/channels/twilio`
        const missing = await signedRequest(t, b.key, 'GET', path)
        assert.equal(missing.statusCode, 404, missing.body)

        const put = await signedRequest(t, b.key, 'PUT', path, { accountSid: b.accountSid, authToken: b.authToken })
        assert.equal(put.statusCode, 200, put.body)
        const expected = {
          accountSid: b.accountSid,
          authToken: '••••7103',
          helpText: 'Reply STOP to opt out, START to opt back in.',
        }
        assert.deepEqual(json(put), expected)
        const get = await signedRequest(t, b.key, 'GET', path)
        assert.equal(get.statusCode, 200)
        assert.deepEqual(json(get), expected)
        assert.ok(!get.body.includes(b.authToken))
        const stored = await t.runtime.db.selectFrom('channel_connections').select('config').where('account_id', '=', b.account).executeTakeFirstOrThrow()
        assert.ok(!stored.config.includes(b.authToken), 'sealed at rest')

        for (const helpText of ['', '   ', 'x'.repeat(321)]) {
          const refused = await signedRequest(t, b.key, 'PUT', path, { accountSid: b.accountSid, authToken: b.authToken, helpText })
          assert.equal(refused.statusCode, 400, `helpText of ${helpText.length}: ${refused.body}`)
          assert.equal(json(refused).errorCode, 1000)
        }
        assert.deepEqual(json(await signedRequest(t, b.key, 'GET', path)), expected, 'a refused PUT changes nothing')

        // Connected: the brand's SMS goes to Twilio, not to the sandbox.
        const phone = nextPhone()
        await invited(phone, b)
        assert.deepEqual(fake.requests.map((r) => r.path), [`/2010-04-01/Accounts/${b.accountSid}/Messages.json`])
        const inbox = async (consumer: string) => json(await signedRequest(t, b.key, 'GET', `/api/account/${b.account}/sandbox/messages?consumer=${encodeURIComponent(consumer)}`)).items
        assert.deepEqual(await inbox(phone), [])

        const deleted = await signedRequest(t, b.key, 'DELETE', path)
        assert.equal(deleted.statusCode, 204, deleted.body)
        assert.equal((await signedRequest(t, b.key, 'GET', path)).statusCode, 404)
        assert.equal((await signedRequest(t, b.key, 'DELETE', path)).statusCode, 404)

        // Still live without a connection: SMS is no longer offered, and nothing reaches the simulator.
        const refused = await b.eligibility(nextPhone(), b.handoffs.sms)
        assert.equal(json(refused).eligible, false, refused.body)
        assert.equal(json(refused).availableChannels.length, 0)
        // Back to the sandbox, deliberately.
        assert.equal((await signedRequest(t, b.key, 'PUT', `/api/account/${b.account}/channel-modes/sms`, { mode: 'sandbox' })).statusCode, 200)
        const later = nextPhone()
        await invited(later, b)
        assert.equal(fake.requests.length, 1, 'Twilio is no longer used')
        const items = await inbox(later)
        assert.equal(items.length, 1)
        assert.equal(items[0].text, `Hi Jane, your order A-17\n${OPT_OUT_TEXT}`)
        assertRefused(await sms(nextPhone(), 'hello', { brand: b }), 'a webhook for a brand no longer connected')
      })
    })

    describe('webhooks', () => {
      test('a signed inbound SMS is answered with an empty TwiML response and stored once, however often Twilio posts it', async () => {
        const phone = nextPhone()
        const sid = messageSid()
        for (let i = 0; i < 3; i++) assert.equal(twiml(await sms(phone, 'Hello, is my order ready?', { sid })), NO_REPLY)
        const stored = await listInbound(t.runtime.db, brand.account, phone)
        assert.equal(stored.length, 1)
        assert.deepEqual(
          { channel: stored[0]?.channel, provider: stored[0]?.provider, providerMessageId: stored[0]?.providerMessageId, from: stored[0]?.from, to: stored[0]?.to, text: stored[0]?.text, receivedAt: stored[0]?.receivedAt },
          { channel: 'sms', provider: 'twilio', providerMessageId: sid, from: phone, to: SMS_NUMBER, text: 'Hello, is my order ready?', receivedAt: t.clock.now().toISOString() },
        )
      })

      test('a tampered body, URL or signature, another token or no signature → 403 and nothing recorded', async () => {
        const phone = nextPhone()
        const params = inboundSmsParams(brand.accountSid, { sid: messageSid(), from: phone, to: SMS_NUMBER, body: 'STOP' })
        const inboundUrl = `${PUBLIC_ORIGIN}/webhooks/twilio/${brand.account}/inbound`
        const signature = twilio.getExpectedTwilioSignature(brand.authToken, inboundUrl, params)
        const cases: Array<[string, Partial<WebhookDelivery>]> = [
          ['the body changed after signing', { signedParams: { ...params, Body: 'Hello' } }],
          ['a parameter added after signing', { signedParams: Object.fromEntries(Object.entries(params).filter(([name]) => name !== 'FromCity')) }],
          ['signed for another brand\'s URL', { signedUrl: `${PUBLIC_ORIGIN}/webhooks/twilio/${other.account}/inbound` }],
          ['signed for another host', { signedUrl: `https://attacker.example.com/webhooks/twilio/${brand.account}/inbound` }],
          ['signed for the status URL', { signedUrl: `${PUBLIC_ORIGIN}/webhooks/twilio/${brand.account}/status` }],
          ['a signature with one character changed', { signature: (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1) }],
          ['signed with another brand\'s token', { authToken: other.authToken }],
          ['an empty signature', { signature: '' }],
        ]
        for (const [what, tampering] of cases) assertRefused(await webhook('inbound', params, tampering), what)
        assertRefused(await sendTwilioWebhook(t.app, { url: inboundUrl, params }), 'unsigned')
        assertRefused(await sendTwilioWebhook(t.app, { url: `${PUBLIC_ORIGIN}/webhooks/twilio/7999/inbound`, params, authToken: brand.authToken }), 'an unknown brand')
        assertRefused(await sms(phone, 'STOP', { brand: unconnected }), 'a brand without a Twilio connection')

        assert.deepEqual(await listInbound(t.runtime.db, brand.account, phone), [])
        assert.equal(await optedOut(phone), false)
        assert.deepEqual(await listOptOutEvents(t.runtime.db, brand.account, phone), [])
        // The untampered request is accepted: the refusals were the tampering's doing.
        assert.equal(twiml(await webhook('inbound', params)), OPT_OUT_REPLY)
      })

      test('a tampered or unsigned status callback → 403 and the delivery is unchanged', async () => {
        const phone = nextPhone()
        await invited(phone)
        const sid = fake.messages[0]?.sid ?? ''
        const params = statusCallbackParams(brand.accountSid, { sid, from: SMS_NUMBER, to: phone, status: 'delivered' })
        const statusUrl = `${PUBLIC_ORIGIN}/webhooks/twilio/${brand.account}/status`
        assertRefused(await webhook('status', params, { signedParams: { ...params, MessageStatus: 'sent', SmsStatus: 'sent' } }), 'the status changed after signing')
        assertRefused(await webhook('status', params, { authToken: other.authToken }), 'signed with another brand\'s token')
        assertRefused(await sendTwilioWebhook(t.app, { url: statusUrl, params }), 'unsigned')
        assert.equal((await findDelivery(t.runtime.db, 'twilio', sid))?.status, 'queued')
        assert.deepEqual(await statusEvents(sid), [])
      })

      test('a signed request without the fields Twilio always sends → 400 1000, nothing recorded', async () => {
        const phone = nextPhone()
        const res = await webhook('inbound', { From: phone, To: SMS_NUMBER, Body: 'STOP' })
        assert.equal(res.statusCode, 400, res.body)
        assert.equal(json(res).errorCode, 1000)
        assert.deepEqual(json(res).fields, [{ field: 'MessageSid', message: 'is required' }])
        assert.deepEqual(await listInbound(t.runtime.db, brand.account, phone), [])
        assert.equal(await optedOut(phone), false)
      })
    })

    describe('opt-out keywords', () => {
      for (const keyword of OPT_OUT_KEYWORDS) {
        test(`${keyword}, in any case and with surrounding spaces, opts out with one confirmation`, async () => {
          for (const text of variants(keyword)) {
            const phone = nextPhone()
            const sid = messageSid()
            const answer = twiml(await sms(phone, text, { sid }))
            assert.equal(answer, OPT_OUT_REPLY, JSON.stringify(text))
            assert.equal(answer.split('<Message>').length - 1, 1, 'one confirmation')
            assert.equal(await optedOut(phone), true, JSON.stringify(text))
            assert.equal(await optedOut(phone, OTHER_NUMBER), false, 'only the number written to')
            assert.equal(twiml(await sms(phone, text, { sid })), NO_REPLY, 'a repeated webhook confirms nothing again')
            const events = await listOptOutEvents(t.runtime.db, brand.account, phone)
            assert.deepEqual(events, [{ action: 'opt-out', channel: 'sms', fromNumber: SMS_NUMBER, keyword, at: t.clock.now().toISOString() }])
            assert.equal((await listInbound(t.runtime.db, brand.account, phone)).length, 1, 'the message itself is stored too')
          }
        })
      }

      for (const keyword of OPT_IN_KEYWORDS) {
        test(`${keyword}, in any case and with surrounding spaces, opts back in with one confirmation`, async () => {
          for (const text of variants(keyword)) {
            const phone = nextPhone()
            assert.equal(twiml(await sms(phone, 'STOP')), OPT_OUT_REPLY)
            assert.equal(await optedOut(phone), true)
            const stoppedAt = t.clock.now().toISOString()
            t.clock.advance(1000)
            const sid = messageSid()
            assert.equal(twiml(await sms(phone, text, { sid })), OPT_IN_REPLY, JSON.stringify(text))
            assert.equal(await optedOut(phone), false, JSON.stringify(text))
            assert.equal(twiml(await sms(phone, text, { sid })), NO_REPLY, 'a repeated webhook confirms nothing again')
            assert.deepEqual(
              (await listOptOutEvents(t.runtime.db, brand.account, phone)).map((e) => [e.action, e.keyword, e.at]),
              [
                ['opt-out', 'STOP', stoppedAt],
                ['opt-in', keyword, t.clock.now().toISOString()],
              ],
            )
          }
        })
      }

      for (const keyword of ['HELP', 'INFO']) {
        test(`${keyword} is answered with the brand's help text, XML-escaped, and changes no opt-out`, async () => {
          for (const text of variants(keyword)) {
            const phone = nextPhone()
            assert.equal(twiml(await sms(phone, text)), replyOf('Acme &amp; Co &lt;support&gt;: "Msg&amp;data rates may apply". Reply STOP to opt out.'), JSON.stringify(text))
            assert.equal(await optedOut(phone), false)
            assert.deepEqual(await listOptOutEvents(t.runtime.db, brand.account, phone), [])
          }
          // A brand that set no help text gets the default one.
          assert.equal(twiml(await sms(nextPhone(), keyword, { brand: other })), replyOf('Reply STOP to opt out, START to opt back in.'))
        })
      }

      test('an ordinary message that mentions a keyword is no request', async () => {
        const phone = nextPhone()
        for (const text of ['stop by tomorrow?', 'Please STOP', 'stop.', 'help me', '']) {
          assert.equal(twiml(await sms(phone, text)), NO_REPLY, JSON.stringify(text))
        }
        assert.equal(await optedOut(phone), false)
        assert.deepEqual(await listOptOutEvents(t.runtime.db, brand.account, phone), [])
        assert.deepEqual((await listInbound(t.runtime.db, brand.account, phone)).map((m) => m.text).sort(), ['', 'Please STOP', 'help me', 'stop by tomorrow?', 'stop.'])
      })

      test('after STOP the consumer is not eligible and an earlier call\'s invite sends nothing; after START they are texted again', async () => {
        const phone = nextPhone()
        const earlierCall = await eligibleCall(phone)

        t.clock.advance(60_000)
        const stoppedAt = t.clock.now().toISOString()
        assert.equal(twiml(await sms(phone, 'STOP')), OPT_OUT_REPLY)

        const eligibility = await brand.eligibility(phone, brand.handoffs.sms)
        assert.equal(eligibility.statusCode, 200, eligibility.body)
        const { availableChannels, recommendedChannelName, eligible } = json(eligibility)
        assert.deepEqual({ availableChannels, recommendedChannelName, eligible }, { availableChannels: [], recommendedChannelName: '', eligible: false })

        const refused = await invite(earlierCall)
        assert.equal(refused.statusCode, 400, refused.body)
        assert.equal(json(refused).errorCode, 1400)
        assert.equal(json(refused).errorMessage, 'Message cannot be sent')
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        assert.equal(fake.requests.length, 0, 'nothing reached Twilio')

        t.clock.advance(60_000)
        const startedAt = t.clock.now().toISOString()
        assert.equal(twiml(await sms(phone, 'START')), OPT_IN_REPLY)
        await invited(phone)
        assert.deepEqual(fake.requests.map((r) => r.form.To), [phone])

        assert.deepEqual(await listOptOutEvents(t.runtime.db, brand.account, phone), [
          { action: 'opt-out', channel: 'sms', fromNumber: SMS_NUMBER, keyword: 'STOP', at: stoppedAt },
          { action: 'opt-in', channel: 'sms', fromNumber: SMS_NUMBER, keyword: 'START', at: startedAt },
        ])
      })
    })
  })
}
