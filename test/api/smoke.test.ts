import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { dialects, json, provisionBrand, signedRequest, startApp, type TestApp } from '../helper.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

for (const dialect of dialects) {
  describe(`configuration API smoke (${dialect.name})`, () => {
    let t: TestApp
    let key: IssuedApiKey
    before(async () => {
      t = await startApp(dialect)
      key = await provisionBrand(t.runtime, '1001')
    })
    after(() => t.close())

    test('a signed request reaches the settings, which a new brand does not have yet', async () => {
      const res = await signedRequest(t, key, 'GET', '/api/account/1001/settings')
      assert.equal(res.statusCode, 404)
      assert.deepEqual(json(res), { errorCode: 1004, errorMessage: 'Not Found', detail: 'this brand has no settings yet' })
    })

    test('skills can be added and listed', async () => {
      const created = await signedRequest(t, key, 'POST', '/api/account/1001/skills', { name: 'sales' })
      assert.equal(created.statusCode, 201)
      const list = await signedRequest(t, key, 'GET', '/api/account/1001/skills')
      assert.deepEqual(json(list).items.map((s: { name: string }) => s.name), ['sales'])
    })
  })
}
