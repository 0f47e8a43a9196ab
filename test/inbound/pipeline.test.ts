import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { PUBLIC_ORIGIN, dialects, json, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture, type BrandSpec } from '../fixtures/brand.ts'
import { FakeGraphApi, signWebhook, textMessageItem, webhookPayload } from '../fakes/graph.fake.ts'
import { TwilioFake, inboundSmsParams, sendTwilioWebhook } from '../fakes/twilio.fake.ts'
import { listInbound } from '../../src/inbound/inbound.repository.ts'
import { DEFAULT_HELP_TEXT, OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION } from '../../src/inbound/keywords.ts'

// The same consumer scenarios through every way a message arrives: Twilio's webhook, Meta's
// webhook and the sandbox. Each entry point only verifies and parses; what happens next is the
// one inbound pipeline's, so it must happen the same way on each.

const TWILIO_ACCOUNT = '7401'
const WA_ACCOUNT = '7402'
const SANDBOX_ACCOUNT = '7403'
const BRAND_NUMBER = '+18005550104'
const TWILIO = { accountSid: 'AC' + 'e'.repeat(32), authToken: 'token-of-7401' }
const META = { phoneNumberId: '306540352242922', wabaId: '302290129340398', accessToken: 'EAAG-pipeline-token', appSecret: 'app-secret-of-7402', verifyToken: 'verify-7402' }

/** One way in: how a consumer's message is delivered, and what the consumer received back. */
interface EntryPoint {
  name: string
  account: string
  channel: 'sms' | 'wa'
  /** Delivers the consumer's message with the carrier's id; answers what the consumer got back inline (TwiML), if anything. */
  deliver(from: string, text: string, id: string): Promise<string[]>
  /** What the consumer received afterwards through the outbox. */
  sentBack(to: string): Promise<string[]>
}

for (const dialect of dialects) {
  describe(`one inbound pipeline for every entry point (${dialect.name})`, () => {
    let t: TestApp
    let twilio: TwilioFake
    let graph: FakeGraphApi
    const brands: Record<string, BrandFixture<'invitation'>> = {}
    let nextPhone = 1000
    let nextId = 0

    /** A brand with one handoff on `channel` from BRAND_NUMBER; `more` connects it and adds its templates. */
    async function setUp(account: string, channel: 'sms' | 'wa', more: Pick<BrandSpec, 'connect' | 'graph' | 'templates'> = {}): Promise<void> {
      brands[account] = await brandFixture(t, account, {
        skills: ['support'],
        numbers: [{ number: BRAND_NUMBER, channel }],
        channels: [channel],
        ...more,
        handoffs: {
          invitation:
            channel === 'sms'
              ? { title: 'SMS', channels: ['sms'], sms: { fromNumber: BRAND_NUMBER, message: 'Hi, text us back.' } }
              : { title: 'WA', channels: ['wa'], wa: { fromNumber: BRAND_NUMBER, templateName: 'ivr_pipeline', language: 'en_US', variables: {} } },
        },
      })
    }

    /** Sends what the outbox holds, then moves the clock on, so what the consumer receives has an order. */
    async function drain(): Promise<void> {
      while ((await t.app.dispatcher.runOnce()) > 0);
      t.clock.advance(1000)
    }

    const twimlMessages = (res: LightMyRequestResponse): string[] => {
      assert.equal(res.statusCode, 200, res.body)
      return [...res.body.matchAll(/<Message>([^<]*)<\/Message>/g)].map((m) => m[1]!)
    }

    const entryPoints: EntryPoint[] = [
      {
        name: 'Twilio',
        account: TWILIO_ACCOUNT,
        channel: 'sms',
        deliver: async (from, text, id) =>
          twimlMessages(
            await sendTwilioWebhook(t.app, {
              url: `${PUBLIC_ORIGIN}/webhooks/twilio/${TWILIO_ACCOUNT}/inbound`,
              params: inboundSmsParams(TWILIO.accountSid, { sid: `SM${id.padStart(32, '0')}`, from, to: BRAND_NUMBER, body: text }),
              authToken: TWILIO.authToken,
            }),
          ),
        sentBack: async (to) => twilio.messages.filter((m) => m.to === to).map((m) => m.body),
      },
      {
        name: 'WhatsApp',
        account: WA_ACCOUNT,
        channel: 'wa',
        deliver: async (from, text, id) => {
          const raw = JSON.stringify(webhookPayload(META.phoneNumberId, BRAND_NUMBER.slice(1), { messages: [textMessageItem(`wamid.${id}`, from.slice(1), text)] }))
          const res = await t.app.inject({ method: 'POST', url: `/webhooks/whatsapp/${WA_ACCOUNT}`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(META.appSecret, raw) }, payload: raw })
          assert.equal(res.statusCode, 200, res.body)
          return []
        },
        sentBack: async (to) =>
          graph.requests
            .map((r) => r.body as { to: string; type: string; text?: { body: string } })
            .filter((b) => b.to === to.slice(1) && b.type === 'text')
            .map((b) => b.text!.body),
      },
      {
        name: 'sandbox',
        account: SANDBOX_ACCOUNT,
        channel: 'sms',
        deliver: async (from, text, id) => {
          const res = await brands[SANDBOX_ACCOUNT]!.request('POST', 'sandbox/inbound', { channel: 'sms', from, to: BRAND_NUMBER, text, messageId: id })
          assert.ok(res.statusCode === 201 || res.statusCode === 200, res.body)
          return []
        },
        sentBack: async (to) =>
          json(await brands[SANDBOX_ACCOUNT]!.request('GET', `sandbox/messages?consumer=${encodeURIComponent(to)}`))
            .items.filter((m: { direction: string }) => m.direction === 'outbound')
            .map((m: { text: string }) => m.text),
      },
    ]

    before(async () => {
      twilio = await TwilioFake.start({ [TWILIO.accountSid]: TWILIO.authToken })
      graph = await FakeGraphApi.start({ accessToken: META.accessToken, phoneNumberId: META.phoneNumberId })
      t = await startApp(dialect, { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000', TWILIO_API_URL: twilio.baseUrl, WHATSAPP_API_URL: graph.baseUrl })
      await setUp(TWILIO_ACCOUNT, 'sms', { connect: { twilio: TWILIO } })
      await setUp(WA_ACCOUNT, 'wa', { connect: { whatsapp: META }, graph, templates: [{ name: 'ivr_pipeline', body: 'Thanks for calling: reply here to chat.' }] })
      await setUp(SANDBOX_ACCOUNT, 'sms')
    })
    after(async () => {
      await t.close()
      await twilio.close()
      await graph.close()
    })

    async function offered(entry: EntryPoint, phone: string): Promise<string[]> {
      const brand = brands[entry.account]!
      const res = await brand.eligibility(phone, brand.handoffs.invitation)
      assert.equal(res.statusCode, 200, res.body)
      return json(res).availableChannels
    }

    for (const entry of entryPoints) {
      describe(entry.name, () => {
        test('a reply delivered twice is recorded once and handed on once', async () => {
          const phone = `+1425957${nextPhone++}`
          const id = String(++nextId)
          await entry.deliver(phone, 'Yes, I would like to chat', id)
          await entry.deliver(phone, 'Yes, I would like to chat', id)
          const recorded = await listInbound(t.runtime.db, entry.account, phone)
          assert.deepEqual(recorded.map((m) => [m.channel, m.text, m.to]), [[entry.channel, 'Yes, I would like to chat', BRAND_NUMBER]])
          await drain()
          assert.deepEqual(await entry.sentBack(phone), [], 'an ordinary reply gets no automatic answer')
        })

        test('STOP opts out of that channel and number with one confirmation, START opts back in, HELP answers; eligibility follows', async () => {
          const phone = `+1425957${nextPhone++}`
          assert.deepEqual(await offered(entry, phone), [entry.channel])
          const answers: string[] = []
          const stopId = String(++nextId)
          answers.push(...(await entry.deliver(phone, '  stop ', stopId)))
          answers.push(...(await entry.deliver(phone, '  stop ', stopId)))
          await drain()
          answers.push(...(await entry.sentBack(phone)))
          assert.deepEqual(answers, [OPT_OUT_CONFIRMATION], 'one confirmation, however often the STOP is delivered')
          assert.deepEqual(await offered(entry, phone), [], `${entry.channel} is no longer offered to this consumer`)

          const inline = await entry.deliver(phone, 'START', String(++nextId))
          await drain()
          assert.deepEqual([...inline, ...(await entry.sentBack(phone))].slice(-1), [OPT_IN_CONFIRMATION])
          assert.deepEqual(await offered(entry, phone), [entry.channel])

          const help = await entry.deliver(phone, 'Help', String(++nextId))
          await drain()
          assert.deepEqual([...help, ...(await entry.sentBack(phone))].slice(-1), [DEFAULT_HELP_TEXT])
          assert.deepEqual(await offered(entry, phone), [entry.channel], 'HELP changes no consent')

          const events = await t.runtime.db.selectFrom('opt_out_events').select(['action', 'keyword', 'channel', 'from_number']).where('account_id', '=', entry.account).where('consumer_phone', '=', phone).orderBy('at').execute()
          assert.deepEqual(events.map((e) => [e.action, e.keyword, e.channel, e.from_number]), [['opt-out', 'STOP', entry.channel, BRAND_NUMBER], ['opt-in', 'START', entry.channel, BRAND_NUMBER]])
        })
      })
    }

    test('a simulated message on a live channel is refused: consumers write through the provider', async () => {
      const res = await brands[TWILIO_ACCOUNT]!.request('POST', 'sandbox/inbound', { channel: 'sms', from: '+14259570999', to: BRAND_NUMBER, text: 'STOP' })
      assert.equal(res.statusCode, 409, res.body)
      assert.deepEqual(await listInbound(t.runtime.db, TWILIO_ACCOUNT, '+14259570999'), [])
    })

    test('concurrent deliveries of one sandbox messageId: one is recorded (201), every other answers the same message (200), none fails', async () => {
      const phone = `+1425957${nextPhone++}`
      const id = `concurrent-${++nextId}`
      const answers = await Promise.all(Array.from({ length: 20 }, () => brands[SANDBOX_ACCOUNT]!.request('POST', 'sandbox/inbound', { channel: 'sms', from: phone, to: BRAND_NUMBER, text: 'STOP', messageId: id })))
      assert.deepEqual(answers.map((r) => r.statusCode).sort(), [...Array<number>(19).fill(200), 201])
      const ids = new Set(answers.map((r) => json(r).id))
      assert.equal(ids.size, 1, 'every answer names the one recorded message')
      assert.equal((await listInbound(t.runtime.db, SANDBOX_ACCOUNT, phone)).length, 1)
      await drain()
      const inbox = json(await brands[SANDBOX_ACCOUNT]!.request('GET', `sandbox/messages?consumer=${encodeURIComponent(phone)}`)).items
      assert.deepEqual(inbox.map((m: { direction: string; text: string }) => [m.direction, m.text]).sort(), [['inbound', 'STOP'], ['outbound', OPT_OUT_CONFIRMATION]])
    })

    test('a real consumer\'s STOP is confirmed through the provider even while the brand has put the channel in sandbox mode', async () => {
      const brand = brands[WA_ACCOUNT]!
      await brand.call('PUT', 'channel-modes/wa', { mode: 'sandbox' }, 200)
      try {
        const phone = `+1425957${nextPhone++}`
        const whatsapp = entryPoints.find((e) => e.name === 'WhatsApp')!
        await whatsapp.deliver(phone, 'STOP', String(++nextId))
        await drain()
        assert.deepEqual(await whatsapp.sentBack(phone), [OPT_OUT_CONFIRMATION], 'answered on WhatsApp')
        const simulator = json(await brand.request('GET', `sandbox/messages?consumer=${encodeURIComponent(phone)}`)).items
        assert.deepEqual(simulator, [], 'nothing in the simulator')
      } finally {
        await brand.call('PUT', 'channel-modes/wa', { mode: 'live' }, 200)
      }
    })

    test('a Mexican consumer whose WhatsApp id keeps the old 1 after 52 is opted out under the number eligibility checks', async () => {
      const whatsapp = entryPoints.find((e) => e.name === 'WhatsApp')!
      assert.deepEqual(await offered(whatsapp, '+525512345678'), ['wa'])
      await whatsapp.deliver('+5215512345678', 'STOP', String(++nextId))
      assert.deepEqual(await offered(whatsapp, '+525512345678'), [])
      assert.equal((await listInbound(t.runtime.db, WA_ACCOUNT, '+525512345678')).length, 1)
    })
  })
}
