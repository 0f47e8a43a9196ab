import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { dialects, json, provisionBrand, signedRequest, startApp, type TestApp } from '../helper.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { addPerson, login, signIn, type Session } from '../fixtures/people.ts'

const A = '7301'
const B = '7302'
const PASSWORD = 'a good long password'

for (const dialect of dialects) {
  describe(`users API (${dialect.name})`, () => {
    let t: TestApp
    let key: IssuedApiKey
    let admin: Session

    before(async () => {
      t = await startApp(dialect)
      key = await provisionBrand(t.runtime, A)
      await provisionBrand(t.runtime, B)
      await signedRequest(t, key, 'POST', `/api/account/${A}/skills`, { name: 'sales' })
      await addPerson(t, A, 'root', 'admin')
      admin = await signIn(t, A, 'root')
    })
    after(() => t.close())

    test('an admin adds a person who can then sign in; the list never shows the system user or a hash', async () => {
      const res = await admin.request('POST', 'users', { login: 'agent.one', role: 'agent', skills: ['sales'], password: PASSWORD })
      assert.equal(res.statusCode, 201, res.body)
      const created = json(res)
      assert.equal(created.maxConversations, 5)
      assert.equal(created.status, 'offline')
      assert.equal((await login(t, A, { login: 'agent.one', password: PASSWORD })).statusCode, 200)
      const list = json(await admin.request('GET', 'users?pageSize=1&page=2'))
      assert.equal(list.total, 2)
      assert.equal(list.items.length, 1)
      const all = await admin.request('GET', 'users')
      assert.ok(!all.body.includes('c2m-outbound-user'))
      assert.ok(!all.body.includes('scrypt'))
      assert.equal(json(await admin.request('GET', `users/${created.id}`)).login, 'agent.one')
    })

    test('duplicates are 409; unknown skills, short passwords and capacity out of range are 400 with fields', async () => {
      assert.equal((await admin.request('POST', 'users', { login: 'root', role: 'lpa', password: PASSWORD })).statusCode, 409)
      const bad = await admin.request('POST', 'users', { login: 'x', role: 'agent', skills: ['billing'], password: 'short password' })
      assert.equal(bad.statusCode, 400)
      assert.deepEqual(json(bad).fields.map((f: { field: string }) => f.field), ['skills'])
      assert.equal((await admin.request('POST', 'users', { login: 'y', role: 'agent', password: 'eleven char' })).statusCode, 400)
      assert.equal((await admin.request('POST', 'users', { login: 'z', role: 'agent', maxConversations: 101, password: PASSWORD })).statusCode, 400)
      assert.equal((await admin.request('POST', 'users', { login: 'w', role: 'owner', password: PASSWORD })).statusCode, 400)
    })

    test('the last admin cannot demote or disable themselves (409); with a second admin they can', async () => {
      assert.equal((await admin.request('PATCH', `users/${admin.userId}`, { role: 'lpa' })).statusCode, 409)
      assert.equal((await admin.request('PATCH', `users/${admin.userId}`, { disabled: true })).statusCode, 409)
      const second = json(await admin.request('POST', 'users', { login: 'root2', role: 'admin', password: PASSWORD }))
      assert.equal((await admin.request('PATCH', `users/${second.id}`, { disabled: true })).statusCode, 200)
      assert.equal((await admin.request('PATCH', `users/${admin.userId}`, { role: 'lpa' })).statusCode, 409, 'a disabled admin does not count')
      assert.equal((await admin.request('PATCH', `users/${second.id}`, { disabled: false })).statusCode, 200)
    })

    test('an admin\'s password reset ends the person\'s sessions', async () => {
      await addPerson(t, A, 'reset-me', 'lpa')
      const person = await signIn(t, A, 'reset-me')
      assert.equal((await admin.request('POST', `users/${person.userId}/password`, { password: 'another good password' })).statusCode, 204)
      assert.equal((await person.request('GET', 'session')).statusCode, 401)
      assert.equal((await login(t, A, { login: 'reset-me', password: 'another good password' })).statusCode, 200)
    })

    test('another brand\'s user is 404; a management key may manage people too', async () => {
      const other = await addPerson(t, B, 'b-person', 'admin')
      assert.equal((await admin.request('GET', `users/${other}`)).statusCode, 404)
      assert.equal((await admin.request('PATCH', `users/${other}`, { role: 'lpa' })).statusCode, 404)
      const byKey = await signedRequest(t, key, 'GET', `/api/account/${A}/users`)
      assert.equal(byKey.statusCode, 200)
    })
  })
}
