import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock, dialects, startApp, startSecondInstance, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { FakeDesk } from '../fakes/desk.fake.ts'
import { createAgent, type AgentHandle } from '../support/agents.ts'
import { SseStream, openEventStream } from '../support/sse-client.ts'

// Conversations as the agents' pages and the brand's own desk hear of them: a ring on the rung
// agent's event stream (and nothing on an agent of another skill's), a reconnect that replays what
// it missed, a stream on another instance; and the desk connector's signed events, with the desk
// answering through the conversation API.

const BRAND_NUMBER = '+18005550194'
// The desk verifies timestamps against its own clock (standardwebhooks allows 5 minutes): real time.
const ENV = { DELIVERY_WORKER: 'false', WEBHOOK_URL_ALLOWLIST: '127.0.0.1', ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}) }

for (const dialect of dialects) {
  describe(`conversations live and at the brand's desk (${dialect.name})`, () => {
    let t: TestApp
    let origin: string
    let account = 8500

    before(async () => {
      t = await startApp(dialect, ENV, new ManualClock(new Date().toISOString()))
      origin = await t.app.listen({ host: '127.0.0.1', port: 0 })
    })
    after(async () => t.close())

    async function brand(): Promise<BrandFixture> {
      account += 1
      return brandFixture(t, String(account), {
        privileges: ['ivr-engagement', 'management', 'conversations'],
        skills: ['billing', 'sales'],
        numbers: [{ number: BRAND_NUMBER, channel: 'sms' }],
        settings: { channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills: ['billing', 'sales'], defaultSkill: 'billing' } },
      })
    }

    async function streamOf(agent: AgentHandle, base = origin, lastEventId?: string): Promise<SseStream> {
      const headers: Record<string, string> = { cookie: `c2m_session=${agent.session.cookie}` }
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
      const stream = await openEventStream(`${base}/api/account/${agent.session.accountId}/events`, headers)
      if (!(stream instanceof SseStream)) assert.fail(`the stream did not open: ${stream.status} ${stream.body}`)
      return stream
    }

    const typesOf = (stream: SseStream) => stream.events.filter((e) => e.event !== 'message' || e.data).map((e) => e.event)

    test('the rung agent hears the ring live; an agent of another skill does not; a reconnect replays what was missed', async () => {
      const b = await brand()
      const billing = await createAgent(t, b.account, { login: 'live-billing', skills: ['billing'] })
      const sales = await createAgent(t, b.account, { login: 'live-sales', skills: ['sales'] })
      await billing.status('online')
      await sales.status('online')
      const billingStream = await streamOf(billing)
      const salesStream = await streamOf(sales)

      await b.call('POST', 'sandbox/inbound', { channel: 'sms', from: '+14259571001', to: BRAND_NUMBER, text: 'about my bill' }, 201)
      await billingStream.until(() => billingStream.events.some((e) => e.event === 'ring'))
      const ring = billingStream.events.find((e) => e.event === 'ring')!
      const { conversationId } = JSON.parse(ring.data) as { conversationId: string }
      assert.ok(await salesStream.quietFor(300), 'the sales agent hears nothing of a billing conversation')
      assert.deepEqual(typesOf(salesStream).filter((type) => type === 'ring' || type === 'message' || type === 'conversation'), [])

      // The agent's page goes away; meanwhile they accept (from another tab) and the consumer writes again.
      const lastSeen = billingStream.lastEventId
      billingStream.close()
      await billing.accept(conversationId)
      await b.call('POST', 'sandbox/inbound', { channel: 'sms', from: '+14259571001', to: BRAND_NUMBER, text: 'it doubled' }, 201)
      const resumed = await streamOf(billing, origin, lastSeen)
      await resumed.until(() => resumed.events.some((e) => e.event === 'message' && e.data.includes('it doubled')))
      const replayed = resumed.events.filter((e) => e.data).map((e) => [e.event, (JSON.parse(e.data) as { state?: string }).state ?? ''])
      assert.deepEqual(replayed.filter(([type]) => type === 'conversation').map(([, state]) => state), ['open'], 'the acceptance replayed')
      resumed.close()
      salesStream.close()
    })

    test('a stream on another instance hears the ring caused on this one', { skip: dialect.name !== 'postgres' && 'two instances share a store on PostgreSQL' }, async () => {
      const second = await startSecondInstance(t, ENV)
      try {
        const secondOrigin = await second.app.listen({ host: '127.0.0.1', port: 0 })
        const b = await brand()
        const agent = await createAgent(t, b.account, { login: 'far-agent', skills: ['billing'] })
        await agent.status('online')
        const stream = await streamOf(agent, secondOrigin)
        await b.call('POST', 'sandbox/inbound', { channel: 'sms', from: '+14259571002', to: BRAND_NUMBER, text: 'hello from afar' }, 201)
        await stream.until(() => stream.events.some((e) => e.event === 'ring'))
        stream.close()
      } finally {
        await second.close()
      }
    })

    test('the desk receives signed conversation events, replies and closes through the conversation API', async () => {
      const desk = await FakeDesk.start()
      try {
        const b = await brand()
        const { secret } = await b.call('PUT', 'desk-connector', { url: `${desk.origin}/desk`, mode: 'instead' }, 201)
        await b.call('POST', 'sandbox/inbound', { channel: 'sms', from: '+14259571003', to: BRAND_NUMBER, text: 'desk, are you there?' }, 201)
        while ((await t.app.webhooks.runOnce()) > 0);
        const events = desk.received('/desk').map((request) => FakeDesk.verify(secret, request))
        assert.deepEqual(events.map((e) => e.type), ['conversation.created', 'message.created'])
        const created = events[0]!.data as { conversation: { id: string; state: string; agentId: string | null; consumer: string } }
        assert.deepEqual([created.conversation.state, created.conversation.agentId, created.conversation.consumer], ['open', null, '+14259571003'], 'the desk holds it, instead of the built-in agents')
        const id = created.conversation.id

        // The desk's agent answers with the brand's key: the reply reaches the consumer.
        await b.call('POST', `conversations/${id}/messages`, { text: 'Yes, the desk is here.' }, 201)
        while ((await t.app.dispatcher.runOnce()) > 0);
        const inbox = await b.call('GET', `sandbox/messages?consumer=${encodeURIComponent('+14259571003')}`, undefined, 200)
        assert.ok(inbox.items.some((m: { direction: string; text: string }) => m.direction === 'outbound' && m.text === 'Yes, the desk is here.'))

        await b.call('POST', `conversations/${id}/transfer`, { skill: 'sales' }, 200)
        await b.call('POST', `conversations/${id}/close`, undefined, 200)
        while ((await t.app.webhooks.runOnce()) > 0);
        const all = desk.received('/desk').map((request) => FakeDesk.verify(secret, request))
        assert.deepEqual(all.map((e) => e.type), ['conversation.created', 'message.created', 'message.created', 'conversation.transferred', 'conversation.closed'])
        assert.ok(all.every((e) => JSON.stringify(e.data).includes(id)), 'every event names the conversation')
      } finally {
        await desk.close()
      }
    })
  })
}
