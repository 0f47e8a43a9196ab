import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PUBLIC_ORIGIN, dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import { FakeGraphApi } from '../fakes/graph.fake.ts'
import { TwilioFake, sendTwilioWebhook, statusCallbackParams } from '../fakes/twilio.fake.ts'
import { type IssuedApiKey, createApiKey } from '../../src/accounts/provisioning.service.ts'
import { maskConsumerPhone } from '../../src/calls/call-view.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'

// GET …/calls/{callId}: what became of a call, told by the real app over a real store. The
// providers are the local fakes of the Graph API and Twilio; deliveries run in explicit
// `runOnce` rounds on the test clock (DELIVERY_WORKER=false), so every time shown is known.

const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }
const ACCOUNT = '8100'
const OTHER = '8200'
const BRAND_NUMBER = '+18005550103'
const PHONE_NUMBER_ID = '106540352242933'
const ACCESS_TOKEN = 'EAAG-call-view-token'
const APP_SECRET = 'app-secret-of-8100'
const TWILIO = { accountSid: 'AC' + 'd'.repeat(32), authToken: 'token-of-brand-8100' }
const UNKNOWN_CALL = '5f0c7a52-9d7e-4c1b-8a53-0b6f1f3c2d10'

describe('maskConsumerPhone', () => {
  for (const [phone, masked] of [
    ['+14259549855', '+1425•••9855'],
    ['+447911123456', '+4479••••3456'],
    ['+861391234567890', '+8613•••••••7890'],
    ['+35312345', '+3•••2345'],
    ['+2901234', '+•••1234'],
    ['+12345', '+•••45'],
  ] as const) {
    test(`${phone} → ${masked}`, () => assert.equal(maskConsumerPhone(phone), masked))
  }
})

for (const dialect of dialects) {
  describe(`GET /calls/{callId} (${dialect.name})`, () => {
    let t: TestApp
    let graph: FakeGraphApi
    let twilio: TwilioFake
    /** ivr-engagement and management. */
    let key: IssuedApiKey
    let ivrOnly: IssuedApiKey
    let reporting: IssuedApiKey
    let otherKey: IssuedApiKey
    let waThenSms: string
    let otherSms: string
    let otherInApp: string
    let nextPhone = 1000

    const view = (apiKey: IssuedApiKey, callId: string, account = ACCOUNT) => signedRequest(t, apiKey, 'GET', `/api/account/${account}/calls/${callId}`)
    const at = () => t.clock.now().toISOString()
    /** Moves the test clock one second on, and answers the new time. */
    const tick = () => {
      t.clock.advance(1000)
      return at()
    }

    before(async () => {
      graph = await FakeGraphApi.start({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID })
      twilio = await TwilioFake.start({ [TWILIO.accountSid]: TWILIO.authToken })
      t = await startApp(dialect, { ...ENV, WHATSAPP_API_URL: graph.baseUrl, TWILIO_API_URL: twilio.baseUrl, TWILIO_LOOKUP_URL: twilio.baseUrl })
      const brand = await brandFixture(t, ACCOUNT, {
        skills: ['support'],
        numbers: [
          { number: BRAND_NUMBER, channel: 'wa' },
          { number: BRAND_NUMBER, channel: 'sms' },
        ],
        channels: ['sms', 'wa'],
        connect: { whatsapp: { phoneNumberId: PHONE_NUMBER_ID, wabaId: '102290129340398', accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-8100' }, twilio: TWILIO },
        graph,
        templates: [{ name: 'ivr_followup', body: 'Hi {{1}}, about your call: reply here to chat.' }],
        handoffs: {
          waThenSms: {
            title: 'WA then SMS',
            channels: ['wa', 'sms'],
            wa: { fromNumber: BRAND_NUMBER, templateName: 'ivr_followup', language: 'en_US', variables: { '1': 'Ana' } },
            sms: { fromNumber: BRAND_NUMBER, message: 'Hi {{1}}, your order {{2}}' },
          },
        },
      })
      ;({ key } = brand)
      ;({ waThenSms } = brand.handoffs)
      ivrOnly = await createApiKey(t.runtime, { accountId: ACCOUNT, appName: 'IVR', developer: 'test suite', privileges: ['ivr-engagement'] })
      reporting = await createApiKey(t.runtime, { accountId: ACCOUNT, appName: 'Reports', developer: 'test suite', privileges: ['reporting'] })

      // Another brand, on the sandbox, whose device check runs on the offline metadata.
      const other = await brandFixture(t, OTHER, {
        skills: ['sales'],
        numbers: [{ number: BRAND_NUMBER, channel: 'sms' }],
        apps: [{ appId: 'com.brand-b.ios', platform: 'ios', name: 'Brand B iOS' }],
        settings: { channels: [{ name: 'sms', enabled: true }, { name: 'wa', enabled: true }, { name: 'inapp', enabled: true }], deviceCheck: true, routing: { skills: ['sales'] } },
        handoffs: {
          sms: { title: 'SMS', channels: ['sms'], sms: { fromNumber: BRAND_NUMBER, message: 'Hi there' } },
          inapp: { title: 'In app', channels: ['inapp'], inapp: { appIds: ['com.brand-b.ios'], message: 'Continue in the app' } },
        },
      })
      await other.call('POST', 'consumers/jane/devices', { appId: 'com.brand-b.ios', platform: 'ios', pushToken: 'push-token-of-jane' }, 201)
      otherKey = other.key
      ;({ sms: otherSms, inapp: otherInApp } = other.handoffs)
    })
    after(async () => {
      await t.close()
      await graph.close()
      await twilio.close()
    })

    async function eligible(apiKey: IssuedApiKey, account: string, body: object): Promise<{ callId: string; phone: string }> {
      const phone = `+1425956${nextPhone++}`
      const res = await signedRequest(t, apiKey, 'POST', `/api/account/${account}/eligibility?v=2.0`, { consumerPhoneNumber: phone, ...body })
      assert.equal(res.statusCode, 200, res.body)
      return { callId: json(res).callId, phone }
    }

    /** A WA-first call of the brand, invited: WhatsApp refuses it for good. */
    async function invitedWaFirst(): Promise<{ callId: string; phone: string; createdAt: string; invitedAt: string }> {
      const createdAt = at()
      const { callId, phone } = await eligible(key, ACCOUNT, {
        handoffId: waThenSms,
        skill: 'support',
        consumerId: 'consumer-17',
        ivrNumber: '+18005550199',
        sdes: [{ type: 'ctmrinfo', info: { cstatus: 'gold', customerId: 'C-17' } }],
        templateVariables: { '1': 'Jane', '2': 'A-100' },
      })
      const invitedAt = tick()
      const invited = await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/invite?v=2.0`, { callId })
      assert.equal(invited.statusCode, 200, invited.body)
      return { callId, phone, createdAt, invitedAt }
    }

    test('a WA-first invitation refused for good by WhatsApp, sent by SMS instead and delivered: both tries, the fallback and its reason, the SMS status timeline', async () => {
      graph.reset()
      twilio.reset()
      graph.next({ error: 131026 })
      const { callId, phone, createdAt, invitedAt } = await invitedWaFirst()
      const outboxId = (await findOutboxByCall(t.runtime.db, callId))!.id

      const fellBackAt = tick()
      assert.equal(await t.app.dispatcher.runOnce(), 1)
      assert.equal(graph.requests.length, 1, 'WhatsApp was tried once')
      const reason = (await findOutboxByCall(t.runtime.db, callId))!.lastError!
      assert.match(reason, /^wa 131026: \(#131026\) /)
      const fallback = { from: 'wa', to: 'sms', reason, attempts: 1, at: fellBackAt }

      // Between the two tries, the view says where the message stands.
      const waiting = json(await view(key, callId))
      assert.deepEqual(waiting.invitation, { invitedAt, channel: 'wa', currentChannel: 'sms', skill: 'support', overrideMessage: null })
      assert.deepEqual(waiting.messages, [
        { id: outboxId, channel: 'sms', status: 'pending', attempts: 0, nextAttemptAt: fellBackAt, lastError: reason, providerMessageId: null, createdAt: invitedAt, updatedAt: fellBackAt, fallbacks: [fallback], deliveries: [] },
      ])

      const sentAt = tick()
      assert.equal(await t.app.dispatcher.runOnce(), 1)
      const sid = twilio.messages[0]?.sid
      assert.ok(sid, 'Twilio accepted the SMS')
      const status = async (value: string) => {
        const res = await sendTwilioWebhook(t.app, { url: `${PUBLIC_ORIGIN}/webhooks/twilio/${ACCOUNT}/status`, params: statusCallbackParams(TWILIO.accountSid, { sid, from: BRAND_NUMBER, to: phone, status: value }), authToken: TWILIO.authToken })
        assert.ok(res.statusCode < 300, res.body)
      }
      const sentStatusAt = tick()
      await status('sent')
      const deliveredAt = tick()
      await status('delivered')

      const res = await view(reporting, callId)
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(json(res), {
        callId,
        createdAt,
        expiresAt: new Date(Date.parse(createdAt) + t.config.callTtlSeconds * 1000).toISOString(),
        inputs: {
          consumerPhoneNumber: `+1425•••${phone.slice(-4)}`,
          consumerId: 'consumer-17',
          handoffId: waThenSms,
          skill: 'support',
          ivrNumber: '+18005550199',
          sdes: [{ type: 'ctmrinfo', info: { cstatus: 'gold', customerId: 'C-17' } }],
          templateVariables: { '1': 'Jane', '2': 'A-100' },
        },
        eligibility: {
          eligible: true,
          availableChannels: ['wa', 'sms'],
          channels: [
            { channel: 'wa', verdict: 'available' },
            { channel: 'sms', verdict: 'available' },
          ],
          deviceCheck: null,
        },
        invitation: { invitedAt, channel: 'wa', currentChannel: 'sms', skill: 'support', overrideMessage: null },
        inviteRefusal: null,
        messages: [
          {
            id: outboxId,
            channel: 'sms',
            status: 'sent',
            attempts: 1,
            nextAttemptAt: null,
            lastError: null,
            providerMessageId: sid,
            createdAt: invitedAt,
            updatedAt: sentAt,
            fallbacks: [fallback],
            deliveries: [
              {
                channel: 'sms',
                provider: 'twilio',
                providerMessageId: sid,
                status: 'delivered',
                errorCode: null,
                errorMessage: null,
                sentAt,
                updatedAt: deliveredAt,
                statusTimeline: [
                  { status: 'sent', errorCode: null, errorMessage: null, at: sentStatusAt },
                  { status: 'delivered', errorCode: null, errorMessage: null, at: deliveredAt },
                ],
              },
            ],
          },
        ],
      })
      assert.ok(!res.body.includes(phone.slice(1)), 'the whole number appears nowhere')
    })

    test('an in-app message: the app\'s receipts make its status timeline', async () => {
      const { callId } = await eligible(otherKey, OTHER, { handoffId: otherInApp, skill: 'sales', consumerId: 'jane' })
      tick()
      const invited = await signedRequest(t, otherKey, 'POST', `/api/account/${OTHER}/invite?v=2.0`, { callId })
      assert.equal(invited.statusCode, 200, invited.body)
      const sentAt = tick()
      assert.equal(await t.app.dispatcher.runOnce(), 1)
      const messageId = (await findOutboxByCall(t.runtime.db, callId))!.id
      const receipt = async (status: string) => {
        const res = await signedRequest(t, otherKey, 'POST', `/api/account/${OTHER}/inapp/messages/${messageId}/status`, { status })
        assert.ok(res.statusCode < 300, res.body)
      }
      const deliveredAt = tick()
      await receipt('delivered')
      const readAt = tick()
      await receipt('read')
      const [message] = json(await view(otherKey, callId, OTHER)).messages
      assert.deepEqual([message.channel, message.status, message.fallbacks], ['inapp', 'sent', []])
      assert.equal(message.deliveries.length, 1)
      const [delivery] = message.deliveries
      assert.deepEqual([delivery.provider, delivery.status, delivery.sentAt, delivery.updatedAt], ['sandbox', 'read', sentAt, readAt])
      assert.deepEqual(delivery.statusTimeline, [
        { status: 'delivered', errorCode: null, errorMessage: null, at: deliveredAt },
        { status: 'read', errorCode: null, errorMessage: null, at: readAt },
      ])
    })

    test('the management or reporting privilege: an IVR-only key is refused with 1101', async () => {
      const { callId } = await invitedWaFirst()
      assert.equal((await view(key, callId)).statusCode, 200)
      assert.equal((await view(reporting, callId)).statusCode, 200)
      const refused = await view(ivrOnly, callId)
      assert.equal(refused.statusCode, 403)
      assert.deepEqual(json(refused), { errorCode: 1101, errorMessage: 'Not enough privilege to perform this operation' })
      const unsigned = await t.app.inject({ method: 'GET', url: `/api/account/${ACCOUNT}/calls/${callId}` })
      assert.equal(unsigned.statusCode, 401)
    })

    test('another brand\'s call answers exactly as an unknown one: 404 1004', async () => {
      const { callId } = await invitedWaFirst()
      const foreign = await view(otherKey, callId, OTHER)
      const unknown = await view(otherKey, UNKNOWN_CALL, OTHER)
      assert.equal(foreign.statusCode, 404)
      assert.deepEqual(json(foreign), { errorCode: 1004, errorMessage: 'Not Found' })
      assert.equal(unknown.statusCode, 404)
      assert.equal(foreign.body, unknown.body)
      assert.equal((await view(key, UNKNOWN_CALL)).statusCode, 404)
    })

    test('the call id in any letter case; anything but a UUID is a 400 1000', async () => {
      const { callId } = await invitedWaFirst()
      const lower = await view(key, callId)
      const upper = await view(key, callId.toUpperCase())
      assert.equal(upper.statusCode, 200, upper.body)
      assert.deepEqual(json(upper), json(lower))
      const malformed = await view(key, 'not-a-call-id')
      assert.equal(malformed.statusCode, 400)
      assert.equal(json(malformed).errorCode, 1000)
    })

    test('the OpenAPI document describes the view', async () => {
      const doc = json(await t.app.inject({ method: 'GET', url: '/api/api-docs/json' }))
      const get = doc.paths['/api/account/{accountId}/calls/{callId}']?.get
      const schema = get?.responses?.['200']?.content?.['application/json']?.schema
      assert.deepEqual(schema?.required, ['callId', 'createdAt', 'expiresAt', 'inputs', 'eligibility', 'invitation', 'inviteRefusal', 'messages'])
      assert.ok(schema.properties.messages.items.properties.deliveries.items.properties.statusTimeline)
      assert.ok(schema.properties.messages.items.properties.fallbacks.items.properties.reason)
    })

    test('a call checked but never invited: the verdicts and the device check, no invitation, no message', async () => {
      const { callId, phone } = await eligible(otherKey, OTHER, { handoffId: otherSms, skill: 'sales' })
      const body = json(await view(otherKey, callId, OTHER))
      assert.equal(body.inputs.consumerPhoneNumber, `+1425•••${phone.slice(-4)}`)
      assert.deepEqual(body.inputs.sdes, null)
      assert.deepEqual(body.inputs.templateVariables, {})
      assert.deepEqual(body.eligibility.channels, [{ channel: 'sms', verdict: 'available' }])
      assert.equal(body.eligibility.deviceCheck.source, 'offline')
      assert.equal(body.eligibility.deviceCheck.textable, true)
      assert.equal(body.invitation, null)
      assert.deepEqual(body.messages, [])
    })
  })
}
