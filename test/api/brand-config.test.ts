import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { approvedTemplate, dialects, json, provisionBrand, signedRequest, startApp, type TestApp } from '../helper.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

// A brand's settings and catalogue (skills, sending numbers, apps) over signed HTTP.

type Body = Record<string, unknown>

/** A 400 1000 whose `fields` name exactly these fields, each with a message. */
function assertInvalid(res: LightMyRequestResponse, fields: string[]): void {
  assert.equal(res.statusCode, 400, res.body)
  const body = json(res)
  assert.equal(body.errorCode, 1000)
  assert.equal(body.errorMessage, 'Invalid request')
  assert.ok(Array.isArray(body.fields), 'the error lists its fields')
  for (const entry of body.fields as Array<{ field: string; message: string }>) assert.ok(entry.message.length > 0, `a message for ${entry.field}`)
  const named = [...new Set((body.fields as Array<{ field: string }>).map((f) => f.field))].sort()
  assert.deepEqual(named, [...fields].sort())
}

function assertNotFound(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 404, res.body)
  assert.equal(json(res).errorCode, 1004)
  assert.equal(json(res).errorMessage, 'Not Found')
}

function assertConflict(res: LightMyRequestResponse, detail?: RegExp): void {
  assert.equal(res.statusCode, 409, res.body)
  const body = json(res)
  assert.equal(body.errorCode, 1009)
  assert.equal(body.errorMessage, 'Conflict')
  if (detail) assert.match(body.detail, detail)
}

const SETTINGS = {
  channels: [
    { name: 'wa', enabled: true },
    { name: 'inapp', enabled: false },
    { name: 'sms', enabled: true },
  ],
  deviceCheck: true,
  routing: { skills: ['sales', 'support'], defaultSkill: 'support' },
}

for (const dialect of dialects) {
  describe(`brand configuration API (${dialect.name})`, () => {
    let t: TestApp
    const keys = new Map<string, IssuedApiKey>()

    const call = (account: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', rest: string, body?: unknown) =>
      signedRequest(t, keys.get(account)!, method, `/api/account/${account}${rest}`, body)

    async function created(account: string, rest: string, body: Body): Promise<any> {
      const res = await call(account, 'POST', rest, body)
      assert.equal(res.statusCode, 201, `${rest} ${JSON.stringify(body)}: ${res.body}`)
      return json(res)
    }

    before(async () => {
      t = await startApp(dialect)
      for (const account of ['4101', '4102', '4103', '4104', '4105']) keys.set(account, await provisionBrand(t.runtime, account))
    })
    after(() => t.close())

    describe('settings', () => {
      const S = '4101'
      const withSettings = (patch: Body) => ({ ...SETTINGS, ...patch })

      before(async () => {
        for (const name of ['sales', 'support', 'billing']) await created(S, '/skills', { name })
      })

      test('a brand without settings gets 404 1004', async () => {
        const res = await call(S, 'GET', '/settings')
        assertNotFound(res)
      })

      test('PUT then GET returns the same document, channel order kept', async () => {
        const put = await call(S, 'PUT', '/settings', SETTINGS)
        assert.equal(put.statusCode, 200, put.body)
        assert.deepEqual(json(put), SETTINGS)
        const got = await call(S, 'GET', '/settings')
        assert.equal(got.statusCode, 200)
        assert.deepEqual(json(got), SETTINGS)
        assert.deepEqual(json(got).channels.map((c: { name: string }) => c.name), ['wa', 'inapp', 'sms'])
      })

      test('a second PUT replaces the first', async () => {
        const next = {
          channels: [
            { name: 'sms', enabled: true },
            { name: 'wa', enabled: false },
          ],
          deviceCheck: false,
          routing: { skills: ['billing'] },
        }
        assert.equal((await call(S, 'PUT', '/settings', next)).statusCode, 200)
        assert.deepEqual(json(await call(S, 'GET', '/settings')), next)
        assert.equal((await call(S, 'PUT', '/settings', SETTINGS)).statusCode, 200)
      })

      test('an unknown channel name is rejected', async () => {
        assertInvalid(await call(S, 'PUT', '/settings', withSettings({ channels: [{ name: 'sms', enabled: true }, { name: 'email', enabled: true }] })), ['channels.1.name'])
      })

      test('a duplicate channel is rejected', async () => {
        assertInvalid(await call(S, 'PUT', '/settings', withSettings({ channels: [{ name: 'sms', enabled: true }, { name: 'sms', enabled: false }] })), ['channels.1.name'])
      })

      test('a routing skill the brand has not registered is rejected', async () => {
        assertInvalid(await call(S, 'PUT', '/settings', withSettings({ routing: { skills: ['sales', 'nope'], defaultSkill: 'sales' } })), ['routing.skills.1'])
      })

      test('a defaultSkill that is not among routing.skills is rejected', async () => {
        const res = await call(S, 'PUT', '/settings', withSettings({ routing: { skills: ['sales'], defaultSkill: 'billing' } }))
        assertInvalid(res, ['routing.defaultSkill'])
      })

      test('a non-boolean deviceCheck is rejected', async () => {
        assertInvalid(await call(S, 'PUT', '/settings', withSettings({ deviceCheck: 'yes' })), ['deviceCheck'])
        assertInvalid(await call(S, 'PUT', '/settings', withSettings({ deviceCheck: 1 })), ['deviceCheck'])
      })

      test('several bad fields and unknown fields are all listed', async () => {
        const res = await call(S, 'PUT', '/settings', { ...withSettings({ deviceCheck: 'no', channels: [] }), colour: 'red' })
        assertInvalid(res, ['channels', 'deviceCheck', 'colour'])
        const rules = await call(S, 'PUT', '/settings', withSettings({ channels: [{ name: 'wa', enabled: true }, { name: 'wa', enabled: true }], routing: { skills: ['nope'], defaultSkill: 'sales' } }))
        assertInvalid(rules, ['channels.1.name', 'routing.skills.0', 'routing.defaultSkill'])
      })

      test('rejected writes leave the stored settings as they were', async () => {
        assert.deepEqual(json(await call(S, 'GET', '/settings')), SETTINGS)
      })
    })

    describe('skills', () => {
      const K = '4102'

      test('POST 201 returns the skill; GET lists it', async () => {
        const res = await call(K, 'POST', '/skills', { name: 'sales' })
        assert.equal(res.statusCode, 201, res.body)
        assert.deepEqual(json(res), { name: 'sales', createdAt: t.clock.now().toISOString() })
        assert.deepEqual(json(await call(K, 'GET', '/skills')).items.map((s: { name: string }) => s.name), ['sales'])
      })

      test('a duplicate is 409 1009', async () => {
        assertConflict(await call(K, 'POST', '/skills', { name: 'sales' }), /sales/)
        assertConflict(await call(K, 'POST', '/skills', { name: '  sales ' }))
      })

      test('the same skill may exist in another brand', async () => {
        await created('4103', '/skills', { name: 'sales' })
      })

      test('a missing or blank name is rejected', async () => {
        assertInvalid(await call(K, 'POST', '/skills', {}), ['name'])
        assertInvalid(await call(K, 'POST', '/skills', { name: '   ' }), ['name'])
        assertInvalid(await call(K, 'POST', '/skills', { name: 'x', level: 2 }), ['level'])
      })

      test('DELETE 204 removes it; an unknown skill is 404', async () => {
        await created(K, '/skills', { name: 'tier 2/EU' })
        const res = await call(K, 'DELETE', `/skills/${encodeURIComponent('tier 2/EU')}`)
        assert.equal(res.statusCode, 204, res.body)
        assert.equal(res.body, '')
        assert.deepEqual(json(await call(K, 'GET', '/skills')).items.map((s: { name: string }) => s.name), ['sales'])
        assertNotFound(await call(K, 'DELETE', `/skills/${encodeURIComponent('tier 2/EU')}`))
        assertNotFound(await call(K, 'DELETE', '/skills/never'))
      })

      test('another brand cannot delete this brand\'s skill through its own path', async () => {
        await created(K, '/skills', { name: 'private' })
        assertNotFound(await call('4103', 'DELETE', '/skills/private'))
        assert.ok(json(await call(K, 'GET', '/skills')).items.some((s: { name: string }) => s.name === 'private'))
      })

      test('a skill used by the routing settings cannot be deleted (409)', async () => {
        await created(K, '/skills', { name: 'routed' })
        assert.equal((await call(K, 'PUT', '/settings', { channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills: ['routed'], defaultSkill: 'routed' } })).statusCode, 200)
        assertConflict(await call(K, 'DELETE', '/skills/routed'), /routing/)
        assert.equal((await call(K, 'PUT', '/settings', { channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills: [] } })).statusCode, 200)
        assert.equal((await call(K, 'DELETE', '/skills/routed')).statusCode, 204)
      })

      test('a skill a handoff is restricted to cannot be deleted (409)', async () => {
        await created(K, '/skills', { name: 'restricted' })
        await created(K, '/phone-numbers', { number: '+18005550100', channel: 'sms' })
        const handoff = await created(K, '/handoffs', { title: 'Restricted', lookbackMinutes: 60, channels: ['sms'], skills: ['restricted'], sms: { fromNumber: '+18005550100', message: 'Hi' } })
        const res = await call(K, 'DELETE', '/skills/restricted')
        assertConflict(res, new RegExp(handoff.id))
        assert.equal((await call(K, 'DELETE', `/handoffs/${handoff.id}`)).statusCode, 204)
        assert.equal((await call(K, 'DELETE', '/skills/restricted')).statusCode, 204)
      })
    })

    describe('phone numbers', () => {
      const P = '4104'
      const numbers = async () => json(await call(P, 'GET', '/phone-numbers')).items.map((n: { number: string; channel: string }) => `${n.channel}:${n.number}`).sort()

      test('POST 201 returns the number; GET lists it', async () => {
        const res = await call(P, 'POST', '/phone-numbers', { number: '+18005550100', channel: 'sms' })
        assert.equal(res.statusCode, 201, res.body)
        assert.deepEqual(json(res), { number: '+18005550100', channel: 'sms', createdAt: t.clock.now().toISOString() })
        assert.deepEqual(await numbers(), ['sms:+18005550100'])
      })

      test('numbers must be valid E.164', async () => {
        for (const number of ['18005550100', '+1800555ABCD', '+1 800 555 0100', '+18005550100123456', '+1555', '+10005550100', '']) {
          assertInvalid(await call(P, 'POST', '/phone-numbers', { number, channel: 'sms' }), ['number'])
        }
        assertInvalid(await call(P, 'POST', '/phone-numbers', { number: 18005550100, channel: 'sms' }), ['number'])
        assertInvalid(await call(P, 'POST', '/phone-numbers', { channel: 'sms' }), ['number'])
      })

      test('E.164 numbers of up to 15 digits are accepted', async () => {
        // A valid Berlin number of 15 digits, the E.164 maximum.
        await created(P, '/phone-numbers', { number: '+493012345678901', channel: 'sms' })
        await created(P, '/phone-numbers', { number: '+447911123456', channel: 'wa' })
        assert.equal((await call(P, 'DELETE', `/phone-numbers/${encodeURIComponent('+493012345678901')}`)).statusCode, 204)
        assert.equal((await call(P, 'DELETE', `/phone-numbers/${encodeURIComponent('+447911123456')}`)).statusCode, 204)
      })

      test('the channel must be sms or wa', async () => {
        for (const channel of ['inapp', 'email', 'SMS']) {
          assertInvalid(await call(P, 'POST', '/phone-numbers', { number: '+18005550101', channel }), ['channel'])
        }
        assertInvalid(await call(P, 'POST', '/phone-numbers', { number: '+18005550101' }), ['channel'])
        assertInvalid(await call(P, 'POST', '/phone-numbers', { number: 18005550101, channel: 'fax' }), ['number', 'channel'])
      })

      test('the same number may be registered for sms and for wa', async () => {
        await created(P, '/phone-numbers', { number: '+18005550100', channel: 'wa' })
        assert.deepEqual(await numbers(), ['sms:+18005550100', 'wa:+18005550100'])
      })

      test('a duplicate is 409 1009', async () => {
        assertConflict(await call(P, 'POST', '/phone-numbers', { number: '+18005550100', channel: 'sms' }))
        assertConflict(await call(P, 'POST', '/phone-numbers', { number: '+18005550100', channel: 'wa' }))
      })

      test('DELETE with the URL-encoded number and ?channel= removes that channel only', async () => {
        const res = await call(P, 'DELETE', '/phone-numbers/%2B18005550100?channel=sms')
        assert.equal(res.statusCode, 204, res.body)
        assert.deepEqual(await numbers(), ['wa:+18005550100'])
        assertNotFound(await call(P, 'DELETE', '/phone-numbers/%2B18005550100?channel=sms'))
        assertInvalid(await call(P, 'DELETE', '/phone-numbers/%2B18005550100?channel=inapp'), ['channel'])
      })

      test('DELETE without a channel removes the number from every channel; unknown is 404', async () => {
        await created(P, '/phone-numbers', { number: '+18005550100', channel: 'sms' })
        assert.equal((await call(P, 'DELETE', '/phone-numbers/%2B18005550100')).statusCode, 204)
        assert.deepEqual(await numbers(), [])
        assertNotFound(await call(P, 'DELETE', '/phone-numbers/%2B18005550100'))
        assertNotFound(await call(P, 'DELETE', '/phone-numbers/%2B18005550199'))
      })

      test('another brand cannot delete this brand\'s number through its own path', async () => {
        await created(P, '/phone-numbers', { number: '+18005550110', channel: 'sms' })
        assertNotFound(await call('4103', 'DELETE', '/phone-numbers/%2B18005550110'))
        assert.deepEqual(await numbers(), ['sms:+18005550110'])
      })

      test('a number a handoff sends from cannot be deleted (409), on that channel', async () => {
        await created(P, '/phone-numbers', { number: '+18005550120', channel: 'sms' })
        await created(P, '/phone-numbers', { number: '+18005550120', channel: 'wa' })
        await approvedTemplate(t, keys.get(P)!, P, { name: 'hello', phoneNumber: '+18005550120', body: 'Hello, reply here.', language: 'en' })
        const handoff = await created(P, '/handoffs', { title: 'WA sender', lookbackMinutes: 60, channels: ['wa'], wa: { fromNumber: '+18005550120', templateName: 'hello', language: 'en' } })
        assertConflict(await call(P, 'DELETE', '/phone-numbers/%2B18005550120'), new RegExp(handoff.id))
        assertConflict(await call(P, 'DELETE', '/phone-numbers/%2B18005550120?channel=wa'), new RegExp(handoff.id))
        // The sms registration of the same number is not used, so it may go.
        assert.equal((await call(P, 'DELETE', '/phone-numbers/%2B18005550120?channel=sms')).statusCode, 204)
        assert.ok((await numbers()).includes('wa:+18005550120'))
        assert.equal((await call(P, 'DELETE', `/handoffs/${handoff.id}`)).statusCode, 204)
        assert.equal((await call(P, 'DELETE', '/phone-numbers/%2B18005550120')).statusCode, 204)
      })
    })

    describe('apps', () => {
      const M = '4105'
      const appIds = async () => json(await call(M, 'GET', '/apps')).items.map((a: { appId: string }) => a.appId)

      test('POST 201 returns the app; GET lists it', async () => {
        const res = await call(M, 'POST', '/apps', { appId: 'com.acme.ios', platform: 'ios', name: 'Acme iOS' })
        assert.equal(res.statusCode, 201, res.body)
        assert.deepEqual(json(res), { appId: 'com.acme.ios', platform: 'ios', name: 'Acme iOS', createdAt: t.clock.now().toISOString() })
        await created(M, '/apps', { appId: 'com.acme.android', platform: 'android', name: 'Acme Android' })
        assert.deepEqual(await appIds(), ['com.acme.android', 'com.acme.ios'])
      })

      test('the platform must be ios or android', async () => {
        assertInvalid(await call(M, 'POST', '/apps', { appId: 'com.acme.win', platform: 'windows', name: 'Acme Windows' }), ['platform'])
        assertInvalid(await call(M, 'POST', '/apps', { appId: 'com.acme.win', name: 'Acme Windows' }), ['platform'])
      })

      test('the appId must be a bundle id or package name', async () => {
        for (const appId of ['com acme', 'com/acme', '<script>', '']) {
          assertInvalid(await call(M, 'POST', '/apps', { appId, platform: 'ios', name: 'Acme' }), ['appId'])
        }
        await created(M, '/apps', { appId: 'Acme_App-2.beta', platform: 'android', name: 'Beta' })
      })

      test('name is required and unknown fields are rejected', async () => {
        assertInvalid(await call(M, 'POST', '/apps', { appId: 'com.acme.x', platform: 'ios' }), ['name'])
        assertInvalid(await call(M, 'POST', '/apps', { appId: 'com.acme.x', platform: 'ios', name: 'X', store: 'apple' }), ['store'])
      })

      test('a duplicate is 409 1009', async () => {
        assertConflict(await call(M, 'POST', '/apps', { appId: 'com.acme.ios', platform: 'ios', name: 'Again' }), /com\.acme\.ios/)
      })

      test('DELETE 204 removes it; an unknown app is 404', async () => {
        assert.equal((await call(M, 'DELETE', '/apps/Acme_App-2.beta')).statusCode, 204)
        assert.deepEqual(await appIds(), ['com.acme.android', 'com.acme.ios'])
        assertNotFound(await call(M, 'DELETE', '/apps/Acme_App-2.beta'))
        assertNotFound(await call('4103', 'DELETE', '/apps/com.acme.ios'))
      })

      test('an app used by an in-app handoff may be deleted; the handoff stays as it was', async () => {
        const handoff = await created(M, '/handoffs', { title: 'In app', lookbackMinutes: 60, channels: ['inapp'], inapp: { appIds: ['com.acme.ios', 'com.acme.android'], message: 'Open the app' } })
        assert.equal((await call(M, 'DELETE', '/apps/com.acme.ios')).statusCode, 204)
        assert.deepEqual(await appIds(), ['com.acme.android'])
        const stored = await call(M, 'GET', `/handoffs/${handoff.id}`)
        assert.equal(stored.statusCode, 200)
        assert.deepEqual(json(stored).inapp.appIds, ['com.acme.ios', 'com.acme.android'])
      })
    })
  })
}
