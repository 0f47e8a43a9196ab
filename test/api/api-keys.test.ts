import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { dialects, json, provisionBrand, signedRequest, startApp, type TestApp } from '../helper.ts'
import { personOf } from '../fixtures/people.ts'

// The brand's API keys, managed by its admins: four values shown once, a key that works at once,
// a listing without secrets, a revocation that holds at once; nobody else may.

const A = '8601'
const B = '8602'

for (const dialect of dialects) {
  describe(`API keys managed by the brand's admins (${dialect.name})`, () => {
    let t: TestApp
    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false' })
      await provisionBrand(t.runtime, A)
      await provisionBrand(t.runtime, B)
    })
    after(async () => t.close())

    test('create (values shown once), use, list without secrets, revoke', async () => {
      const admin = await personOf(t, A, 'admin')
      const created = await admin.request('POST', 'api-keys', { appName: 'Acme IVR', developer: 'Ivy', privileges: ['ivr-engagement', 'management'] })
      assert.equal(created.statusCode, 201, created.body)
      assert.equal(created.headers['cache-control'], 'no-store')
      const key = json(created)
      for (const value of ['appKey', 'secret', 'accessToken', 'accessTokenSecret']) assert.match(key[value], /^[A-Za-z0-9_-]{16,}$/, value)

      const signed = await signedRequest(t, { ...key, id: key.id }, 'GET', `/api/account/${A}/settings`)
      assert.notEqual(signed.statusCode, 401, 'the new key signs requests at once')

      const listed = json(await admin.request('GET', 'api-keys'))
      const entry = listed.items.find((k: { appKey: string }) => k.appKey === key.appKey)
      assert.deepEqual(Object.keys(entry).sort(), ['appKey', 'appName', 'createdAt', 'developer', 'id', 'privileges', 'revokedAt'])
      assert.ok(!JSON.stringify(listed).includes(key.secret) && !JSON.stringify(listed).includes(key.accessTokenSecret), 'no secret listed')

      assert.equal((await admin.request('DELETE', `api-keys/${key.appKey}`)).statusCode, 204)
      assert.equal((await signedRequest(t, key, 'GET', `/api/account/${A}/settings`)).statusCode, 401, 'revoked at once')
      assert.equal((await admin.request('DELETE', `api-keys/${key.appKey}`)).statusCode, 404, 'revoked already')
    })

    test('only admins: other roles 403 1101, machines 403, another brand\'s admin 401, bad bodies 400', async () => {
      for (const role of ['campaign-manager', 'lpa', 'agent', 'agent-manager'] as const) {
        const person = await personOf(t, A, role)
        const res = await person.request('POST', 'api-keys', { appName: 'x', developer: 'y', privileges: ['management'] })
        assert.equal(res.statusCode, 403, role)
        assert.equal(json(res).errorCode, 1101)
      }
      const management = await provisionBrand(t.runtime, '8603', ['management'])
      assert.equal((await signedRequest(t, management, 'GET', '/api/account/8603/api-keys')).statusCode, 403, 'a key never manages keys')
      const otherAdmin = await personOf(t, B, 'admin')
      const crossing = await t.app.inject({ method: 'GET', url: `/api/account/${A}/api-keys`, headers: { cookie: `c2m_session=${otherAdmin.cookie}` } })
      assert.equal(crossing.statusCode, 401, 'another brand\'s session is no session here')
      const admin = await personOf(t, A, 'admin')
      for (const body of [{ appName: 'x', developer: 'y', privileges: [] }, { appName: 'x', developer: 'y', privileges: ['root'] }, { appName: '   ', developer: 'y', privileges: ['management'] }, { appName: 'x'.repeat(201), developer: 'y', privileges: ['management'] }]) {
        const res = await admin.request('POST', 'api-keys', body)
        assert.equal(res.statusCode, 400, JSON.stringify(body))
        assert.equal(json(res).errorCode, 1000)
      }
    })
  })
}
