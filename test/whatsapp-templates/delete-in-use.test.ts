import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

// Deleting a template that handoffs use is refused with the handoffs' titles (how the webtool's
// users know them) as well as their ids, so the templates page can say which handoffs to change.

const ACCOUNT = '6400'
const WA_NUMBER = '+18005550102'
const WABA = '102290129340398'

for (const dialect of dialects) {
  describe(`deleting a WhatsApp template in use names its handoffs (${dialect.name})`, () => {
    let t: TestApp
    let key: IssuedApiKey

    const call = (method: 'GET' | 'POST' | 'DELETE', resource: string, body?: unknown) => signedRequest(t, key, method, `/api/account/${ACCOUNT}/${resource}`, body)

    async function handoff(title: string, templateName: string): Promise<string> {
      const res = await call('POST', 'handoffs', { title, lookbackMinutes: 120, channels: ['wa'], wa: { fromNumber: WA_NUMBER, templateName, variables: { '1': 'there' } } })
      assert.equal(res.statusCode, 201, res.body)
      return json(res).id
    }

    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' })
      key = (await brandFixture(t, ACCOUNT, { skills: ['support'], numbers: [{ number: WA_NUMBER, channel: 'wa' }] })).key
      for (const name of ['shared_text', 'other_text']) {
        const created = await call('POST', 'whatsapp-templates', { name, category: 'UTILITY', language: 'en_US', wabaId: WABA, phoneNumber: WA_NUMBER, body: 'Hi {{1}}, reply here to chat.', examples: ['Jane'] })
        assert.equal(created.statusCode, 201, created.body)
        // The brand is in the sandbox: submitting is approval.
        assert.equal(json(await call('POST', `whatsapp-templates/${name}/submit`)).status, 'APPROVED')
      }
    })
    after(async () => t.close())

    test('one handoff: its title and id are in the refusal', async () => {
      const id = await handoff('Winter sale follow-up', 'other_text')
      const res = await call('DELETE', 'whatsapp-templates/other_text')
      assert.equal(res.statusCode, 409, res.body)
      assert.equal(json(res).errorCode, 1009)
      assert.equal(json(res).detail, `the template is used by handoff "Winter sale follow-up" (${id}): change or delete it first`)
    })

    test('two handoffs: both named, by title, and only those using the template', async () => {
      const zeta = await handoff('Zeta returns', 'shared_text')
      const alpha = await handoff('Alpha billing', 'shared_text')
      const res = await call('DELETE', 'whatsapp-templates/shared_text')
      assert.equal(res.statusCode, 409, res.body)
      assert.equal(json(res).detail, `the template is used by handoffs "Alpha billing" (${alpha}), "Zeta returns" (${zeta}): change or delete them first`)
      assert.equal((await call('GET', 'whatsapp-templates/shared_text')).statusCode, 200, 'the refused template is still there')
    })

    test('many handoffs: the first five by title are named, the rest counted (the answer stays small)', async () => {
      for (const letter of ['B', 'C', 'D', 'E', 'F']) await handoff(`${letter} follow-up`, 'shared_text')
      const res = await call('DELETE', 'whatsapp-templates/shared_text')
      assert.equal(res.statusCode, 409, res.body)
      assert.match(json(res).detail, /^the template is used by handoffs "Alpha billing" \(H\d+\), "B follow-up" \(H\d+\), "C follow-up" \(H\d+\), "D follow-up" \(H\d+\), "E follow-up" \(H\d+\) and 2 more: change or delete them first$/)
    })
  })
}
