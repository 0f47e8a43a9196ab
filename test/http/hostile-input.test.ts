import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { PUBLIC_ORIGIN, appWithCapturedLog, dialects, json, ManualClock, provisionBrand, signAt, signedRequest, startApp, startSecondInstance, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { getOauthToHeaders } from '../fixtures/spec-node-snippet.ts'

// Input shaped to cost the service work, output or a 500: huge invalid collections, deep nesting,
// numbers past the safe range, overlong names; and the forms real clients send that must work.

const ACCOUNT = '6301'
const SMS_FROM = '+18005550101'
const CONSUMER = '+14259549855'

function assertInvalid(res: LightMyRequestResponse, context = ''): any {
  assert.equal(res.statusCode, 400, `${context} ${res.body.slice(0, 500)}`)
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  const body = json(res)
  assert.equal(body.errorCode, 1000, context)
  return body
}

for (const dialect of dialects) {
  describe(`hostile input at the edge (${dialect.name})`, () => {
    let t: TestApp
    let key: IssuedApiKey
    let handoffId: string
    const eligibility = (body: unknown) => signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/eligibility?v=2.0`, body)

    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false', RATE_LIMIT: '100000' })
      ;({ key, handoffs: { sms: handoffId } } = await brandFixture(t, ACCOUNT, {
        skills: ['support'],
        numbers: [{ number: SMS_FROM, channel: 'sms' }],
        channels: ['sms'],
        handoffs: { sms: { title: 'SMS', channels: ['sms'], sms: { fromNumber: SMS_FROM, message: 'Hi {{1}}, this is Acme.' } } },
      }))
    })
    after(() => t.close())

    test('a 400 KB body with a huge invalid array gets a small error, and a small log line', async () => {
      const { app, lines } = await appWithCapturedLog(t)
      try {
        const url = `/api/account/${ACCOUNT}/settings`
        const skills = Array.from({ length: 80_000 }, (_, i) => i)
        const payload = JSON.stringify({ channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills } })
        assert.ok(payload.length > 400_000)
        const res = await app.inject({ method: 'PUT', url, payload, headers: { 'content-type': 'application/json', authorization: signAt(key, 'PUT', PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000)) } })
        const body = assertInvalid(res)
        assert.ok(Buffer.byteLength(res.body) < 2_048, `${Buffer.byteLength(res.body)} bytes`)
        assert.ok(body.fields.length >= 1 && body.fields.length <= 10)
        for (const line of lines) assert.ok(line.length < 4_096, `a log line of ${line.length} characters`)

        // The same on the C2M API, where the failing fields go in `detail`.
        const sdes = Array.from({ length: 40_000 }, () => ({ type: 'other' }))
        const c2m = await eligibility({ consumerPhoneNumber: CONSUMER, skill: 'support', handoffId, sdes })
        assertInvalid(c2m)
        assert.ok(Buffer.byteLength(c2m.body) < 2_048, `${Buffer.byteLength(c2m.body)} bytes`)
      } finally {
        await app.close()
      }
    })

    test('a small body with several bad fields still has them all listed', async () => {
      const res = await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/settings`, { channels: [], deviceCheck: 'yes', routing: { skills: [1] } })
      const named = assertInvalid(res).fields.map((f: { field: string }) => f.field).sort()
      assert.deepEqual(named, ['channels', 'deviceCheck', 'routing.skills.0'])
    })

    test('an overlong unknown field name is cut in the error', async () => {
      const res = await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/skills`, { name: 'x', ['k'.repeat(50_000)]: 1 })
      const body = assertInvalid(res)
      assert.ok(body.fields[0].field.length <= 120, body.fields[0].field.length)
    })

    test('template variable names are at most 64 characters; SDE info and bodies have bounded keys', async () => {
      const base = { consumerPhoneNumber: CONSUMER, skill: 'support', handoffId }
      assert.equal((await eligibility({ ...base, templateVariables: { ['v'.repeat(64)]: 'x' } })).statusCode, 200)
      assert.match(assertInvalid(await eligibility({ ...base, templateVariables: { ['v'.repeat(65)]: 'x' } })).detail, /templateVariables/)
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]))
      assert.match(assertInvalid(await eligibility({ ...base, sdes: [{ type: 'personal', info: many }] })).detail, /sdes\.0\.info/)
      assertInvalid(await eligibility({ ...base, ...many }))
    })

    test('deeply nested SDEs are refused with 400 1000, however deep; moderate nesting is stored', async () => {
      const base = { consumerPhoneNumber: CONSUMER, skill: 'support', handoffId }
      const nested = (depth: number) => {
        let info: Record<string, unknown> = { leaf: 'x' }
        for (let i = 1; i < depth; i++) info = { inner: info }
        return info
      }
      const ok = await eligibility({ ...base, sdes: [{ type: 'ctmrinfo', info: nested(6) }] })
      assert.equal(ok.statusCode, 200, ok.body)
      for (const depth of [20, 100_000]) {
        // Built as text: a value this deep cannot be serialised by JSON.stringify either.
        const info = '{"inner":'.repeat(depth) + '{}' + '}'.repeat(depth)
        const payload = `{"consumerPhoneNumber":"${CONSUMER}","skill":"support","handoffId":"${handoffId}","sdes":[{"type":"ctmrinfo","info":${info}}]}`
        const url = `/api/account/${ACCOUNT}/eligibility?v=2.0`
        const res = await t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', authorization: signAt(key, 'POST', PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000)) } })
        assert.match(assertInvalid(res, `depth ${depth}`).detail, /nests deeper than/)
      }
    })

    test('paging parameters past the safe integer range are 400, not 500', async () => {
      for (const query of ['page=1e30', 'page=9007199254740993', 'page=99999999999999999999999', 'pageSize=1e308', 'page=-1e30', 'page=1.5']) {
        assertInvalid(await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/handoffs?${query}`), query)
      }
      for (const query of ['limit=1e30', 'limit=9007199254740993', 'limit=-0.5']) {
        assertInvalid(await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/sandbox/messages?${query}`), query)
      }
      const last = await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/handoffs?page=1000000`)
      assert.equal(last.statusCode, 200, last.body)
    })

    test('a call id is accepted in any letter case', async () => {
      const callId = json(await eligibility({ consumerPhoneNumber: CONSUMER, skill: 'support', handoffId })).callId as string
      const res = await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/invite?v=2.0`, { callId: callId.toUpperCase() })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(json(res), { callId })
      // Idempotent whatever the case: the second invite is the same call.
      const again = await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/invite?v=2.0`, { callId: `${callId.slice(0, 9)}${callId.slice(9).toUpperCase()}` })
      assert.deepEqual(json(again), { callId })
      assertInvalid(await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/invite?v=2.0`, { callId: `urn:uuid:${callId}` }))
    })

    test('phone numbers in logged URLs are masked in every form', async () => {
      const { app, lines } = await appWithCapturedLog(t)
      try {
        for (const query of ['consumer=%2B14259549855', 'consumer=+14259549855', 'consumer=14259549855', 'consumer=%2014259549855']) {
          const url = `/api/account/${ACCOUNT}/sandbox/messages?${query}`
          await app.inject({ method: 'GET', url, headers: { authorization: signAt(key, 'GET', PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000)) } })
        }
        await app.inject({ method: 'DELETE', url: `/api/account/${ACCOUNT}/phone-numbers/18005550199` })
        await app.inject({ method: 'GET', url: `/api/account/${ACCOUNT}/consumers/+447400123456/devices` })
        const urls = lines.map((line) => JSON.parse(line).req?.url).filter(Boolean) as string[]
        assert.ok(urls.length >= 6, urls.join('\n'))
        for (const url of urls) assert.doesNotMatch(url, /1425954|1800555|4474001/, url)
        assert.ok(urls.some((url) => url.includes(`/account/${ACCOUNT}/`)), 'the account id is kept')
        assert.ok(urls.some((url) => url.endsWith('consumer=%2B*******9855')), urls.join('\n'))
      } finally {
        await app.close()
      }
    })
  })

  describe(`secrets the master key cannot open (${dialect.name})`, () => {
    test('an API key sealed under another master key is a 401 for the caller and an error in the log', async () => {
      const t = await startApp(dialect)
      const other = await startSecondInstance(t, { C2M_SECRET_KEY: crypto.randomBytes(32).toString('base64') })
      const { app, lines } = await appWithCapturedLog(other)
      try {
        const key = await provisionBrand(t.runtime, '6302')
        const url = '/api/account/6302/settings'
        const signed = await app.inject({ method: 'GET', url, headers: { authorization: signAt(key, 'GET', PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000)) } })
        assert.equal(signed.statusCode, 401, signed.body)
        assert.deepEqual(json(signed), { errorCode: 1100, errorMessage: 'Invalid Bearer token' })
        const token = await app.inject({ method: 'POST', url: '/api/account/6302/app-jwt', payload: { grant_type: 'client_credentials', client_id: key.appKey, client_secret: key.secret } })
        assert.equal(token.statusCode, 401, token.body)

        const errors = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level >= 50)
        assert.equal(errors.length, 2, lines.join('\n'))
        for (const entry of errors) assert.match(entry.reason, /secret unreadable/)
        assert.ok(!lines.some((line) => line.includes(key.secret)), 'no secret in the log')
      } finally {
        await app.close()
        await other.close()
        await t.close()
      }
    })
  })
}

describe('the spec\'s Node snippet signs a + in the query literally', () => {
  let t: TestApp
  let key: IssuedApiKey
  before(async () => {
    // The snippet reads the wall clock.
    t = await startApp(undefined, {}, new ManualClock(new Date().toISOString()))
    key = await provisionBrand(t.runtime, '6303')
  })
  after(() => t.close())

  test('the README\'s example URL, unencoded, is accepted as the snippet signs it', async () => {
    const url = '/api/account/6303/sandbox/messages?consumer=+14259549855'
    const { Authorization } = getOauthToHeaders(key, PUBLIC_ORIGIN + url, 'GET')
    const res = await t.app.inject({ method: 'GET', url, headers: { authorization: Authorization } })
    assert.equal(res.statusCode, 200, res.body)
    // A signature is still bound to the query: the same header on another number is refused.
    const other = await t.app.inject({ method: 'GET', url: url.replace('9855', '9856'), headers: { authorization: getOauthToHeaders(key, PUBLIC_ORIGIN + url, 'GET').Authorization } })
    assert.equal(other.statusCode, 401)
  })
})
