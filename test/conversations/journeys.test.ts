import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { dialects, json, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import { createAgent } from '../support/agents.ts'

// The user guide's journeys (SMS steps 1–7, in-app steps 1–10), carried on to the end: the
// consumer's reply reaches an agent of the right skill, they talk, the agent closes, and the
// consumer's next message is a new inbound conversation on the default skill.

const BRAND_NUMBER = '+18005550192'
const APP = 'com.acme.journey'

type Summary = { id: string; state: string; skill: string; source: string; agentId: string | null; callId: string | null }

for (const dialect of dialects) {
  describe(`the user guide's journeys, end to end (${dialect.name})`, () => {
    let t: TestApp
    before(async () => {
      // Deliveries and sweeps run when the test says (runOnce), not in the background.
      t = await startApp(dialect, { DELIVERY_WORKER: 'false' })
    })
    after(async () => t.close())

    async function drain(): Promise<void> {
      while ((await t.app.dispatcher.runOnce()) > 0);
    }

    test('SMS: eligibility → invite → the consumer replies → queued on the call\'s skill → the agent accepts and replies → same conversation → close → next message is inbound on the default skill', async () => {
      const brand = await brandFixture(t, '8301', {
        privileges: ['ivr-engagement', 'management', 'conversations'],
        skills: ['billing', 'general'],
        numbers: [{ number: BRAND_NUMBER, channel: 'sms' }],
        settings: { channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills: ['billing', 'general'], defaultSkill: 'general' } },
        handoffs: { sms: { channels: ['sms'], sms: { fromNumber: BRAND_NUMBER, message: 'Reply here to keep talking to Acme.' } } },
      })
      const billing = await createAgent(t, brand.account, { login: 'billing-agent', skills: ['billing'] })
      const general = await createAgent(t, brand.account, { login: 'general-agent', skills: ['general'] })
      const consumer = '+14259549855'
      const inbox = async () => (await brand.call('GET', `sandbox/messages?consumer=${encodeURIComponent(consumer)}`, undefined, 200)).items as Array<{ direction: string; text: string }>
      const conversations = async () => (await brand.call('GET', 'conversations', undefined, 200)).items as Summary[]
      const write = async (text: string) => brand.call('POST', 'sandbox/inbound', { channel: 'sms', from: consumer, to: BRAND_NUMBER, text }, 201)

      // Steps 3–6: eligibility, invite, the SMS on the consumer's phone.
      const { callId, recommendedChannelName } = await brand.eligible(consumer, brand.handoffs.sms, { skill: 'billing' })
      assert.equal(recommendedChannelName, 'sms')
      assert.equal((await brand.invite(callId)).statusCode, 200)
      await drain()
      assert.match((await inbox()).find((m) => m.direction === 'outbound')?.text ?? '', /Reply here to keep talking to Acme\./)

      t.clock.advance(30_000)
      // Step 7: the consumer replies; the conversation waits on the call's skill until a billing agent is online.
      await write('Yes, about my bill')
      let [c] = await conversations()
      assert.deepEqual([c?.state, c?.skill, c?.source, c?.callId], ['queued', 'billing', 'ivr-deflection', callId])
      await general.status('online')
      assert.equal((await conversations())[0]?.state, 'queued', 'an agent of another skill is not offered it')
      await billing.status('online')
      ;[c] = await conversations()
      assert.deepEqual([c?.state, c?.agentId], ['ringing', billing.id])
      await billing.accept(c!.id)

      t.clock.advance(30_000)
      await billing.reply(c!.id, 'Hi, I can help with your bill.')
      await drain()
      assert.ok((await inbox()).some((m) => m.direction === 'outbound' && m.text === 'Hi, I can help with your bill.'))
      await write('It is too high')
      assert.equal((await conversations()).length, 1, 'the reply joins the same conversation')
      const detail = await brand.call('GET', `conversations/${c!.id}`, undefined, 200)
      assert.deepEqual(
        detail.messages.map((m: { author: string }) => m.author),
        ['invitation', 'consumer', 'agent', 'consumer'],
      )
      assert.equal(detail.cxWidget.firstOutbound.callId, callId)
      assert.equal(detail.cxWidget.firstOutbound.channel, 'sms')

      await billing.close(c!.id)
      await write('One more question')
      const next = (await conversations()).find((x) => x.id !== c!.id)
      assert.deepEqual([next?.source, next?.skill, next?.callId], ['inbound', 'general', null])
      assert.equal(next?.agentId, general.id, 'rung to the default skill\'s agent')

      const steps = await t.runtime.db.selectFrom('conversation_steps').select(['step', 'call_id']).where('conversation_id', '=', c!.id).execute()
      assert.deepEqual(new Set(steps.map((s) => s.step)), new Set(['created', 'rung', 'accepted', 'closed']))
      assert.ok(steps.every((s) => s.call_id === callId), 'each step names the call')
    })

    test('In-app: eligibility with a consumerId → invite → the app fetches the message → replies through the consumer API → the agent sees the first outbound message in the CX widget, replies, the app reads it → close → inbound', async () => {
      const brand = await brandFixture(t, '8302', {
        privileges: ['ivr-engagement', 'management', 'conversations'],
        skills: ['sales', 'general'],
        apps: [{ appId: APP, platform: 'ios', name: 'Acme iOS' }],
        settings: { channels: [{ name: 'inapp', enabled: true }], deviceCheck: false, routing: { skills: ['sales', 'general'], defaultSkill: 'general' } },
        handoffs: { inapp: { channels: ['inapp'], inapp: { appIds: [APP], message: 'Tap to continue in the Acme app.' } } },
      })
      const sales = await createAgent(t, brand.account, { login: 'sales-agent', skills: ['sales', 'general'] })
      await sales.status('online')
      const consumerId = 'ananth'
      const { token } = await brand.call('POST', 'consumer-tokens', { consumerId }, 201)
      const asApp = async (method: 'GET' | 'PUT' | 'POST', resource: string, body?: unknown) => {
        const options: InjectOptions = { method, url: `/api/account/${brand.account}/${resource}`, headers: { authorization: `Bearer ${token}` } }
        if (body !== undefined) options.payload = body as InjectOptions['payload']
        return t.app.inject(options)
      }
      // Step 6: the brand's app knows the consumer and registered their device.
      assert.equal((await asApp('PUT', 'consumer/device', { appId: APP, platform: 'ios', pushToken: 'apns-token-ananth' })).statusCode, 200)

      // Steps 3–5: eligibility with the consumerId, then invite.
      const { callId, recommendedChannelName } = await brand.eligible('+14259549855', brand.handoffs.inapp, { skill: 'sales', consumerId })
      assert.equal(recommendedChannelName, 'inapp')
      assert.equal((await brand.invite(callId)).statusCode, 200)
      await drain()

      // Step 7: the push tells the app to fetch; the app shows the message.
      const fetched = json(await asApp('GET', 'consumer/messages'))
      assert.deepEqual(fetched.items.map((m: { kind: string; text: string }) => [m.kind, m.text]), [['invitation', 'Tap to continue in the Acme app.']])

      // Step 8: the consumer responds, a little later.
      t.clock.advance(30_000)
      assert.equal((await asApp('POST', 'consumer/messages', { appId: APP, text: 'I want to upgrade', clientMessageId: 'm-1' })).statusCode, 202)
      const [c] = (await brand.call('GET', 'conversations', undefined, 200)).items as Summary[]
      assert.deepEqual([c?.state, c?.skill, c?.source, c?.callId, c?.agentId], ['ringing', 'sales', 'ivr-deflection', callId, sales.id])

      // Steps 9–10: the agent accepts, sees the first outbound message in the CX widget.
      await sales.accept(c!.id)
      const detail = await brand.call('GET', `conversations/${c!.id}`, undefined, 200)
      assert.equal(detail.cxWidget.firstOutbound.text, 'Tap to continue in the Acme app.')
      assert.equal(detail.cxWidget.firstOutbound.channel, 'inapp')
      assert.equal(detail.cxWidget.recent[0].callId, callId)
      assert.equal(detail.consumer.id, consumerId)

      t.clock.advance(30_000)
      await sales.reply(c!.id, 'Happy to help you upgrade.')
      await drain()
      const after = json(await asApp('GET', 'consumer/messages'))
      assert.deepEqual(after.items.map((m: { kind: string; text: string }) => [m.kind, m.text]), [
        ['invitation', 'Tap to continue in the Acme app.'],
        ['reply', 'Happy to help you upgrade.'],
      ])
      assert.equal(after.items[1].conversationId, c!.id)

      assert.equal((await asApp('POST', 'consumer/messages', { appId: APP, text: 'Thanks!', clientMessageId: 'm-2' })).statusCode, 202)
      assert.equal((await brand.call('GET', 'conversations', undefined, 200)).items.length, 1, 'same conversation')
      await sales.close(c!.id)
      assert.equal((await asApp('POST', 'consumer/messages', { appId: APP, text: 'Another thing', clientMessageId: 'm-3' })).statusCode, 202)
      const next = ((await brand.call('GET', 'conversations', undefined, 200)).items as Summary[]).find((x) => x.id !== c!.id)
      assert.deepEqual([next?.source, next?.skill], ['inbound', 'general'])
    })
  })
}
