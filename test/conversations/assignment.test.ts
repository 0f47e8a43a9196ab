import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { dialects, json, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { createAgent } from '../support/agents.ts'
import { personOf } from '../fixtures/people.ts'

const BRAND_NUMBER = '+18005550190'
let nextPhone = 2000
const phone = () => `+1425555${String(nextPhone++).padStart(4, '0')}`

for (const dialect of dialects) {
  describe(`conversation routing and assignment (${dialect.name})`, () => {
    let t: TestApp
    let brand: BrandFixture<'sms'>
    let account = 8100

    before(async () => {
      // Deliveries and sweeps run when the test says (runOnce), not in the background.
      t = await startApp(dialect, { DELIVERY_WORKER: 'false' })
    })
    after(async () => t.close())

    beforeEach(async () => {
      account += 1
      brand = await brandFixture(t, String(account), {
        privileges: ['ivr-engagement', 'management', 'conversations'],
        skills: ['billing', 'sales', 'general'],
        numbers: [{ number: BRAND_NUMBER, channel: 'sms' }],
        settings: { channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills: ['billing', 'sales', 'general'], defaultSkill: 'general' } },
        handoffs: { sms: { channels: ['sms'], lookbackMinutes: 60, sms: { fromNumber: BRAND_NUMBER, message: 'Text us back.' } } },
      })
    })

    async function consumerWrites(from: string, text: string) {
      const res = await brand.request('POST', 'sandbox/inbound', { channel: 'sms', from, to: BRAND_NUMBER, text })
      assert.ok(res.statusCode < 300, res.body)
      return json(res)
    }
    async function conversationsOf(state?: string) {
      return (await brand.call('GET', `conversations${state ? `?state=${state}` : ''}`, undefined, 200)).items as Array<{ id: string; state: string; skill: string; source: string; agentId: string | null; callId: string | null }>
    }

    test('a reply within the lookback is a deflected conversation on the call\'s skill, with the invitation first in its transcript', async () => {
      const consumer = phone()
      const callId = await brand.invited(consumer, brand.handoffs.sms, { skill: 'billing' })
      while ((await t.app.dispatcher.runOnce()) > 0);
      t.clock.advance(59 * 60_000)
      await consumerWrites(consumer, 'yes please')
      const [c] = await conversationsOf()
      assert.equal(c?.source, 'ivr-deflection')
      assert.equal(c?.skill, 'billing')
      assert.equal(c?.callId, callId)
      assert.equal(c?.state, 'queued')
      const detail = await brand.call('GET', `conversations/${c?.id}`, undefined, 200)
      assert.deepEqual(detail.messages.map((m: { author: string; text: string }) => [m.author, m.text.startsWith('Text us back.') ? 'Text us back.' : m.text]), [['invitation', 'Text us back.'], ['consumer', 'yes please']])
      assert.equal(detail.cxWidget.firstOutbound.callId, callId)
      assert.equal(detail.cxWidget.recent.length, 1)
    })

    test('least loaded, then longest idle, rings; the ring moves on when it runs out', async () => {
      const a = await createAgent(t, brand.account, { login: 'a', skills: ['general'] })
      const b = await createAgent(t, brand.account, { login: 'b', skills: ['general'] })
      await a.status('online')
      await b.status('online')
      await consumerWrites(phone(), 'first')
      let [first] = await conversationsOf()
      assert.equal(first?.state, 'ringing')
      const firstAgent = first?.agentId
      assert.ok(firstAgent === a.id || firstAgent === b.id)
      const other = firstAgent === a.id ? b : a
      await consumerWrites(phone(), 'second')
      const ringing = await conversationsOf('ringing')
      assert.equal(ringing.length, 2)
      assert.notEqual(ringing[0]?.agentId, ringing[1]?.agentId, 'the second rings the agent with fewer conversations')

      t.clock.advance(60_000)
      await t.app.conversationRouter.runOnce()
      ;[first] = (await conversationsOf()).filter((c) => c.id === first?.id)
      assert.equal(first?.state, 'ringing')
      assert.equal(first?.agentId, other.id, 'the ring moved on to the other agent')
    })

    test('capacity is respected; waiting conversations ring when capacity frees, oldest first', async () => {
      const a = await createAgent(t, brand.account, { login: 'solo', skills: ['general'], maxConversations: 1 })
      await a.status('online')
      await consumerWrites(phone(), 'one')
      t.clock.advance(1000)
      await consumerWrites(phone(), 'two')
      t.clock.advance(1000)
      await consumerWrites(phone(), 'three')
      const ringing = await conversationsOf('ringing')
      assert.equal(ringing.length, 1)
      const queued = await conversationsOf('queued')
      assert.equal(queued.length, 2)
      await a.accept(ringing[0]!.id)
      await a.close(ringing[0]!.id)
      const next = await conversationsOf('ringing')
      assert.equal(next.length, 1)
      const detail = await brand.call('GET', `conversations/${next[0]?.id}`, undefined, 200)
      assert.equal(detail.messages.at(-1).text, 'two', 'the oldest waiting conversation rings first')
    })

    test('queued while no agent is online; rings when one comes online; away hands the ring back', async () => {
      const a = await createAgent(t, brand.account, { login: 'late', skills: ['general'] })
      await consumerWrites(phone(), 'anyone?')
      assert.equal((await conversationsOf('queued')).length, 1)
      await a.status('online')
      assert.equal((await conversationsOf('ringing')).length, 1)
      await a.status('away')
      assert.equal((await conversationsOf('queued')).length, 1)
    })

    test('accept, reply through the outbox to the sandbox inbox, the consumer answers in the same conversation, close, then inbound', async () => {
      const a = await createAgent(t, brand.account, { login: 'talker', skills: ['billing', 'general'] })
      await a.status('online')
      const consumer = phone()
      await brand.invited(consumer, brand.handoffs.sms, { skill: 'billing' })
      while ((await t.app.dispatcher.runOnce()) > 0);
      await consumerWrites(consumer, 'hello')
      const [c] = await conversationsOf('ringing')
      await a.accept(c!.id)
      await a.reply(c!.id, 'How can I help?')
      while ((await t.app.dispatcher.runOnce()) > 0);
      const inbox = await brand.call('GET', `sandbox/messages?consumer=${encodeURIComponent(consumer)}`, undefined, 200)
      assert.ok(inbox.items.some((m: { direction: string; text: string }) => m.direction === 'outbound' && m.text === 'How can I help?'), JSON.stringify(inbox.items))
      await consumerWrites(consumer, 'my bill')
      assert.equal((await conversationsOf()).length, 1, 'same conversation')
      await a.close(c!.id)
      await consumerWrites(consumer, 'one more thing')
      const all = await conversationsOf()
      assert.equal(all.length, 2)
      const latest = all.find((x) => x.id !== c!.id)
      assert.equal(latest?.source, 'inbound')
      assert.equal(latest?.skill, 'general')
    })

    test('an active conversation on any channel refuses the invite with 400 1400, sends nothing, and records why', async () => {
      const consumer = phone()
      await consumerWrites(consumer, 'hi there')
      const { callId } = await brand.eligible(consumer, brand.handoffs.sms)
      const res = await brand.invite(callId)
      assert.equal(res.statusCode, 400)
      assert.equal(json(res).errorCode, 1400)
      assert.equal(await t.runtime.db.selectFrom('outbox').select('id').where('call_id', '=', callId).executeTakeFirst(), undefined)
      const view = await brand.call('GET', `calls/${callId}`, undefined, 200)
      assert.match(view.inviteRefusal, /active conversation/)
    })

    test('an agent cannot act outside their skills (403); another brand\'s conversation is 404', async () => {
      const a = await createAgent(t, brand.account, { login: 'sales-only', skills: ['sales'] })
      await consumerWrites(phone(), 'general question')
      const [c] = await conversationsOf()
      await assert.rejects(a.read(c!.id), { status: 403 })
      await assert.rejects(a.accept(c!.id), { status: 403 })
      const other = await brandFixture(t, String(account + 500), { privileges: ['conversations'] })
      const res = await other.request('GET', `conversations/${c!.id}`)
      assert.equal(res.statusCode, 404)
    })

    test('transfer to another skill goes back to that queue and frees the agent', async () => {
      const a = await createAgent(t, brand.account, { login: 'xfer', skills: ['general'] })
      await a.status('online')
      await consumerWrites(phone(), 'sales please')
      const [c] = await conversationsOf('ringing')
      await a.accept(c!.id)
      await a.transfer(c!.id, { skill: 'sales' })
      const [moved] = await conversationsOf()
      assert.equal(moved?.state, 'queued')
      assert.equal(moved?.skill, 'sales')
      const load = await t.runtime.db.selectFrom('users').select('load').where('id', '=', a.id).executeTakeFirstOrThrow()
      assert.equal(load.load, 0)
    })

    test('disabling an agent hands their ring to the next agent at once', async () => {
      const a = await createAgent(t, brand.account, { login: 'leaver', skills: ['general'] })
      await a.status('online')
      await consumerWrites(phone(), 'hello?')
      const [c] = await conversationsOf('ringing')
      assert.equal(c?.agentId, a.id)
      const b = await createAgent(t, brand.account, { login: 'stayer', skills: ['general'] })
      await b.status('online')
      const admin = await personOf(t, brand.account, 'admin')
      const res = await admin.request('PATCH', `users/${a.id}`, { disabled: true })
      assert.equal(res.statusCode, 200, res.body)
      const [moved] = await conversationsOf('ringing')
      assert.equal(moved?.id, c?.id)
      assert.equal(moved?.agentId, b.id)
    })

    test('the lookback boundary over HTTP: a reply 1 ms inside is deflected; one at the boundary is inbound on the default skill', async () => {
      const inside = phone()
      const boundary = phone()
      await brand.invited(inside, brand.handoffs.sms, { skill: 'billing' })
      await brand.invited(boundary, brand.handoffs.sms, { skill: 'billing' })
      t.clock.advance(60 * 60_000 - 1)
      await consumerWrites(inside, 'just in time')
      t.clock.advance(1)
      await consumerWrites(boundary, 'too late')
      const detailOf = async (from: string) => {
        for (const c of await conversationsOf()) {
          const detail = await brand.call('GET', `conversations/${c.id}`, undefined, 200)
          if (detail.messages.some((m: { text: string }) => m.text === from)) return detail
        }
        return undefined
      }
      const deflected = await detailOf('just in time')
      assert.deepEqual([deflected?.source, deflected?.skill], ['ivr-deflection', 'billing'])
      const late = await detailOf('too late')
      assert.deepEqual([late?.source, late?.skill, late?.callId], ['inbound', 'general', null])
    })

    test('the invite\'s overrideSkill is the skill the reply is routed to', async () => {
      const consumer = phone()
      const { callId } = await brand.eligible(consumer, brand.handoffs.sms, { skill: 'billing' })
      assert.equal((await brand.invite(callId, { overrideSkill: 'sales' })).statusCode, 200)
      await consumerWrites(consumer, 'sales, please')
      const [c] = await conversationsOf()
      assert.deepEqual([c?.source, c?.skill, c?.callId], ['ivr-deflection', 'sales', callId])
    })

    test('an agent manager transfers to a named agent, who is rung; an agent may not', async () => {
      const a = await createAgent(t, brand.account, { login: 'first-line', skills: ['general'] })
      const b = await createAgent(t, brand.account, { login: 'specialist', skills: ['sales'] })
      const manager = await createAgent(t, brand.account, { login: 'boss', skills: [], role: 'agent-manager' })
      await a.status('online')
      await b.status('online')
      await consumerWrites(phone(), 'I need the specialist')
      const [c] = await conversationsOf('ringing')
      await a.accept(c!.id)
      await assert.rejects(a.transfer(c!.id, { agentId: b.id }), { status: 403 })
      await manager.transfer(c!.id, { agentId: b.id })
      const [moved] = await conversationsOf('ringing')
      assert.deepEqual([moved?.id, moved?.agentId], [c!.id, b.id])
      await b.accept(c!.id)
      assert.equal((await b.read(c!.id)).state, 'open')
      await manager.close(c!.id)
    })

    test('an active conversation on another channel refuses the invite too (WhatsApp open, SMS invite)', async () => {
      const consumer = phone()
      const res0 = await brand.request('POST', 'sandbox/inbound', { channel: 'wa', from: consumer, to: BRAND_NUMBER, text: 'hola' })
      assert.ok(res0.statusCode < 300, res0.body)
      const [c] = await conversationsOf()
      assert.equal((await brand.call('GET', `conversations/${c!.id}`, undefined, 200)).channel, 'wa')
      const { callId } = await brand.eligible(consumer, brand.handoffs.sms)
      const res = await brand.invite(callId)
      assert.equal(res.statusCode, 400)
      assert.equal(json(res).errorCode, 1400)
      assert.match(json(res).detail, /active conversation.*on wa/)
      assert.equal(await t.runtime.db.selectFrom('outbox').select('id').where('call_id', '=', callId).executeTakeFirst(), undefined, 'nothing sent')
      assert.match((await brand.call('GET', `calls/${callId}`, undefined, 200)).inviteRefusal, /on wa/)

      // Once it is closed, the same call may be invited.
      await brand.call('POST', `conversations/${c!.id}/close`, undefined, 200)
      assert.equal((await brand.invite(callId)).statusCode, 200)
    })

    test('with equal loads, the agent idle longest is rung', async () => {
      const a = await createAgent(t, brand.account, { login: 'idle-a', skills: ['general'] })
      const b = await createAgent(t, brand.account, { login: 'idle-b', skills: ['general'] })
      await a.status('online')
      await b.status('online')
      await consumerWrites(phone(), 'first')
      const [first] = await conversationsOf('ringing')
      const busy = first!.agentId === a.id ? a : b
      const idle = busy === a ? b : a
      await busy.accept(first!.id)
      await busy.close(first!.id)
      t.clock.advance(60_000)
      // Both hold nothing now; the one who was never offered a conversation has been idle longer.
      await consumerWrites(phone(), 'second')
      const [second] = await conversationsOf('ringing')
      assert.equal(second?.agentId, idle.id)
    })
  })
}
