import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { PUBLIC_ORIGIN, dialects, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { FakeGraphApi, signWebhook, statusItem, webhookPayload } from '../fakes/graph.fake.ts'
import { TwilioFake, messageSid, sendTwilioWebhook, statusCallbackParams } from '../fakes/twilio.fake.ts'
import { insertAccount } from '../../src/accounts/account.repository.ts'
import { AdapterRegistry } from '../../src/channels/adapter-registry.ts'
import type { ChannelAdapter, SendResult } from '../../src/channels/channel-adapter.ts'
import type { OutboundMessage } from '../../src/channels/outbound-message.ts'
import { TwilioSmsAdapter } from '../../src/channels/twilio/twilio-sms.adapter.ts'
import { WhatsAppAdapter } from '../../src/channels/whatsapp/whatsapp.adapter.ts'
import { findDelivery, listDeliveriesOfCall } from '../../src/delivery/delivery.repository.ts'
import { DEFAULT_DISPATCHER_OPTIONS, Dispatcher } from '../../src/delivery/dispatcher.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'
import { openDatabase } from '../../src/store/database.ts'
import { migrateTo } from '../../src/store/migrate.ts'

// A provider's status callback can beat our record of the send: the provider answered the send,
// posted its callback at once, and the webhook ran before the dispatcher's transaction committed.
// Here the adapters post the real, signed webhook right after the provider (a local fake)
// accepted the send and before the dispatcher records it; the callback must count all the same.

const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }
const DAY_MS = 24 * 3600 * 1000
const HOUR_MS = 3600 * 1000

const SMS_NUMBER = '+18005550101'
const TWILIO_BRAND = '8101'
const TWILIO_OTHER = '8102'
const twilioAccount = (digit: string, account: string) => ({ accountSid: 'AC' + digit.repeat(32), authToken: `token-of-brand-${account}` })
const TWILIO_A = twilioAccount('a', TWILIO_BRAND)
const TWILIO_B = twilioAccount('b', TWILIO_OTHER)

const WA_BRAND = '8201'
const WA_NUMBER = '+18005550102'
const PHONE_NUMBER_ID = '106540352242922'
const ACCESS_TOKEN = 'EAAG-test-access-token-8201'
const APP_SECRET = 'app-secret-of-8201'

/** Does `beforeRecord` after the provider accepted a send, before the dispatcher records it. */
type BeforeRecord = (sent: SendResult, message: OutboundMessage) => Promise<void>

for (const dialect of dialects) {
  describe(`status callbacks that beat our record of the send (${dialect.name})`, () => {
    let t: TestApp
    let twilioFake: TwilioFake
    let graph: FakeGraphApi
    const brands: Record<string, BrandFixture<'invitation'>> = {}
    let nextPhone = 1000

    const events = async (provider: string, messageId: string) =>
      (await t.runtime.db.selectFrom('delivery_status_events').select(['account_id', 'status', 'pending']).where('provider', '=', provider).where('provider_message_id', '=', messageId).orderBy('account_id').orderBy('status').execute()).map(
        (e) => [e.account_id, e.status, e.pending],
      )

    /** A dispatcher over the app's store whose Twilio and WhatsApp adapters run `beforeRecord` between the provider's answer and our record. */
    function racingDispatcher(beforeRecord: BeforeRecord): Dispatcher {
      const racing = (adapter: ChannelAdapter): ChannelAdapter => ({
        provider: adapter.provider,
        async send(message) {
          const sent = await adapter.send(message)
          await beforeRecord(sent, message)
          return sent
        },
      })
      const adapters = new AdapterRegistry(t.runtime.db, t.runtime.secrets, t.clock, {
        twilio: (accountId, connection) => racing(new TwilioSmsAdapter(accountId, connection, t.config, PUBLIC_ORIGIN)),
        whatsapp: (_accountId, connection) => racing(new WhatsAppAdapter(connection, t.config)),
        fcm: () => assert.fail('no FCM connection in this suite'),
      })
      return new Dispatcher(t.runtime.db, t.clock, adapters, pino({ level: 'silent' }), DEFAULT_DISPATCHER_OPTIONS)
    }

    /** Eligibility and invite for a fresh consumer of the brand; the call and the consumer's number. */
    async function invite(account: string): Promise<{ callId: string; phone: string }> {
      const phone = `+1425953${nextPhone++}`
      const brand = brands[account]!
      return { callId: await brand.invited(phone, brand.handoffs.invitation), phone }
    }

    /** Twilio's signed status callback for one of our SMS, as posted to the brand's webhook. */
    function twilioStatus(account: string, sid: string, to: string, status: string, extra: Record<string, string> = {}): Promise<LightMyRequestResponse> {
      const twilioAccount = account === TWILIO_BRAND ? TWILIO_A : TWILIO_B
      return sendTwilioWebhook(t.app, {
        url: `${PUBLIC_ORIGIN}/webhooks/twilio/${account}/status`,
        params: { ...statusCallbackParams(twilioAccount.accountSid, { sid, from: SMS_NUMBER, to, status }), ...extra },
        authToken: twilioAccount.authToken,
      })
    }

    async function acknowledged(response: Promise<LightMyRequestResponse>, status = 204): Promise<void> {
      const res = await response
      assert.equal(res.statusCode, status, res.body)
    }

    /** Meta's signed webhook with the given statuses of one message. */
    function metaStatuses(wamid: string, phone: string, statuses: Array<'sent' | 'delivered' | 'read' | 'failed'>, error?: 131026): Promise<LightMyRequestResponse> {
      const raw = JSON.stringify(webhookPayload(PHONE_NUMBER_ID, WA_NUMBER.slice(1), { statuses: statuses.map((s) => statusItem(wamid, s, phone.slice(1), error)) }))
      return t.app.inject({ method: 'POST', url: `/webhooks/whatsapp/${WA_BRAND}`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(APP_SECRET, raw) }, payload: raw })
    }

    async function configure(account: string, channel: 'sms' | 'wa', number: string): Promise<void> {
      const common = { skills: ['support'], numbers: [{ number, channel }], channels: [channel] }
      brands[account] = await brandFixture(
        t,
        account,
        channel === 'sms'
          ? {
              ...common,
              connect: { twilio: account === TWILIO_BRAND ? TWILIO_A : TWILIO_B },
              handoffs: { invitation: { title: 'SMS', channels: ['sms'], sms: { fromNumber: number, message: 'Hi, reply here to chat.' } } },
            }
          : {
              ...common,
              connect: { whatsapp: { phoneNumberId: PHONE_NUMBER_ID, wabaId: '102290129340398', accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-8201' } },
              graph,
              templates: [{ name: 'ivr_followup', body: 'About your call: reply here to chat.' }],
              handoffs: { invitation: { title: 'WA', channels: ['wa'], wa: { fromNumber: number, templateName: 'ivr_followup', language: 'en_US', variables: {} } } },
            },
      )
    }

    before(async () => {
      twilioFake = await TwilioFake.start(Object.fromEntries([TWILIO_A, TWILIO_B].map((a) => [a.accountSid, a.authToken])))
      graph = await FakeGraphApi.start({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID })
      t = await startApp(dialect, { ...ENV, TWILIO_API_URL: twilioFake.baseUrl, TWILIO_LOOKUP_URL: twilioFake.baseUrl, WHATSAPP_API_URL: graph.baseUrl })
      await configure(TWILIO_BRAND, 'sms', SMS_NUMBER)
      await configure(TWILIO_OTHER, 'sms', SMS_NUMBER)
      await configure(WA_BRAND, 'wa', WA_NUMBER)
    })
    afterEach(() => {
      twilioFake.reset()
      graph.reset()
    })
    after(async () => {
      await t?.close()
      await twilioFake?.close()
      await graph?.close()
    })

    describe('Twilio', () => {
      test('`sent` and `delivered` callbacks before the record: the recorded delivery reads delivered', async () => {
        const { callId, phone } = await invite(TWILIO_BRAND)
        const dispatcher = racingDispatcher(async (sent) => {
          t.clock.advance(1000)
          await acknowledged(twilioStatus(TWILIO_BRAND, sent.providerMessageId, phone, 'sent'))
          await acknowledged(twilioStatus(TWILIO_BRAND, sent.providerMessageId, phone, 'delivered'))
          await acknowledged(twilioStatus(TWILIO_BRAND, sent.providerMessageId, phone, 'delivered'))
          assert.equal(await findDelivery(t.runtime.db, 'twilio', sent.providerMessageId), undefined, 'not recorded yet')
        })
        assert.equal(await dispatcher.runOnce(), 1)
        const sid = twilioFake.messages[0]?.sid ?? ''
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
        const [delivery] = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.deepEqual([delivery?.providerMessageId, delivery?.status, delivery?.errorCode], [sid, 'delivered', null])
        assert.deepEqual(await events('twilio', sid), [[TWILIO_BRAND, 'delivered', 0], [TWILIO_BRAND, 'sent', 0]], 'each counted once, none left pending')

        await acknowledged(twilioStatus(TWILIO_BRAND, sid, phone, 'sent'))
        assert.equal((await findDelivery(t.runtime.db, 'twilio', sid))?.status, 'delivered', 'a late repeat changes nothing')
      })

      test('an early `undelivered` keeps Twilio\'s ErrorCode and ErrorMessage', async () => {
        const { callId, phone } = await invite(TWILIO_BRAND)
        const dispatcher = racingDispatcher(async (sent) => {
          await acknowledged(twilioStatus(TWILIO_BRAND, sent.providerMessageId, phone, 'undelivered', { ErrorCode: '30003', ErrorMessage: 'Unreachable destination handset' }))
        })
        assert.equal(await dispatcher.runOnce(), 1)
        const [delivery] = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.deepEqual([delivery?.status, delivery?.errorCode, delivery?.errorMessage], ['undelivered', '30003', 'Unreachable destination handset'])
        assert.equal(delivery?.updatedAt, delivery?.createdAt)
      })

      test('another brand\'s early callback for the id moves nothing, and does not make this brand\'s own a duplicate', async () => {
        const { callId, phone } = await invite(TWILIO_BRAND)
        const dispatcher = racingDispatcher(async (sent) => {
          await acknowledged(twilioStatus(TWILIO_OTHER, sent.providerMessageId, phone, 'undelivered', { ErrorCode: '30007' }))
        })
        assert.equal(await dispatcher.runOnce(), 1)
        const sid = twilioFake.messages[0]?.sid ?? ''
        assert.equal((await findDelivery(t.runtime.db, 'twilio', sid))?.status, 'queued')
        assert.deepEqual(await events('twilio', sid), [[TWILIO_OTHER, 'undelivered', 1]])

        await acknowledged(twilioStatus(TWILIO_BRAND, sid, phone, 'undelivered', { ErrorCode: '30003' }))
        const [delivery] = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.deepEqual([delivery?.status, delivery?.errorCode], ['undelivered', '30003'])
        // Once recorded, another brand's callback is not even kept.
        await acknowledged(twilioStatus(TWILIO_OTHER, sid, phone, 'delivered'))
        assert.deepEqual(await events('twilio', sid), [[TWILIO_BRAND, 'undelivered', 0], [TWILIO_OTHER, 'undelivered', 1]])
        assert.equal((await findDelivery(t.runtime.db, 'twilio', sid))?.status, 'undelivered')
      })

      test('callbacks racing the records of a batch of sends are none of them lost', async () => {
        const invited = []
        for (let i = 0; i < 8; i++) invited.push(await invite(TWILIO_BRAND))
        const callbacks: Array<Promise<void>> = []
        // The callback is posted without waiting for it: it runs alongside our record, in whatever order the store gives.
        const dispatcher = racingDispatcher(async (sent, message) => {
          callbacks.push(acknowledged(twilioStatus(TWILIO_BRAND, sent.providerMessageId, message.to, 'delivered')))
        })
        assert.equal(await dispatcher.runOnce(), invited.length)
        await Promise.all(callbacks)
        for (const { callId } of invited) assert.equal((await listDeliveriesOfCall(t.runtime.db, callId))[0]?.status, 'delivered', callId)
      })

      test('a callback for an id never recorded as ours is kept for a day, then pruned by the dispatcher', async () => {
        const neverOurs = messageSid()
        await acknowledged(twilioStatus(TWILIO_BRAND, neverOurs, '+14259530001', 'delivered'))
        assert.deepEqual(await events('twilio', neverOurs), [[TWILIO_BRAND, 'delivered', 1]])
        const applied = await invite(TWILIO_BRAND)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const appliedSid = twilioFake.messages[0]?.sid ?? ''
        await acknowledged(twilioStatus(TWILIO_BRAND, appliedSid, applied.phone, 'delivered'))

        // A dispatcher of its own, which has not pruned yet: it prunes on its first round, then hourly.
        const dispatcher = racingDispatcher(async () => assert.fail('nothing is due'))
        assert.equal(await dispatcher.runOnce(), 0)
        t.clock.advance(DAY_MS - HOUR_MS)
        assert.equal(await dispatcher.runOnce(), 0)
        assert.deepEqual(await events('twilio', neverOurs), [[TWILIO_BRAND, 'delivered', 1]], 'younger than a day: kept')
        t.clock.advance(HOUR_MS + 60_000)
        assert.equal(await dispatcher.runOnce(), 0)
        assert.deepEqual(await events('twilio', neverOurs), [], 'older than a day: pruned')
        assert.deepEqual(await events('twilio', appliedSid), [[TWILIO_BRAND, 'delivered', 0]], 'applied events are not pending, and stay')
      })
    })

    describe('WhatsApp', () => {
      test('`sent`, `delivered` and `read` in Meta\'s webhook before the record: the recorded delivery reads read', async () => {
        const { callId, phone } = await invite(WA_BRAND)
        const dispatcher = racingDispatcher(async (sent) => {
          const res = await metaStatuses(sent.providerMessageId, phone, ['sent', 'delivered', 'read'])
          assert.equal(res.statusCode, 200, res.body)
        })
        assert.equal(await dispatcher.runOnce(), 1)
        const wamid = graph.acceptedIds[0] ?? ''
        const [delivery] = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.deepEqual([delivery?.provider, delivery?.providerMessageId, delivery?.status], ['whatsapp', wamid, 'read'])
        assert.deepEqual(await events('whatsapp', wamid), [[WA_BRAND, 'delivered', 0], [WA_BRAND, 'read', 0], [WA_BRAND, 'sent', 0]])
      })

      test('an early `failed` keeps Meta\'s error code and title', async () => {
        const { callId, phone } = await invite(WA_BRAND)
        const dispatcher = racingDispatcher(async (sent) => {
          const res = await metaStatuses(sent.providerMessageId, phone, ['failed'], 131026)
          assert.equal(res.statusCode, 200, res.body)
        })
        assert.equal(await dispatcher.runOnce(), 1)
        const [delivery] = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.deepEqual([delivery?.status, delivery?.errorCode, delivery?.errorMessage], ['failed', '131026', 'Message undeliverable'])
      })
    })
  })

  describe(`migration 0005 (${dialect.name})`, () => {
    test('the status events already applied are kept under their delivery\'s brand, and none is pending', async () => {
      const store = await dialect.create()
      const db = openDatabase(store.database, { schema: store.schema })
      try {
        await migrateTo(db, '0004-whatsapp-templates')
        const at = '2026-11-21T12:00:00.000Z'
        await insertAccount(db, { id: '9001', name: 'Brand 9001', zone: 'z1', createdAt: at })
        const delivery = { outbox_id: 'msg-1', account_id: '9001', call_id: 'call-1', status: 'delivered', error_code: null, error_message: null, created_at: at, updated_at: at }
        await db.insertInto('deliveries').values([
          { ...delivery, id: 'msg-1:twilio', channel: 'sms', provider: 'twilio', provider_message_id: 'SM1' },
          { ...delivery, id: 'msg-2:fcm', outbox_id: 'msg-2', call_id: 'call-2', channel: 'inapp', provider: 'fcm', provider_message_id: 'projects/p/messages/1' },
        ]).execute()
        // The 0003 shape, which the typed schema no longer describes.
        const old = db as unknown as { insertInto(table: string): { values(rows: object[]): { execute(): Promise<unknown> } } }
        await old.insertInto('delivery_status_events').values([
          { provider: 'twilio', provider_message_id: 'SM1', status: 'delivered', received_at: at },
          { provider: 'app', provider_message_id: 'msg-2', status: 'read', received_at: at },
          { provider: 'twilio', provider_message_id: 'SM-of-a-deleted-delivery', status: 'sent', received_at: at },
        ]).execute()

        assert.deepEqual(await migrateTo(db, '0005-pending-status-events'), ['0005-pending-status-events'])
        const rows = await db.selectFrom('delivery_status_events').selectAll().orderBy('provider').execute()
        assert.deepEqual(rows, [
          { account_id: '9001', provider: 'app', provider_message_id: 'msg-2', status: 'read', error_code: null, error_message: null, received_at: at, pending: 0 },
          { account_id: '9001', provider: 'twilio', provider_message_id: 'SM1', status: 'delivered', error_code: null, error_message: null, received_at: at, pending: 0 },
        ])
      } finally {
        await db.destroy()
        await store.drop()
      }
    })
  })
}
