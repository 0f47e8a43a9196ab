import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { PUBLIC_ORIGIN, dialects, json, signAt, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { createApiKey, type IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { recordOptOut } from '../../src/contacts/opt-out.repository.ts'

// Every row of the C2M 2.0 error table that Eligibility and Invite can produce, provoked over
// HTTP and checked for status, errorCode and the exact errorMessage, plus the documented order
// in which the checks apply. Rows come from ../shared/spec/c2m-api.md, "Common Error Responses".

const DAY = 24 * 3_600_000
const SMS_FROM = '+18005550101'
const WA_FROM = '+18005550102'
const APP_GONE = 'com.acme.gone'
const CONSUMER = '+14259549855'

const M = {
  1000: 'Invalid request',
  1001: 'Invalid customerPhoneNumber',
  1002: 'Invalid version',
  1004: 'Not Found',
  1005: 'Method Not Allowed',
  1015: 'Unsupported Media Type',
  1029: 'Rate limit hit',
  1100: 'Invalid Bearer token',
  1101: 'Not enough privilege to perform this operation',
  1200: 'No internal user is available',
  1201: 'No internal app is available',
  1400: 'Message cannot be sent',
  1500: 'No handoff is available',
  1501: 'No handoff channel is available',
  1600: 'No setting is available',
  1900: 'Overridden channel is not available',
  1901: 'No engagement provided for the overridden skill',
} as const

const ERROR_KEYS = ['errorCode', 'errorMessage', 'detail']

type Body = Record<string, unknown>
type Endpoint = 'eligibility' | 'invite'

/**
 * A C2M error and nothing else: the status, the code, the exact message, a JSON body holding
 * only errorCode, errorMessage and optionally a detail string; no stack, no framework keys.
 */
function assertC2mError(res: LightMyRequestResponse, status: number, errorCode: number, errorMessage: string, context = ''): Record<string, unknown> {
  assert.equal(res.statusCode, status, `${context} ${res.body}`)
  assert.match(String(res.headers['content-type']), /^application\/json/, context)
  const body = json(res)
  assert.equal(body.errorCode, errorCode, `${context} ${res.body}`)
  assert.equal(body.errorMessage, errorMessage, context)
  for (const key of Object.keys(body)) assert.ok(ERROR_KEYS.includes(key), `${context}: unexpected key ${key} in ${res.body}`)
  if ('detail' in body) assert.equal(typeof body.detail, 'string')
  assert.doesNotMatch(res.body, /stack|\bat .+\.(ts|js):\d+|node_modules|FST_|statusCode/i, context)
  return body
}

const expectCode = (res: LightMyRequestResponse, code: keyof typeof M, context = '') => {
  const status = code === 1004 ? 404 : code === 1005 ? 405 : code === 1015 ? 415 : code === 1029 ? 429 : code === 1100 ? 401 : code === 1101 ? 403 : 400
  return assertC2mError(res, status, code, M[code], context)
}

const base = (account: string) => `/api/account/${account}`
const url = (account: string, endpoint: Endpoint, query = '?v=2.0') => `${base(account)}/${endpoint}${query}`
const nowSeconds = (t: TestApp) => Math.floor(t.clock.now().getTime() / 1000)

/** A raw request signed for its exact URL, with full control over headers and payload. */
function rawSigned(t: TestApp, key: IssuedApiKey, path: string, options: { method?: 'POST' | 'GET' | 'PUT' | 'DELETE'; headers?: Record<string, string>; payload?: string } = {}): Promise<LightMyRequestResponse> {
  const method = options.method ?? 'POST'
  const inject: InjectOptions = { method, url: path, headers: { authorization: signAt(key, method, PUBLIC_ORIGIN + path, nowSeconds(t)), ...options.headers } }
  if (options.payload !== undefined) inject.payload = options.payload
  return t.app.inject(inject)
}

type Brand = BrandFixture<'smsWa' | 'sms' | 'salesOnly' | 'inapp' | 'inappGone'>

async function created(res: LightMyRequestResponse, status = 201): Promise<any> {
  assert.equal(res.statusCode, status, res.body)
  return json(res)
}

/** A brand configured through the REST API, with the handoffs the error rows need; `settings` overrides parts of the default settings. */
async function setupBrand(t: TestApp, account: string, settings: Body | null = {}): Promise<Brand> {
  const brand = await brandFixture(t, account, {
    skills: ['sales', 'support', 'vip'],
    numbers: [
      { number: SMS_FROM, channel: 'sms' },
      { number: WA_FROM, channel: 'wa' },
    ],
    apps: [
      { appId: 'com.acme.ios', platform: 'ios', name: 'Acme iOS' },
      { appId: APP_GONE, platform: 'android', name: 'Acme Gone' },
    ],
    ...(settings
      ? {
          settings: {
            channels: [
              { name: 'sms', enabled: true },
              { name: 'wa', enabled: true },
              { name: 'inapp', enabled: true },
            ],
            deviceCheck: false,
            routing: { skills: ['sales', 'support'] },
            ...settings,
          },
        }
      : {}),
    templates: [{ name: 'ivr', body: 'Thanks for calling Acme. Reply here.' }],
    handoffs: {
      smsWa: { title: 'SMS then WA', channels: ['sms', 'wa'], sms: { fromNumber: SMS_FROM, message: 'Hi {{1}}' }, wa: { fromNumber: WA_FROM, templateName: 'ivr', language: 'en_US' } },
      sms: { title: 'SMS', channels: ['sms'], sms: { fromNumber: SMS_FROM, message: 'Hi' } },
      salesOnly: { title: 'Sales', channels: ['sms'], skills: ['sales'], sms: { fromNumber: SMS_FROM, message: 'Sales' } },
      inapp: { title: 'In-app', channels: ['inapp'], inapp: { appIds: ['com.acme.ios'], message: 'Open the app' } },
      inappGone: { title: 'In-app gone', channels: ['inapp'], inapp: { appIds: [APP_GONE], message: 'Open the app' } },
    },
  })
  // The in-app handoff's only app is removed after the handoff was saved.
  await brand.call('DELETE', `apps/${APP_GONE}`, undefined, 204)
  return brand
}

for (const dialect of dialects) {
  describe(`C2M error table (${dialect.name})`, () => {
    let t: TestApp
    let a: Brand
    let b: Brand
    let managementOnly: IssuedApiKey

    const eligibility = (body: unknown, brand = a, key = brand.key) => signedRequest(t, key, 'POST', url(brand.account, 'eligibility'), body)
    const invite = (body: unknown, brand = a, key = brand.key) => signedRequest(t, key, 'POST', url(brand.account, 'invite'), body)
    const valid = (extra: Body = {}, brand = a): Body => ({ consumerPhoneNumber: CONSUMER, skill: 'support', handoffId: brand.handoffs.smsWa, ...extra })

    async function callId(extra: Body = {}, brand = a, eligible = true): Promise<string> {
      const res = await eligibility(valid(extra, brand), brand)
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(json(res).eligible, eligible, res.body)
      return json(res).callId
    }

    before(async () => {
      t = await startApp(dialect, { RATE_LIMIT: '100000' })
      a = await setupBrand(t, '7201')
      b = await setupBrand(t, '7202')
      managementOnly = await createApiKey(t.runtime, { accountId: a.account, appName: 'Admin tool', developer: 'tests', privileges: ['management'] })
    })
    after(() => t.close())

    test('the happy path the rows below depart from: eligibility 200, invite 200', async () => {
      const id = await callId()
      const res = await invite({ callId: id })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(json(res), { callId: id })
    })

    describe('400 1000 Invalid request', () => {
      test('eligibility: a body that is not a JSON object', async () => {
        for (const payload of ['[]', '"text"', '42', 'null', 'true', '[{"consumerPhoneNumber":"+14259549855"}]']) {
          expectCode(await rawSigned(t, a.key, url(a.account, 'eligibility'), { headers: { 'content-type': 'application/json' }, payload }), 1000, payload)
        }
      })

      test('eligibility: malformed or empty JSON', async () => {
        for (const payload of ['{"consumerPhoneNumber": ', '{consumerPhoneNumber: "+14259549855"}', '', '{"a":1}}', '\u0000']) {
          expectCode(await rawSigned(t, a.key, url(a.account, 'eligibility'), { headers: { 'content-type': 'application/json' }, payload }), 1000, JSON.stringify(payload))
        }
      })

      test('eligibility: missing or malformed fields other than the phone number', async () => {
        const cases: Array<[string, Body]> = [
          ['no skill', (({ skill: _s, ...rest }) => rest)(valid())],
          ['no handoffId', (({ handoffId: _h, ...rest }) => rest)(valid())],
          ['empty skill', valid({ skill: '' })],
          ['256-character skill', valid({ skill: 'x'.repeat(256) })],
          ['numeric skill', valid({ skill: 42 })],
          ['17-character handoffId', valid({ handoffId: 'H1234567890123456' })],
          ['numeric handoffId', valid({ handoffId: 123 })],
          ['sdes not an array', valid({ sdes: { type: 'personal', info: {} } })],
          ['sdes of an unknown type', valid({ sdes: [{ type: 'engagement', info: {} }] })],
          ['sdes without info', valid({ sdes: [{ type: 'personal' }] })],
          ['templateVariables not an object', valid({ templateVariables: ['John'] })],
          ['templateVariables with a number value', valid({ templateVariables: { '1': 42 } })],
          ['ivrNumber a number', valid({ ivrNumber: 180000 })],
          ['consumerId empty', valid({ consumerId: '' })],
          ['consumerId a number', valid({ consumerId: 7 })],
          // PostgreSQL text cannot hold U+0000: refused on every store alike, never a 500.
          ['NUL in handoffId', valid({ handoffId: 'H\u0000' })],
          ['NUL in consumerId', valid({ consumerId: 'ja\u0000mes' })],
          ['NUL in ivrNumber', valid({ ivrNumber: '18\u00000' })],
          ['NUL in a template variable', valid({ templateVariables: { '1': 'Jo\u0000hn' } })],
        ]
        for (const [name, body] of cases) expectCode(await eligibility(body), 1000, name)
      })

      test('eligibility: an in-app handoff without consumerId', async () => {
        expectCode(await eligibility(valid({ handoffId: a.handoffs.inapp })), 1000)
      })

      test('invite: a body that is not an object, no callId, a callId that is not a UUID, bad overrides', async () => {
        const id = await callId()
        const cases: Array<[string, unknown]> = [
          ['array', [id]],
          ['no callId', {}],
          ['callId a number', { callId: 42 }],
          ['callId not a UUID', { callId: 'not-a-uuid' }],
          ['callId with extra text', { callId: `${id}x` }],
          ['overrideChannel a number', { callId: id, overrideChannel: 1 }],
          ['overrideMessage of 1601 characters', { callId: id, overrideMessage: 'x'.repeat(1601) }],
          ['overrideMessage empty', { callId: id, overrideMessage: '' }],
          ['overrideMessage with NUL', { callId: id, overrideMessage: 'Hi\u0000' }],
          ['overrideSkill of 256 characters', { callId: id, overrideSkill: 's'.repeat(256) }],
        ]
        for (const [name, body] of cases) expectCode(await invite(body), 1000, name)
        expectCode(await rawSigned(t, a.key, url(a.account, 'invite'), { headers: { 'content-type': 'application/json' }, payload: '{"callId":' }), 1000, 'malformed JSON')
        // None of it sent the invitation: the call can still be invited.
        assert.equal((await invite({ callId: id })).statusCode, 200)
      })
    })

    describe('400 1001 Invalid customerPhoneNumber', () => {
      test('missing, not a string, no +, too long, letters, not a valid number', async () => {
        const cases: Array<[string, unknown]> = [
          ['missing', undefined],
          ['null', null],
          ['a number', 14259549855],
          ['empty', ''],
          ['no +', '14259549855'],
          ['16 characters', '+142595498551234'],
          ['letters', '+1425CALLNOW'],
          ['spaces', '+1 425 954 9855'],
          ['dashes', '+1-425-954-9855'],
          ['too short to be a number', '+1206123'],
          ['00 instead of +', '0014259549855'],
          ['+ only', '+'],
        ]
        for (const [name, phone] of cases) {
          const body = valid()
          if (phone === undefined) delete body.consumerPhoneNumber
          else body.consumerPhoneNumber = phone
          expectCode(await eligibility(body), 1001, name)
        }
      })

      test('the spec\'s own example +12061234567 is not a valid number (206-123 is not a real exchange)', async () => {
        expectCode(await eligibility(valid({ consumerPhoneNumber: '+12061234567' })), 1001)
      })

      test('the phone number is checked before the other fields', async () => {
        expectCode(await eligibility({ consumerPhoneNumber: 'nope', skill: 42, handoffId: ['x'] }), 1001)
        expectCode(await eligibility({}), 1001)
      })
    })

    describe('400 1002 Invalid version', () => {
      for (const endpoint of ['eligibility', 'invite'] as const) {
        test(`${endpoint}: v missing, 1.0, 2.1, 2, empty, twice`, async () => {
          for (const query of ['', '?v=1.0', '?v=2.1', '?v=2', '?v=', '?v=2.0&v=2.0', '?version=2.0']) {
            expectCode(await signedRequest(t, a.key, 'POST', url(a.account, endpoint, query), endpoint === 'invite' ? { callId: crypto.randomUUID() } : valid()), 1002, `${endpoint}${query}`)
          }
        })
      }
    })

    describe('400 1200, 1201, 1300, 1500, 1501, 1600: the brand cannot take the call', () => {
      test('1200: the brand\'s outbound system user was deleted', async () => {
        const brand = await setupBrand(t, '7203')
        await t.runtime.db.deleteFrom('users').where('account_id', '=', brand.account).where('role', '=', 'system').execute()
        expectCode(await eligibility(valid({}, brand), brand), 1200)
      })

      test('1201: every app of the in-app handoff was deleted', async () => {
        expectCode(await eligibility(valid({ handoffId: a.handoffs.inappGone, consumerId: 'james' })), 1201)
      })

      test('1300: the skill is not routed, or not allowed by the handoff; the message names it', async () => {
        assertC2mError(await eligibility(valid({ skill: 'vip' })), 400, 1300, 'No engagement found for skill vip')
        assertC2mError(await eligibility(valid({ skill: 'support', handoffId: a.handoffs.salesOnly })), 400, 1300, 'No engagement found for skill support')
        assertC2mError(await eligibility(valid({ skill: 'Night shift <3' })), 400, 1300, 'No engagement found for skill Night shift <3')
      })

      test('1500: an unknown handoff, or another brand\'s', async () => {
        expectCode(await eligibility(valid({ handoffId: 'H999999999999999' })), 1500)
        expectCode(await eligibility(valid({ handoffId: b.handoffs.smsWa })), 1500)
      })

      test('1501: every channel of the handoff is disabled in the settings', async () => {
        const brand = await setupBrand(t, '7204', { channels: [{ name: 'sms', enabled: false }, { name: 'wa', enabled: false }, { name: 'inapp', enabled: true }] })
        expectCode(await eligibility(valid({}, brand), brand), 1501)
      })

      test('1600: the brand has no settings', async () => {
        const brand = await setupBrand(t, '7205', null)
        expectCode(await eligibility(valid({}, brand), brand), 1600)
      })
    })

    describe('400 1400, 1900, 1901: invite cannot send as asked', () => {
      test('1400: invite of a call that was not eligible', async () => {
        const consumer = '+14259549811'
        await recordOptOut(t.runtime.db, a.account, { consumerPhone: consumer, channel: 'sms', fromNumber: SMS_FROM, at: t.clock.now().toISOString() })
        const id = await callId({ consumerPhoneNumber: consumer, handoffId: a.handoffs.sms }, a, false)
        expectCode(await invite({ callId: id }), 1400)
        expectCode(await invite({ callId: id }), 1400, 'and again')
      })

      test('1400: the only available channel was opted out of since the check', async () => {
        const consumer = '+14259549812'
        const id = await callId({ consumerPhoneNumber: consumer, handoffId: a.handoffs.sms })
        await recordOptOut(t.runtime.db, a.account, { consumerPhone: consumer, channel: 'sms', fromNumber: SMS_FROM, at: t.clock.now().toISOString() })
        expectCode(await invite({ callId: id }), 1400)
      })

      test('1900: overrideChannel not among the call\'s available channels, or unknown', async () => {
        const id = await callId({ handoffId: a.handoffs.sms })
        for (const overrideChannel of ['wa', 'inapp', 'email', 'WhatsApp', 'sms2', ' ']) {
          expectCode(await invite({ callId: id, overrideChannel }), 1900, overrideChannel)
        }
        // twilio is sms: the call is still invitable on it.
        const res = await invite({ callId: id, overrideChannel: 'twilio' })
        assert.equal(res.statusCode, 200, res.body)
      })

      test('1901: overrideSkill not routed, or not allowed by the handoff', async () => {
        const id = await callId()
        expectCode(await invite({ callId: id, overrideSkill: 'vip' }), 1901, 'vip')
        expectCode(await invite({ callId: id, overrideSkill: 'never-heard-of' }), 1901, 'unknown')
        const sales = await callId({ handoffId: a.handoffs.salesOnly, skill: 'sales' })
        expectCode(await invite({ callId: sales, overrideSkill: 'support' }), 1901, 'not allowed by the handoff')
      })
    })

    describe('401 1100 Invalid Bearer token', () => {
      const badHeaders = (t: TestApp, key: IssuedApiKey, path: string): Array<[string, string | undefined]> => {
        const good = signAt(key, 'POST', PUBLIC_ORIGIN + path, nowSeconds(t))
        return [
          ['none', undefined],
          ['empty', ''],
          ['garbage', 'garbage'],
          ['Bearer garbage', 'Bearer garbage'],
          ['Bearer of a forged JWT', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJhY2MiOiI3MjAxIn0.c2lnbmF0dXJl'],
          ['Basic', 'Basic dXNlcjpwYXNz'],
          ['OAuth without a signature', `OAuth oauth_consumer_key="${key.appKey}"`],
          ['OAuth with a wrong secret', signAt({ ...key, secret: 'wrong' }, 'POST', PUBLIC_ORIGIN + path, nowSeconds(t))],
          ['OAuth signed for another URL', signAt(key, 'POST', `${PUBLIC_ORIGIN}${base(a.account)}/invite?v=2.1`, nowSeconds(t))],
          ['OAuth an hour old', signAt(key, 'POST', PUBLIC_ORIGIN + path, nowSeconds(t) - 3600)],
          ['OAuth tampered', good.replace(/oauth_signature="[^"]+"/, 'oauth_signature="AAAA"')],
        ]
      }

      for (const endpoint of ['eligibility', 'invite'] as const) {
        test(`${endpoint}: no, garbage or wrong authorization`, async () => {
          const path = url(a.account, endpoint)
          for (const [name, authorization] of badHeaders(t, a.key, path)) {
            const headers: Record<string, string> = { 'content-type': 'application/json' }
            if (authorization !== undefined) headers.authorization = authorization
            const res = await t.app.inject({ method: 'POST', url: path, headers, payload: JSON.stringify(endpoint === 'invite' ? { callId: crypto.randomUUID() } : valid()) })
            expectCode(res, 1100, `${endpoint}: ${name}`)
          }
        })
      }

      test('a replayed signed request (same nonce) is refused', async () => {
        const path = url(a.account, 'eligibility')
        const authorization = signAt(a.key, 'POST', PUBLIC_ORIGIN + path, nowSeconds(t))
        const send = () => t.app.inject({ method: 'POST', url: path, headers: { authorization }, payload: valid() })
        assert.equal((await send()).statusCode, 200)
        expectCode(await send(), 1100)
      })
    })

    describe('403 1101 Not enough privilege', () => {
      for (const endpoint of ['eligibility', 'invite'] as const) {
        test(`${endpoint}: a key without ivr-engagement, and another brand's key`, async () => {
          const body = endpoint === 'invite' ? { callId: crypto.randomUUID() } : valid()
          const call = endpoint === 'invite' ? invite : eligibility
          expectCode(await call(body, a, managementOnly), 1101, 'management only')
          expectCode(await call(body, a, b.key), 1101, 'brand B on brand A')
        })
      }

      test('an app JWT of a key without ivr-engagement', async () => {
        const token = await created(
          await t.app.inject({ method: 'POST', url: `${base(a.account)}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: managementOnly.appKey, client_secret: managementOnly.secret } }),
          200,
        )
        const res = await t.app.inject({ method: 'POST', url: url(a.account, 'eligibility'), headers: { authorization: `Bearer ${token.access_token}` }, payload: valid() })
        expectCode(res, 1101)
      })
    })

    describe('404 1004 Not Found', () => {
      test('an unknown path under /api/', async () => {
        for (const path of ['/api/nope', `${base(a.account)}/eligibilty?v=2.0`, `${base(a.account)}/eligibility/extra?v=2.0`, `${base(a.account)}/invite/${crypto.randomUUID()}?v=2.0`, '/api/account/7201', '/api/v2/eligibility']) {
          const res = await signedRequest(t, a.key, 'POST', path, valid())
          expectCode(res, 1004, path)
          assert.deepEqual(json(res), { errorCode: 1004, errorMessage: 'Not Found' })
        }
      })

      test('invite: an unknown callId', async () => {
        expectCode(await invite({ callId: crypto.randomUUID() }), 1004)
        expectCode(await invite({ callId: '00000000-0000-0000-0000-000000000000' }), 1004, 'nil UUID')
      })

      test('invite: another brand\'s callId, which stays invitable by its brand', async () => {
        const theirs = await callId({}, b)
        expectCode(await invite({ callId: theirs }), 1004)
        const res = await invite({ callId: theirs }, b)
        assert.equal(res.statusCode, 200, res.body)
      })

      test('invite: a call past its 24 hours', async () => {
        const early = await callId()
        const late = await callId()
        t.clock.advance(DAY - 1000)
        assert.equal((await invite({ callId: early })).statusCode, 200, 'still valid a second before expiry')
        t.clock.advance(2000)
        expectCode(await invite({ callId: late }), 1004, '24h + 1s')
      })
    })

    describe('405 1005 Method Not Allowed', () => {
      for (const endpoint of ['eligibility', 'invite'] as const) {
        test(`${endpoint}: GET, PUT, PATCH, DELETE`, async () => {
          for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
            const res = await signedRequest(t, a.key, method, url(a.account, endpoint))
            expectCode(res, 1005, `${method} ${endpoint}`)
            assert.equal(res.headers.allow, 'POST')
          }
        })
      }
    })

    describe('415 1015 Unsupported Media Type', () => {
      for (const endpoint of ['eligibility', 'invite'] as const) {
        test(`${endpoint}: text/plain, form, XML, no content type`, async () => {
          const path = url(a.account, endpoint)
          const payload = JSON.stringify(endpoint === 'invite' ? { callId: crypto.randomUUID() } : valid())
          for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/jsonp', 'json']) {
            expectCode(await rawSigned(t, a.key, path, { headers: { 'content-type': type }, payload }), 1015, type)
          }
          expectCode(await rawSigned(t, a.key, path, { payload }), 1015, 'no content type, a body')
          expectCode(await rawSigned(t, a.key, path, {}), 1015, 'no content type, no body')
        })
      }

      test('application/json with a charset, or in capitals, is JSON', async () => {
        for (const type of ['application/json; charset=utf-8', 'Application/JSON']) {
          const res = await rawSigned(t, a.key, url(a.account, 'eligibility'), { headers: { 'content-type': type }, payload: JSON.stringify(valid()) })
          assert.equal(res.statusCode, 200, `${type}: ${res.body}`)
        }
      })
    })

    describe('the order of the checks', () => {
      test('bad auth + bad version → 1100', async () => {
        const res = await t.app.inject({ method: 'POST', url: url(a.account, 'eligibility', '?v=1.0'), headers: { authorization: 'garbage', 'content-type': 'text/plain' }, payload: 'x' })
        expectCode(res, 1100)
      })

      test('another brand\'s key + bad version → 1101', async () => {
        expectCode(await signedRequest(t, b.key, 'POST', url(a.account, 'eligibility', '?v=1.0'), valid()), 1101)
      })

      test('good auth + bad version + bad content type → 1002', async () => {
        for (const endpoint of ['eligibility', 'invite'] as const) {
          expectCode(await rawSigned(t, a.key, url(a.account, endpoint, '?v=1.0'), { headers: { 'content-type': 'text/plain' }, payload: 'not json' }), 1002, endpoint)
        }
      })

      test('good version + bad content type + bad body → 1015', async () => {
        for (const endpoint of ['eligibility', 'invite'] as const) {
          expectCode(await rawSigned(t, a.key, url(a.account, endpoint), { headers: { 'content-type': 'text/plain' }, payload: '{not json' }), 1015, endpoint)
        }
      })

      test('JSON content type + malformed JSON → 1000', async () => {
        for (const endpoint of ['eligibility', 'invite'] as const) {
          expectCode(await rawSigned(t, a.key, url(a.account, endpoint), { headers: { 'content-type': 'application/json' }, payload: '{"consumerPhoneNumber":"+1' }), 1000, endpoint)
        }
      })

      test('an unknown path wins over a bad method, auth and version', async () => {
        expectCode(await t.app.inject({ method: 'GET', url: `${base(a.account)}/eligibility/x?v=1.0` }), 1004)
      })

      test('a wrong method is answered before authentication', async () => {
        expectCode(await t.app.inject({ method: 'GET', url: url(a.account, 'eligibility') }), 1005)
      })
    })
  })

  describe(`C2M error table: 429 1029 Rate limit hit (${dialect.name})`, () => {
    let t: TestApp
    let a: Brand
    let b: Brand
    before(async () => {
      t = await startApp(dialect, { RATE_LIMIT: '2', RATE_LIMIT_WINDOW: '60' })
      a = await setupBrand(t, '7211')
      b = await setupBrand(t, '7212')
    })
    after(() => t.close())

    const body = (brand: Brand) => ({ consumerPhoneNumber: CONSUMER, skill: 'support', handoffId: brand.handoffs.sms })

    test('the third eligibility in the window is 429 1029 with Retry-After; invite and other brands have their own budget', async () => {
      const eligibility = (brand: Brand) => signedRequest(t, brand.key, 'POST', url(brand.account, 'eligibility'), body(brand))
      const first = await eligibility(a)
      assert.equal(first.statusCode, 200, first.body)
      assert.equal((await eligibility(a)).statusCode, 200)
      const third = await eligibility(a)
      expectCode(third, 1029)
      const retryAfter = Number(third.headers['retry-after'])
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${third.headers['retry-after']}`)
      assert.equal(third.headers['ratelimit-policy'], '2;w=60')
      assert.match(String(third.headers.ratelimit), /^limit=2, remaining=0, reset=\d+$/)

      const invited = await signedRequest(t, a.key, 'POST', url(a.account, 'invite'), { callId: json(first).callId })
      assert.equal(invited.statusCode, 200, invited.body)
      assert.equal((await eligibility(b)).statusCode, 200)
    })

    test('an over-limit request is refused before its version or body is looked at', async () => {
      const c = await setupBrand(t, '7213')
      for (let i = 0; i < 2; i++) assert.equal((await signedRequest(t, c.key, 'POST', url(c.account, 'eligibility'), body(c))).statusCode, 200)
      expectCode(await rawSigned(t, c.key, url(c.account, 'eligibility', '?v=9'), { headers: { 'content-type': 'text/plain' }, payload: 'x' }), 1029)
    })
  })

  describe(`C2M error table: 500 Internal Server Error (${dialect.name})`, () => {
    /** Closes an app whose store was destroyed under it: the app, then whatever the store left. */
    async function closeBroken(broken: TestApp): Promise<void> {
      await broken.app.close()
      await broken.runtime.close().catch(() => {})
      if (broken.schema && process.env.TEST_DATABASE_URL) {
        const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL })
        await client.connect()
        await client.query(`drop schema if exists ${broken.schema} cascade`)
        await client.end()
      }
    }

    function assertInternal(res: LightMyRequestResponse): void {
      assert.equal(res.statusCode, 500, res.body)
      const body = json(res)
      assert.equal(typeof body.errorCode, 'number')
      assert.ok(body.errorCode >= 5000 && body.errorCode <= 7000, res.body)
      assert.equal(body.errorMessage, 'Internal Server Error')
      for (const key of Object.keys(body)) assert.ok(ERROR_KEYS.includes(key), `unexpected key ${key} in ${res.body}`)
      assert.doesNotMatch(res.body, /stack|\bat .+\.(ts|js):\d+|node_modules|destroyed|kysely|sqlite|postgres|relation|table|select|insert/i)
    }

    test('the store destroyed under a running app: eligibility and invite answer 500 without internals', async () => {
      const broken = await startApp(dialect, { RATE_LIMIT: '100000', DELIVERY_WORKER: 'false' })
      try {
        const brand = await setupBrand(broken, '7221')
        await broken.runtime.db.destroy()
        assertInternal(await signedRequest(broken, brand.key, 'POST', url(brand.account, 'eligibility'), { consumerPhoneNumber: CONSUMER, skill: 'support', handoffId: brand.handoffs.sms }))
        assertInternal(await signedRequest(broken, brand.key, 'POST', url(brand.account, 'invite'), { callId: crypto.randomUUID() }))
      } finally {
        await closeBroken(broken)
      }
    })

    test('a failure deep inside eligibility (the calls table is gone) answers 500 and stores nothing', async () => {
      const broken = await startApp(dialect, { RATE_LIMIT: '100000', DELIVERY_WORKER: 'false' })
      try {
        const brand = await setupBrand(broken, '7222')
        await broken.runtime.db.schema.dropTable('calls').execute()
        assertInternal(await signedRequest(broken, brand.key, 'POST', url(brand.account, 'eligibility'), { consumerPhoneNumber: CONSUMER, skill: 'support', handoffId: brand.handoffs.sms }))
        assertInternal(await signedRequest(broken, brand.key, 'POST', url(brand.account, 'invite'), { callId: crypto.randomUUID() }))
      } finally {
        await broken.close()
      }
    })
  })
}
