import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { dialects, json, signedRequest, startApp, startSecondInstance } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import { agentOn, createAgent, type AgentHandle } from '../support/agents.ts'

const BRAND_NUMBER = '+18005550191'
const CONVERSATIONS = 40
const AGENTS = 4
const CAPACITY = 3

// Two instances over one store, as behind a load balancer: conversations arrive at both at once,
// both offer them, and four agents accept every conversation they can see, concurrently, through
// both. The store's guards alone must keep every conversation with at most one agent and every
// agent within their capacity. On SQLite the two "instances" are one: better-sqlite3 waits for a
// lock synchronously, so two connections to one file inside one test process would wait on each
// other's event loop (instances over SQLite are separate processes, and production runs many
// instances over PostgreSQL); the interleaving of requests and sweeps is the same.
for (const dialect of dialects) {
  describe(`no double assignment under concurrency (${dialect.name})`, () => {
    test(`${CONVERSATIONS} conversations at once, ${AGENTS} agents of capacity ${CAPACITY} accepting concurrently through two instances`, async () => {
      const first = await startApp(dialect, { DELIVERY_WORKER: 'false' })
      const second = dialect.name === 'postgres' ? await startSecondInstance(first, { DELIVERY_WORKER: 'false' }) : first
      try {
        const brand = await brandFixture(first, '8200', {
          privileges: ['ivr-engagement', 'management', 'conversations'],
          skills: ['general'],
          numbers: [{ number: BRAND_NUMBER, channel: 'sms' }],
          settings: { channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills: ['general'], defaultSkill: 'general' } },
        })
        const agents: Array<[AgentHandle, AgentHandle]> = []
        for (let i = 0; i < AGENTS; i++) {
          const spec = { login: `agent${i}`, skills: ['general'], maxConversations: CAPACITY }
          const onFirst = await createAgent(first, brand.account, spec)
          agents.push([onFirst, agentOn(second, onFirst)])
        }
        await Promise.all(agents.map(([a], i) => (i % 2 === 0 ? a.status('online') : agents[i]![1].status('online'))))

        const instances = [first, second]
        const consumers = Array.from({ length: CONVERSATIONS }, (_, i) => `+1425556${String(i).padStart(4, '0')}`)
        const arrivals = await Promise.all(
          consumers.map((from, i) => signedRequest(instances[i % 2]!, brand.key, 'POST', `/api/account/${brand.account}/sandbox/inbound`, { channel: 'sms', from, to: BRAND_NUMBER, text: `hello ${i}` })),
        )
        for (const res of arrivals) assert.ok(res.statusCode < 300, res.body)

        const listed = json(await brand.request('GET', 'conversations?pageSize=100'))
        const ids: string[] = listed.items.map((c: { id: string }) => c.id)
        assert.equal(ids.length, CONVERSATIONS, 'one conversation per consumer')

        // Every agent tries every conversation through both instances, while both instances sweep.
        const attempts = agents.flatMap(([onFirst, onSecond]) => ids.flatMap((id, i) => [(i % 2 ? onFirst : onSecond).accept(id)]))
        const outcomes = await Promise.allSettled([...attempts, first.app.conversationRouter.runOnce(), second.app.conversationRouter.runOnce()])
        const accepted = outcomes.slice(0, attempts.length).filter((o) => o.status === 'fulfilled').length
        for (const o of outcomes.slice(0, attempts.length)) if (o.status === 'rejected') assert.ok([403, 409].includes((o.reason as { status?: number }).status ?? 0), String(o.reason))

        // Whatever capacity is left (an offer that found its round busy) is offered by the next sweep.
        await first.app.conversationRouter.runOnce()

        const rows = await first.runtime.db.selectFrom('conversations').select(['id', 'state', 'agent_id']).where('account_id', '=', brand.account).execute()
        const open = rows.filter((r) => r.state === 'open')
        assert.equal(open.length, accepted, 'each successful accept opened exactly one conversation')
        assert.equal(rows.filter((r) => r.agent_id !== null).length, AGENTS * CAPACITY, 'the agents\' capacity is all in use')
        for (const r of rows) {
          assert.ok(['open', 'queued', 'ringing'].includes(r.state), `unexpected ${r.state}`)
          assert.equal(r.agent_id === null, r.state === 'queued', `${r.id}: ${r.state} with agent ${r.agent_id}`)
        }
        const steps = await first.runtime.db.selectFrom('conversation_steps').select(['conversation_id']).where('account_id', '=', brand.account).where('step', '=', 'accepted').execute()
        assert.equal(new Set(steps.map((s) => s.conversation_id)).size, steps.length, 'no conversation accepted twice')
        const users = await first.runtime.db.selectFrom('users').select(['id', 'load', 'max_conversations']).where('account_id', '=', brand.account).where('role', '=', 'agent').execute()
        for (const u of users) {
          const held = rows.filter((r) => r.agent_id === u.id).length
          assert.ok(held <= CAPACITY, `agent ${u.id} holds ${held}`)
          assert.equal(u.load, held, 'the load counter matches what the agent holds')
        }
      } finally {
        if (second !== first) await second.close()
        await first.close()
      }
    })
  })
}
