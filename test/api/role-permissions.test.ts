import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { dialects, json, provisionBrand, signedRequest, startApp, type TestApp } from '../helper.ts'
import { PERSON_ROLES, type PersonRole } from '../../src/auth/actor.ts'
import { personOf, type Method, type Session } from '../fixtures/people.ts'

const A = '7201'
const READERS: PersonRole[] = ['admin', 'campaign-manager', 'lpa']
const WRITERS: PersonRole[] = ['admin', 'campaign-manager']
const ADMINS: PersonRole[] = ['admin']

/**
 * Every configuration route family, with the roles the user guide lets through. Writes send an
 * empty body: a permitted role gets past the role check to validation (400), so nothing changes.
 */
const TABLE: Array<[Method, string, PersonRole[]]> = [
  ['GET', 'settings', READERS],
  ['PUT', 'settings', WRITERS],
  ['GET', 'skills', READERS],
  ['POST', 'skills', WRITERS],
  ['DELETE', 'skills/nothing', WRITERS],
  ['GET', 'phone-numbers', READERS],
  ['POST', 'phone-numbers', WRITERS],
  ['GET', 'apps', READERS],
  ['POST', 'apps', WRITERS],
  ['GET', 'channel-modes', READERS],
  ['PUT', 'channel-modes/sms', WRITERS],
  ['GET', 'channels/twilio', READERS],
  ['PUT', 'channels/twilio', WRITERS],
  ['DELETE', 'channels/whatsapp', WRITERS],
  ['GET', 'handoffs', READERS],
  ['POST', 'handoffs', WRITERS],
  ['GET', 'handoffs/00000000-0000-4000-8000-000000000000', READERS],
  ['DELETE', 'handoffs/00000000-0000-4000-8000-000000000000', WRITERS],
  ['GET', 'whatsapp-templates', [...READERS, 'agent-manager']],
  ['GET', 'whatsapp-templates/none_such', [...READERS, 'agent-manager']],
  ['POST', 'whatsapp-templates', WRITERS],
  ['POST', 'whatsapp-templates/none_such/submit', WRITERS],
  ['GET', 'sandbox/messages', WRITERS],
  ['POST', 'sandbox/inbound', WRITERS],
  ['POST', 'sandbox/ivr-call', WRITERS],
  ['GET', 'calls/00000000-0000-4000-8000-000000000000', READERS],
  ['GET', 'users', ADMINS],
  ['POST', 'users', ADMINS],
  ['PATCH', 'users/00000000-0000-4000-8000-000000000000', ADMINS],
  ['POST', 'users/00000000-0000-4000-8000-000000000000/password', ADMINS],
]

for (const dialect of dialects) {
  describe(`role permissions (${dialect.name})`, () => {
    let t: TestApp
    const sessions = new Map<PersonRole, Session>()

    before(async () => {
      t = await startApp(dialect)
      await provisionBrand(t.runtime, A)
      for (const role of PERSON_ROLES) sessions.set(role, await personOf(t, A, role))
    })
    after(() => t.close())

    for (const role of PERSON_ROLES) {
      test(`${role}: each configuration route is served or 403 1101 as the user guide says`, async () => {
        const session = sessions.get(role) as Session
        for (const [method, resource, roles] of TABLE) {
          const res = await session.request(method, resource, method === 'GET' || method === 'DELETE' ? undefined : {})
          const label = `${role} ${method} ${resource}: ${res.statusCode} ${res.body}`
          if (roles.includes(role)) {
            assert.ok(res.statusCode !== 401 && res.statusCode !== 403, label)
          } else {
            assert.equal(res.statusCode, 403, label)
            assert.equal(json(res).errorCode, 1101, label)
          }
        }
      })
    }

    test('the C2M API and the device and in-app receipt routes stay machine-only', async () => {
      const admin = sessions.get('admin') as Session
      for (const [method, resource] of [
        ['POST', 'eligibility?v=2.0'],
        ['POST', 'invite?v=2.0'],
        ['POST', 'consumers/jane/devices'],
        ['POST', 'inapp/messages/x/status'],
      ] as Array<[Method, string]>) {
        const res = await admin.request(method, resource, {})
        assert.equal(res.statusCode, 401, `${method} ${resource}: ${res.body}`)
      }
    })

    test('API keys keep their privileges on the same routes', async () => {
      const reporting = await provisionBrand(t.runtime, '7202', ['reporting'])
      assert.equal((await signedRequest(t, reporting, 'GET', '/api/account/7202/skills')).statusCode, 403)
      assert.equal((await signedRequest(t, reporting, 'GET', '/api/account/7202/calls/00000000-0000-4000-8000-000000000000')).statusCode, 404)
    })
  })
}
