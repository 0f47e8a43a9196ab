import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { pino } from 'pino'
import { dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import type { AdapterRegistry } from '../../src/channels/adapter-registry.ts'
import { type ChannelAdapter, DeliveryError, type SendResult } from '../../src/channels/channel-adapter.ts'
import type { OutboundMessage } from '../../src/channels/outbound-message.ts'
import { SandboxAdapter } from '../../src/channels/sandbox.adapter.ts'
import { fallBack } from '../../src/delivery/fallback.ts'
import { findCall } from '../../src/calls/call.repository.ts'
import { recordOptOut } from '../../src/contacts/opt-out.repository.ts'
import { type DemoCredentials, seedDemoBrand } from '../../src/demo/seed.ts'
import { DEFAULT_DISPATCHER_OPTIONS, Dispatcher } from '../../src/delivery/dispatcher.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'
import type { Channel } from '../../src/shared/channel.ts'

/** A provider that refuses every message for good, as WhatsApp does with 131026. */
class RefusingAdapter implements ChannelAdapter {
  readonly sent: OutboundMessage[] = []
  constructor(readonly provider: string, private readonly code: string) {}
  async send(message: OutboundMessage): Promise<SendResult> {
    this.sent.push(message)
    throw new DeliveryError('permanent', this.code, 'Message undeliverable')
  }
}

for (const dialect of dialects) {
  describe(`channel fallback after a permanent failure (${dialect.name})`, () => {
    let t: TestApp
    let demo: DemoCredentials
    let handoffId: string
    let next = 3000

    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' })
      demo = (await seedDemoBrand(t.runtime))!
      const created = await signedRequest(t, demo.apiKey, 'POST', `/api/account/${demo.accountId}/handoffs`, {
        title: 'WhatsApp first',
        lookbackMinutes: 120,
        channels: ['wa', 'sms'],
        wa: { fromNumber: '+18005550100', templateName: 'ivr_followup', language: 'en_US', variables: { '1': 'there' } },
        sms: { fromNumber: '+18005550100', message: 'Hi {{1}}, text us back here.' },
      })
      assert.equal(created.statusCode, 201, created.body)
      handoffId = json(created).id
    })
    after(() => t.close())

    async function invite(overrideMessage?: string): Promise<{ callId: string; phone: string }> {
      const phone = `+1425954${next++}`
      const eligibility = await signedRequest(t, demo.apiKey, 'POST', `/api/account/${demo.accountId}/eligibility?v=2.0`, { consumerPhoneNumber: phone, handoffId, skill: 'sales', templateVariables: { '1': 'Jane' } })
      assert.deepEqual(json(eligibility).availableChannels, ['wa', 'sms'])
      const { callId } = json(eligibility)
      const res = await signedRequest(t, demo.apiKey, 'POST', `/api/account/${demo.accountId}/invite?v=2.0`, { callId, ...(overrideMessage ? { overrideMessage } : {}) })
      assert.equal(res.statusCode, 200, res.body)
      return { callId, phone }
    }

    function dispatcher(adapters: Partial<Record<Channel, ChannelAdapter>>): Dispatcher {
      const registry: Pick<AdapterRegistry, 'adapterFor'> = { adapterFor: async (_account, channel) => adapters[channel] ?? new SandboxAdapter(t.runtime.db, t.clock) }
      return new Dispatcher(t.runtime.db, t.clock, registry as AdapterRegistry, pino({ level: 'silent' }), DEFAULT_DISPATCHER_OPTIONS, (claim, failed, reason, now) => fallBack(t.runtime, claim, failed, reason, now))
    }

    test('a permanent WhatsApp error sends the invitation by SMS instead, with its text and override', async () => {
      const wa = new RefusingAdapter('whatsapp', '131026')
      const run = dispatcher({ wa })
      const { callId, phone } = await invite('Hi {{1}}, this is the override.')
      assert.equal(await run.runOnce(), 1)
      const rerouted = await findOutboxByCall(t.runtime.db, callId)
      assert.equal(rerouted?.status, 'pending')
      assert.equal(rerouted?.channel, 'sms')
      assert.equal(rerouted?.lastError, 'wa 131026: Message undeliverable')
      assert.equal(await run.runOnce(), 1)
      assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
      assert.equal(wa.sent.length, 1)
      const inbox = json(await signedRequest(t, demo.apiKey, 'GET', `/api/account/${demo.accountId}/sandbox/messages?consumer=${encodeURIComponent(phone)}`)).items
      assert.deepEqual(inbox.map((m: { channel: string; text: string }) => [m.channel, m.text]), [['sms', 'Hi Jane, this is the override.\nReply STOP to opt out']])
      assert.equal((await findCall(t.runtime.db, demo.accountId, callId))?.inviteChannel, 'sms')
    })

    test('no fallback to a channel the consumer opted out of: the failure is recorded', async () => {
      const wa = new RefusingAdapter('whatsapp', '131047')
      const run = dispatcher({ wa })
      const { callId, phone } = await invite()
      await recordOptOut(t.runtime.db, demo.accountId, { consumerPhone: phone, channel: 'sms', fromNumber: '+18005550100', at: t.clock.now().toISOString() })
      assert.equal(await run.runOnce(), 1)
      const row = await findOutboxByCall(t.runtime.db, callId)
      assert.equal(row?.status, 'failed')
      assert.equal(row?.lastError, 'wa 131047: Message undeliverable')
    })

    test('when every channel fails for good, the message is failed with the last provider error', async () => {
      const wa = new RefusingAdapter('whatsapp', '131026')
      const sms = new RefusingAdapter('twilio', '21614')
      const run = dispatcher({ wa, sms })
      const { callId } = await invite()
      assert.equal(await run.runOnce(), 1)
      assert.equal(await run.runOnce(), 1)
      const row = await findOutboxByCall(t.runtime.db, callId)
      assert.equal(row?.status, 'failed')
      assert.equal(row?.channel, 'sms')
      assert.equal(row?.lastError, 'sms 21614: Message undeliverable')
      assert.equal(await run.runOnce(), 0, 'nothing is retried')
      assert.deepEqual([wa.sent.length, sms.sent.length], [1, 1])
    })

    test('a claim lost during the send: the fallback changes nothing, and the call and the outbox still name the same channel', async () => {
      // Another dispatcher reclaims the row while this one's send is in flight (its lease ran out).
      const wa: ChannelAdapter = {
        provider: 'whatsapp',
        async send(message) {
          await t.runtime.db.updateTable('outbox').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', '=', message.id).execute()
          throw new DeliveryError('permanent', '131026', 'Message undeliverable')
        },
      }
      const run = dispatcher({ wa })
      const { callId } = await invite()
      assert.equal(await run.runOnce(), 1)
      const row = await findOutboxByCall(t.runtime.db, callId)
      const call = await findCall(t.runtime.db, demo.accountId, callId)
      assert.deepEqual([row?.status, row?.channel, call?.inviteChannel], ['sending', 'wa', 'wa'], 'the new claim owns the row; nothing moved')
      assert.equal(await t.runtime.db.selectFrom('outbox_fallbacks').select('outbox_id').where('outbox_id', '=', row!.id).executeTakeFirst(), undefined)
      // The other dispatcher's outcome, so the row is not claimed again by the tests that follow.
      await t.runtime.db.updateTable('outbox').set({ status: 'failed', lease_until: null }).where('id', '=', row!.id).execute()
    })

    test('a fallback that throws is a transient failure: the row waits for a retry, never stuck sending, and falls back then', async () => {
      const wa = new RefusingAdapter('whatsapp', '131026')
      let failures = 1
      const registry: Pick<AdapterRegistry, 'adapterFor'> = { adapterFor: async (_account, channel) => (channel === 'wa' ? wa : new SandboxAdapter(t.runtime.db, t.clock)) }
      const run = new Dispatcher(t.runtime.db, t.clock, registry as AdapterRegistry, pino({ level: 'silent' }), DEFAULT_DISPATCHER_OPTIONS, async (claim, failed, reason, now) => {
        if (failures-- > 0) throw new Error('connection reset while falling back')
        return fallBack(t.runtime, claim, failed, reason, now)
      })
      const { callId } = await invite()
      assert.equal(await run.runOnce(), 1)
      const waiting = await findOutboxByCall(t.runtime.db, callId)
      assert.deepEqual([waiting?.status, waiting?.channel, waiting?.lastError], ['pending', 'wa', 'wa 131026: Message undeliverable'])
      assert.equal((await findCall(t.runtime.db, demo.accountId, callId))?.inviteChannel, 'wa')
      assert.equal(await run.runOnce(), 0, 'not before its backoff')
      t.clock.advance(60_000)
      assert.equal(await run.runOnce(), 1, 'retried: WhatsApp refuses again, and the fallback now works')
      assert.equal(await run.runOnce(), 1, 'sent by SMS')
      const sent = await findOutboxByCall(t.runtime.db, callId)
      assert.deepEqual([sent?.status, sent?.channel, (await findCall(t.runtime.db, demo.accountId, callId))?.inviteChannel], ['sent', 'sms', 'sms'])
      assert.equal(wa.sent.length, 2)
    })
  })
}
