import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { dialects, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import { createAgent } from '../support/agents.ts'

const WA_NUMBER = '+18005550193'
const DAY = 24 * 60 * 60 * 1000

for (const dialect of dialects) {
  describe(`WhatsApp's 24-hour window on agents' replies (${dialect.name})`, () => {
    let t: TestApp
    before(async () => {
      // The agent stays signed in across the day the test lets pass.
      t = await startApp(dialect, { SESSION_TTL_HOURS: '48', DELIVERY_WORKER: 'false' })
    })
    after(async () => t.close())

    test('free-form replies within 24 hours of the consumer\'s last message; refused with 400 1401 after; the consumer writing again reopens it', async () => {
      const brand = await brandFixture(t, '8401', {
        privileges: ['management', 'conversations'],
        skills: ['general'],
        numbers: [{ number: WA_NUMBER, channel: 'wa' }],
        settings: { channels: [{ name: 'wa', enabled: true }], deviceCheck: false, routing: { skills: ['general'], defaultSkill: 'general' } },
      })
      const agent = await createAgent(t, brand.account, { login: 'wa-agent', skills: ['general'] })
      await agent.status('online')
      const consumer = '+14259541234'
      const write = (text: string) => brand.call('POST', 'sandbox/inbound', { channel: 'wa', from: consumer, to: WA_NUMBER, text }, 201)
      await write('hola')
      const [c] = (await brand.call('GET', 'conversations', undefined, 200)).items
      await agent.accept(c.id)

      t.clock.advance(DAY - 1)
      await agent.reply(c.id, 'Still within the window')
      t.clock.advance(1)
      await assert.rejects(agent.reply(c.id, 'Too late'), (error: { status?: number; code?: number; errorMessage?: string }) => {
        assert.equal(error.status, 400)
        assert.equal(error.code, 1401)
        assert.match(error.errorMessage ?? '', /24 hours.*template/)
        return true
      })
      const outbox = await t.runtime.db.selectFrom('outbox').select('message').where('account_id', '=', brand.account).where('kind', '=', 'reply').execute()
      assert.deepEqual(outbox.map((r) => JSON.parse(r.message).text), ['Still within the window'], 'nothing queued for the refused reply')

      await write('are you there?')
      await agent.reply(c.id, 'Yes, sorry!')
    })
  })
}
