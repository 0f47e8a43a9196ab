import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { approvedTemplate, dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

// A handoff (or the routing settings) naming a skill, number or template, saved at the same moment
// as that item is deleted: one of the two must lose, whatever the interleaving. Each round sends
// both requests at once; whichever the store ran first, the brand never ends with a handoff naming
// something that no longer exists.

const ROUNDS = 12
const SMS = '+18005550101'
const WA = '+18005550102'

type Body = Record<string, unknown>

for (const dialect of dialects) {
  describe(`saving a reference and deleting its target at once (${dialect.name})`, () => {
    const A = '3601'
    let t: TestApp
    let key: IssuedApiKey
    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => signedRequest(t, key, method, `/api/account/${A}${path}`, body)

    async function created(path: string, body: Body): Promise<any> {
      const res = await call('POST', path, body)
      assert.equal(res.statusCode, 201, `${path}: ${res.body}`)
      return json(res)
    }

    /** Both at once; exactly one wins: the save (then the delete is refused 409) or the delete (then the save 400). */
    async function race(save: Promise<{ statusCode: number; body: string }>, remove: Promise<{ statusCode: number; body: string }>, saved: number): Promise<'save' | 'delete'> {
      const [s, d] = await Promise.all([save, remove])
      if (s.statusCode === saved) {
        assert.equal(d.statusCode, 409, `the save won, so the delete is refused: ${d.body}`)
        return 'save'
      }
      assert.equal(s.statusCode, 400, `the delete won, so the save is refused: ${s.body}`)
      assert.equal(d.statusCode, 204, d.body)
      return 'delete'
    }

    before(async () => {
      t = await startApp(dialect)
      ;({ key } = await brandFixture(t, A, {
        privileges: ['management'],
        skills: ['support'],
        numbers: [
          { number: SMS, channel: 'sms' },
          { number: WA, channel: 'wa' },
        ],
      }))
    })
    after(() => t.close())

    test('a handoff restricted to a skill, and the skill removed', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const skill = `skill_${round}`
        await created('/skills', { name: skill })
        const handoff = { title: `Skill race ${round}`, lookbackMinutes: 120, channels: ['sms'], skills: [skill], sms: { fromNumber: SMS, message: 'Hi' } }
        const winner = await race(call('POST', '/handoffs', handoff), call('DELETE', `/skills/${skill}`), 201)
        const skills = (json((await call('GET', '/skills'))).items as Array<{ name: string }>).map((s) => s.name)
        const users = (json(await call('GET', '/handoffs?pageSize=100')).items as Array<{ skills: string[] }>).filter((h) => h.skills.includes(skill))
        assert.equal(skills.includes(skill), winner === 'save', `round ${round}`)
        assert.equal(users.length, winner === 'save' ? 1 : 0, `round ${round}: no handoff names a removed skill`)
      }
    })

    test('a WhatsApp handoff using a template, and the template deleted', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const name = `race_template_${round}`
        await approvedTemplate(t, key, A, { name, phoneNumber: WA, body: 'Thanks for calling Acme. Reply here to keep talking.' })
        const handoff = { title: `Template race ${round}`, lookbackMinutes: 120, channels: ['wa'], wa: { fromNumber: WA, templateName: name } }
        const winner = await race(call('POST', '/handoffs', handoff), call('DELETE', `/whatsapp-templates/${name}`), 201)
        const template = await call('GET', `/whatsapp-templates/${name}`)
        const users = (json(await call('GET', '/handoffs?pageSize=100&channel=wa')).items as Array<{ wa: { templateName: string } }>).filter((h) => h.wa.templateName === name)
        assert.equal(template.statusCode, winner === 'save' ? 200 : 404, `round ${round}`)
        assert.equal(users.length, winner === 'save' ? 1 : 0, `round ${round}: no handoff names a deleted template`)
      }
    })

    test('an existing handoff changed to a new number, and the number removed', async () => {
      const { warnings: _none, ...handoff } = await created('/handoffs', { title: 'Number race', lookbackMinutes: 120, channels: ['sms'], sms: { fromNumber: SMS, message: 'Hi' } })
      for (let round = 0; round < ROUNDS; round++) {
        const number = `+1800555${String(2000 + round)}`
        await created('/phone-numbers', { number, channel: 'sms' })
        const changed = { ...handoff, sms: { fromNumber: number, message: 'Hi' } }
        const winner = await race(call('PUT', `/handoffs/${handoff.id}`, changed), call('DELETE', `/phone-numbers/${encodeURIComponent(number)}`), 200)
        const numbers = (json(await call('GET', '/phone-numbers')).items as Array<{ number: string }>).map((n) => n.number)
        const now = json(await call('GET', `/handoffs/${handoff.id}`))
        assert.equal(numbers.includes(number), winner === 'save', `round ${round}`)
        assert.equal(now.sms.fromNumber === number, winner === 'save', `round ${round}: the handoff never names a removed number`)
        // Back to the number that stays, for the next round.
        assert.equal((await call('PUT', `/handoffs/${handoff.id}`, handoff)).statusCode, 200)
      }
    })

    test('routing settings naming a skill, and the skill removed', async () => {
      assert.equal((await call('PUT', '/settings', { channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills: ['support'] } })).statusCode, 200)
      for (let round = 0; round < ROUNDS; round++) {
        const skill = `routing_${round}`
        await created('/skills', { name: skill })
        const settings = { channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills: [skill], defaultSkill: skill } }
        const winner = await race(call('PUT', '/settings', settings), call('DELETE', `/skills/${skill}`), 200)
        const skills = (json(await call('GET', '/skills')).items as Array<{ name: string }>).map((s) => s.name)
        const routing = json(await call('GET', '/settings')).routing as { skills: string[] }
        assert.equal(skills.includes(skill), winner === 'save', `round ${round}`)
        assert.equal(routing.skills.includes(skill), winner === 'save', `round ${round}: the routing never names a removed skill`)
      }
    })
  })
}
