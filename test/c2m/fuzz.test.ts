import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { PUBLIC_ORIGIN, dialects, json, signAt, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { recordOptOut } from '../../src/contacts/opt-out.repository.ts'

// Property-based: whatever body and headers an IVR (or anyone) sends to Eligibility or Invite,
// the answer is a 200 in the documented shape or a 4xx of the spec's error table, in our error
// shape; never a 5xx, never a body that is not JSON. Most runs are properly signed so that the
// body is really looked at; the rest exercise the authentication and content-type paths.

const NUM_RUNS = 200
const ACCOUNT = '7301'
const SMS_FROM = '+18005550101'
const WA_FROM = '+18005550102'
const APP_IOS = 'com.acme.ios'
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The spec's table: code → HTTP status and exact message (1300 names the skill). */
const CATALOGUE: Record<number, { status: number; message: string | RegExp }> = {
  1000: { status: 400, message: 'Invalid request' },
  1001: { status: 400, message: 'Invalid customerPhoneNumber' },
  1002: { status: 400, message: 'Invalid version' },
  1200: { status: 400, message: 'No internal user is available' },
  1201: { status: 400, message: 'No internal app is available' },
  1300: { status: 400, message: /^No engagement found for skill [\s\S]+$/ },
  1400: { status: 400, message: 'Message cannot be sent' },
  1500: { status: 400, message: 'No handoff is available' },
  1501: { status: 400, message: 'No handoff channel is available' },
  1600: { status: 400, message: 'No setting is available' },
  1900: { status: 400, message: 'Overridden channel is not available' },
  1901: { status: 400, message: 'No engagement provided for the overridden skill' },
  1100: { status: 401, message: 'Invalid Bearer token' },
  1101: { status: 403, message: 'Not enough privilege to perform this operation' },
  1004: { status: 404, message: 'Not Found' },
  1005: { status: 405, message: 'Method Not Allowed' },
  1015: { status: 415, message: 'Unsupported Media Type' },
  1029: { status: 429, message: 'Rate limit hit' },
}

type Endpoint = 'eligibility' | 'invite'

/** How a generated request authenticates. */
type Auth = { kind: 'oauth' } | { kind: 'bearer' } | { kind: 'none' } | { kind: 'raw'; value: string }

interface Envelope {
  auth: Auth
  contentType: string | undefined
  query: string
}

// Header values must be printable ASCII to be sendable at all.
const headerText = fc.string({ unit: 'grapheme-ascii', maxLength: 80 })
const anyText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }))
const anyJson = fc.jsonValue({ maxDepth: 3 })
const anyJsonWide = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' })

const authArb: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 16, arbitrary: fc.constant<Auth>({ kind: 'oauth' }) },
  { weight: 2, arbitrary: fc.constant<Auth>({ kind: 'bearer' }) },
  { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'none' }) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(headerText, headerText.map((s) => `Bearer ${s}`), headerText.map((s) => `OAuth ${s}`), headerText.map((s) => `OAuth oauth_consumer_key="${s}", oauth_signature="${s}"`))
      .map((value): Auth => ({ kind: 'raw', value })),
  },
)

const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 16, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json;charset=iso-8859-1',
      'application/json; charset=utf-16',
      'application/json, text/plain',
      ' application/json',
      'application/json;',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/vnd.api+json',
      'application/problem+json',
      '*/*',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: headerText },
)

const queryArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 18, arbitrary: fc.constant('?v=2.0') },
  { weight: 2, arbitrary: fc.constantFrom('', '?v=1.0', '?v=2.1', '?v=2.0&v=2.0', '?v=2.0&x=1', '?v=%32.0', '?v[]=2.0', '?v=2.0%00') },
)

const envelopeArb: fc.Arbitrary<Envelope> = fc.record({ auth: authArb, contentType: contentTypeArb, query: queryArb })

/** Bodies that are not objects, or that probe the parser, beside arbitrary JSON. */
const trickyPayloads = fc.constantFrom('', ' ', 'null', '[]', '{', '{"a":', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', '\ufeff{}', '{"consumerPhoneNumber":"+14259549855"}{}', '1e999', '"\\ud800"')

interface DocumentedRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'
  /** OpenAPI path, e.g. `/api/account/{accountId}/handoffs/{handoffId}`. */
  path: string
  pathParams: string[]
  query: string[]
  /** The JSON body's documented fields; undefined when the route takes no body. */
  bodyFields: string[] | undefined
}

// Numbers at and past the edges of what JSON, doubles and integers hold, written as raw JSON text.
const NUMERIC_EXTREMES = ['0', '-0', '-1', '1.5', '2147483648', '9007199254740991', '9007199254740993', '-9007199254740993', '1e21', '1e308', '-1e308', '1e999', '5e-324', '99999999999999999999999999']
// The same as query or path text, plus what number parsers read specially.
const TEXT_EXTREMES = [...NUMERIC_EXTREMES, 'NaN', 'Infinity', '-Infinity', '0x10', '1_000', '', ' ']

const deepObject = (depth: number) => '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth)

// Stands for an object nested `depth` levels deep in a generated value: too deep for JSON.stringify
// itself, so `withDeepValues` writes it into the JSON text. Three of the deepest stay under the 1 MiB body limit.
const DEEP = '__deep__'
const deepMarker = fc.constantFrom(3, 8, 17, 5_000, 40_000).map((depth) => ({ [DEEP]: depth }))
const withDeepValues = (text: string) => text.replace(new RegExp(`\\{"${DEEP}":(\\d+)\\}`, 'g'), (_, depth: string) => deepObject(Number(depth)))

/**
 * A JSON value as raw text: a nesting up to far past any limit (also inside an SDE-shaped array,
 * where a nested object is accepted and stored), a numeric extreme, or a plain value.
 */
const rawJsonValue: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 40 }).chain((depth) => fc.constantFrom('{"a":', '[').map((open) => open.repeat(depth) + (open === '[' ? '1' : '{}') + (open === '[' ? ']' : '}').repeat(depth))),
  fc.constantFrom(5_000, 200_000).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.constantFrom(3, 14, 5_000, 100_000).map((depth) => `[{"type":"ctmrinfo","info":${deepObject(depth)}}]`),
  fc.constantFrom(...NUMERIC_EXTREMES),
  fc.constantFrom(...NUMERIC_EXTREMES).map((n) => `[${n}]`),
  fc.constantFrom(...NUMERIC_EXTREMES).map((n) => `{"x":${n}}`),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
)

const textValue: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...TEXT_EXTREMES), fc.string({ maxLength: 20 }))

/** A request to `route` with its documented parameters and body fields given extreme values. */
function requestFor(route: DocumentedRoute): fc.Arbitrary<{ url: string; payload: string | undefined }> {
  const pathValues = fc.tuple(...route.pathParams.map(() => textValue))
  const queryValues = fc.tuple(...route.query.map((name) => fc.option(textValue.map((v) => `${name}=${encodeURIComponent(v)}`), { nil: undefined })))
  const fields = route.bodyFields ?? []
  const body = route.bodyFields === undefined ? fc.constant(undefined) : fc.subarray(fields.length > 0 ? fields : ['x']).chain((names) => fc.tuple(...names.map((name) => rawJsonValue.map((value) => `${JSON.stringify(name)}:${value}`))).map((pairs) => `{${pairs.join(',')}}`))
  return fc.tuple(pathValues, queryValues, body, fc.constantFrom(ACCOUNT, ACCOUNT, ACCOUNT, '99999999999999999999', '0')).map(([path, query, payload, account]) => {
    let url = route.path.replace('{accountId}', account)
    route.pathParams.forEach((name, i) => (url = url.replace(`{${name}}`, encodeURIComponent(path[i] || 'x'))))
    const search = query.filter(Boolean).join('&')
    // The C2M routes need their version to get past it.
    const version = route.query.includes('v') && !search.includes('v=') ? 'v=2.0' : ''
    const fullQuery = [search, version].filter(Boolean).join('&')
    return { url: fullQuery ? `${url}?${fullQuery}` : url, payload }
  })
}

describe(`C2M fuzz: Eligibility and Invite never answer 5xx`, () => {
  for (const dialect of dialects) {
    describe(dialect.name, () => {
      let t: TestApp
      let key: IssuedApiKey
      let bearer: string
      const handoffs: string[] = []
      const callIds: string[] = []

      async function created(res: LightMyRequestResponse, status = 201): Promise<any> {
        assert.equal(res.statusCode, status, res.body)
        return json(res)
      }

      before(async () => {
        // A generous budget: the rate limit is not what is fuzzed here. Delivery is driven by hand.
        t = await startApp(dialect, { RATE_LIMIT: '100000', DELIVERY_WORKER: 'false' })
        const sms = { fromNumber: SMS_FROM, message: 'Hi {{1}}, this is Acme. {{2}}' }
        const wa = { fromNumber: WA_FROM, templateName: 'ivr_followup', language: 'en_US', variables: { '1': 'there' } }
        const brand = await brandFixture(t, ACCOUNT, {
          skills: ['sales', 'support', 'vip'],
          numbers: [
            { number: SMS_FROM, channel: 'sms' },
            { number: WA_FROM, channel: 'wa' },
          ],
          apps: [{ appId: APP_IOS, platform: 'ios', name: 'Acme iOS' }],
          settings: {
            channels: [
              { name: 'sms', enabled: true },
              { name: 'wa', enabled: true },
              { name: 'inapp', enabled: true },
            ],
            deviceCheck: true,
            routing: { skills: ['sales', 'support'] },
          },
          templates: [{ name: 'ivr_followup', body: 'Hi {{1}}, thanks for calling Acme. Reply here.' }],
          handoffs: {
            smsWa: { title: 'SMS then WA', channels: ['sms', 'wa'], sms, wa },
            waSms: { title: 'WA then SMS', channels: ['wa', 'sms'], sms, wa },
            sales: { title: 'Sales', channels: ['sms'], skills: ['sales'], sms },
            inapp: { title: 'In-app', channels: ['inapp'], inapp: { appIds: [APP_IOS], message: 'Open the app' } },
          },
        })
        ;({ key } = brand)
        handoffs.push(...Object.values(brand.handoffs))
        await brand.call('POST', 'consumers/james/devices', { appId: APP_IOS, platform: 'ios', pushToken: 'apns-james' }, 201)
        await recordOptOut(t.runtime.db, ACCOUNT, { consumerPhone: '+14259549899', channel: 'sms', fromNumber: SMS_FROM, at: t.clock.now().toISOString() })
        bearer = (
          await created(await t.app.inject({ method: 'POST', url: `/api/account/${ACCOUNT}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: key.appKey, client_secret: key.secret } }), 200)
        ).access_token
        // Real calls for Invite to find: eligible on each handoff, and not eligible ones.
        const consumers = ['+14259549855', '+447400123456', '+442071838750', '+14259549899']
        for (let i = 0; i < 40; i++) {
          const handoffId = handoffs[i % handoffs.length]!
          const body = { consumerPhoneNumber: consumers[i % consumers.length], skill: i % 3 === 0 ? 'sales' : 'support', handoffId, consumerId: i % 2 === 0 ? 'james' : 'nobody', templateVariables: { '1': `Caller ${i}` } }
          const res = await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/eligibility?v=2.0`, body)
          if (res.statusCode === 200) callIds.push(json(res).callId)
        }
        assert.ok(callIds.length >= 20, `${callIds.length} calls to invite`)
      })
      after(() => t.close())

      function send(endpoint: Endpoint, envelope: Envelope, payload: string | undefined): Promise<LightMyRequestResponse> {
        const url = `/api/account/${ACCOUNT}/${endpoint}${envelope.query}`
        const headers: Record<string, string> = {}
        if (envelope.auth.kind === 'oauth') headers.authorization = signAt(key, 'POST', PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000))
        else if (envelope.auth.kind === 'bearer') headers.authorization = `Bearer ${bearer}`
        else if (envelope.auth.kind === 'raw') headers.authorization = envelope.auth.value
        if (envelope.contentType !== undefined) headers['content-type'] = envelope.contentType
        const options: InjectOptions = { method: 'POST', url, headers }
        if (payload !== undefined) options.payload = payload
        return t.app.inject(options)
      }

      /** 200 in the documented shape, or a catalogued 4xx in our error shape. */
      function assertAcceptable(endpoint: Endpoint, res: LightMyRequestResponse, sentBody: unknown): void {
        const context = `${endpoint} → ${res.statusCode} ${res.body}`
        assert.ok(res.statusCode < 500, context)
        let body: any
        assert.doesNotThrow(() => (body = JSON.parse(res.body)), context)
        assert.match(String(res.headers['content-type']), /^application\/json/, context)
        if (res.statusCode === 200) {
          if (endpoint === 'eligibility') {
            assert.deepEqual(Object.keys(body).sort(), ['availableChannels', 'callId', 'eligible', 'recommendedChannelName'], context)
            assert.match(body.callId, UUID_V4, context)
            assert.equal(body.eligible, body.availableChannels.length > 0, context)
            assert.equal(body.recommendedChannelName, body.availableChannels[0] ?? '', context)
          } else {
            assert.deepEqual(Object.keys(body), ['callId'], context)
            assert.equal(body.callId, (sentBody as { callId: string }).callId, context)
          }
          return
        }
        assert.equal(typeof body, 'object', context)
        assert.equal(typeof body.errorCode, 'number', context)
        const entry = CATALOGUE[body.errorCode]
        assert.ok(entry, `errorCode not in the spec's table: ${context}`)
        assert.equal(res.statusCode, entry.status, context)
        if (typeof entry.message === 'string') assert.equal(body.errorMessage, entry.message, context)
        else assert.match(body.errorMessage, entry.message, context)
        for (const k of Object.keys(body)) assert.ok(['errorCode', 'errorMessage', 'detail'].includes(k), `unexpected key ${k}: ${context}`)
        if ('detail' in body) assert.equal(typeof body.detail, 'string', context)
      }

      /** Mostly a plausible value of the field, sometimes any string, sometimes any JSON. */
      const field = <T>(plausible: fc.Arbitrary<T>) =>
        fc.oneof({ weight: 10, arbitrary: plausible as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyText as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyJsonWide as fc.Arbitrary<unknown> })

      /** A valid value most of the time, a near miss otherwise. */
      const mostly = <T, U>(good: fc.Arbitrary<T>, nearMiss: fc.Arbitrary<U>) => fc.oneof({ weight: 4, arbitrary: good as fc.Arbitrary<T | U> }, { weight: 1, arbitrary: nearMiss as fc.Arbitrary<T | U> })

      const eligibilityRecord = () => {
        const fields = {
          consumerPhoneNumber: field(mostly(fc.constantFrom('+14259549855', '+447400123456', '+442071838750', '+14259549899'), fc.constantFrom('+12061234567', '+1206123', '14259549855', '+142595498551234', ''))),
          skill: field(mostly(fc.constantFrom('sales', 'support'), fc.constantFrom('vip', '', 'Support', 'x'.repeat(256)))),
          handoffId: field(mostly(fc.constantFrom(...handoffs), fc.constantFrom('H000000000000000', 'H1234567890123456', ''))),
          sdes: field(
            mostly(
              fc.array(fc.record({ type: fc.constantFrom('personal', 'ctmrinfo'), info: fc.oneof({ weight: 3, arbitrary: fc.dictionary(anyText, anyJsonWide, { maxKeys: 4 }) }, { weight: 1, arbitrary: deepMarker }) }), { maxLength: 3 }),
              fc.array(fc.record({ type: fc.constantFrom('personal', 'ctmrinfo', 'engagement'), info: anyJsonWide }, { requiredKeys: [] }), { maxLength: 3 }),
            ),
          ),
          templateVariables: field(fc.dictionary(anyText, anyText, { maxKeys: 4 })),
          ivrNumber: field(fc.constantFrom('180000', '+18005550100', '')),
          consumerId: field(mostly(fc.constantFrom('james', 'nobody'), fc.constant(''))),
        }
        // Mostly with the three required fields present, so that the rules behind validation run.
        return fc.oneof(
          { weight: 4, arbitrary: fc.record(fields, { requiredKeys: ['consumerPhoneNumber', 'skill', 'handoffId'] }) as fc.Arbitrary<Record<string, unknown>> },
          { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>> },
        )
      }

      const inviteRecord = () => {
        const fields = {
          callId: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...callIds) as fc.Arbitrary<unknown> }, { weight: 2, arbitrary: fc.uuid() as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyText as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyJson as fc.Arbitrary<unknown> }),
          overrideChannel: field(mostly(fc.constantFrom('sms', 'twilio', 'wa', 'inapp', 'SMS', ' Twilio '), fc.constantFrom('email', '', 'whatsapp'))),
          overrideMessage: field(mostly(fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }), fc.constant('Hi {{1}} {{2}} {{ 3 }}')), fc.constantFrom('', 'x'.repeat(1600), 'x'.repeat(1601)))),
          overrideSkill: field(mostly(fc.constantFrom('sales', 'support'), fc.constantFrom('vip', '', 'Sales'))),
        }
        return fc.oneof(
          { weight: 4, arbitrary: fc.record(fields, { requiredKeys: ['callId'] }) as fc.Arbitrary<Record<string, unknown>> },
          { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>> },
        )
      }

      /** The record plus a few unknown keys (which the C2M API ignores). */
      const withExtras = <T extends object>(record: fc.Arbitrary<T>) =>
        fc.tuple(record, fc.dictionary(fc.string({ maxLength: 12 }), anyJson, { maxKeys: 2 })).map(([known, extra]) => ({ ...extra, ...known }))

      for (const endpoint of ['eligibility', 'invite'] as const) {
        test(`${endpoint}: arbitrary JSON bodies and headers`, async () => {
          await fc.assert(
            fc.asyncProperty(envelopeArb, fc.oneof({ weight: 4, arbitrary: anyJsonWide }, { weight: 1, arbitrary: anyJson }), async (envelope, value) => {
              assertAcceptable(endpoint, await send(endpoint, envelope, JSON.stringify(value)), value)
            }),
            { numRuns: NUM_RUNS },
          )
        })

        test(`${endpoint}: raw payloads that are not (quite) JSON`, async () => {
          const payloadArb = fc.oneof(trickyPayloads, fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), anyJson.map((v) => JSON.stringify(v).slice(0, -1)))
          await fc.assert(
            fc.asyncProperty(envelopeArb, fc.option(payloadArb, { nil: undefined, freq: 10 }), async (envelope, payload) => {
              const res = await send(endpoint, envelope, payload)
              let sent: unknown
              try {
                sent = payload === undefined ? undefined : JSON.parse(payload)
              } catch {
                sent = undefined
              }
              assertAcceptable(endpoint, res, sent)
            }),
            { numRuns: NUM_RUNS },
          )
        })
      }

      test('eligibility: the real field names with arbitrary values', async () => {
        const outcomes = new Map<number, number>()
        await fc.assert(
          fc.asyncProperty(envelopeArb, withExtras(eligibilityRecord()), async (envelope, body) => {
            const res = await send('eligibility', envelope, withDeepValues(JSON.stringify(body)))
            assertAcceptable('eligibility', res, body)
            const code = res.statusCode === 200 ? 200 : (json(res).errorCode as number)
            outcomes.set(code, (outcomes.get(code) ?? 0) + 1)
          }),
          { numRuns: NUM_RUNS },
        )
        // The generator reaches past validation: some calls are checked, some refused by rule.
        assert.ok((outcomes.get(200) ?? 0) > 0, `outcomes ${JSON.stringify([...outcomes])}`)
        assert.ok((outcomes.get(1000) ?? 0) + (outcomes.get(1001) ?? 0) > 0, `outcomes ${JSON.stringify([...outcomes])}`)
      })

      test('invite: real and random callIds with arbitrary overrides; every accepted invite is deliverable', async () => {
        const outcomes = new Map<number, number>()
        await fc.assert(
          fc.asyncProperty(envelopeArb, withExtras(inviteRecord()), async (envelope, body) => {
            const res = await send('invite', envelope, JSON.stringify(body))
            assertAcceptable('invite', res, body)
            const code = res.statusCode === 200 ? 200 : (json(res).errorCode as number)
            outcomes.set(code, (outcomes.get(code) ?? 0) + 1)
          }),
          { numRuns: NUM_RUNS },
        )
        assert.ok((outcomes.get(200) ?? 0) > 0, `outcomes ${JSON.stringify([...outcomes])}`)
        // What was accepted goes out: the outbox drains with every message sent, none failing.
        while ((await t.app.dispatcher.runOnce()) > 0) {
          // drain
        }
        const rows = await t.runtime.db.selectFrom('outbox').select(['status', 'last_error', 'call_id']).execute()
        assert.ok(rows.length > 0)
        for (const row of rows) assert.deepEqual({ status: row.status, error: row.last_error }, { status: 'sent', error: null }, `outbox row of call ${row.call_id}`)
      })

      // Last, as it may change or delete what the tests above use.
      test('every documented route: nesting depth and numeric extremes never answer 5xx', async () => {
        const doc = json(await t.app.inject({ method: 'GET', url: '/api/api-docs/json' }))
        const routes: DocumentedRoute[] = []
        for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
          for (const [method, operation] of Object.entries(methods)) {
            const parameters = (operation.parameters ?? []) as Array<{ in: string; name: string }>
            const content = operation.requestBody?.content as Record<string, { schema?: { properties?: Record<string, unknown> } }> | undefined
            routes.push({
              method: method.toUpperCase() as DocumentedRoute['method'],
              path,
              pathParams: parameters.filter((p) => p.in === 'path' && p.name !== 'accountId').map((p) => p.name),
              query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
              bodyFields: content ? Object.keys(Object.values(content)[0]?.schema?.properties ?? {}) : undefined,
            })
          }
        }
        assert.ok(routes.length >= 30, `${routes.length} documented routes`)
        const seen = new Set<string>()
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...routes).chain((route) => requestFor(route).map((request) => ({ route, request }))), async ({ route, request }) => {
            seen.add(`${route.method} ${route.path}`)
            const headers: Record<string, string> = { authorization: signAt(key, route.method, PUBLIC_ORIGIN + request.url, Math.floor(t.clock.now().getTime() / 1000)) }
            const options: InjectOptions = { method: route.method, url: request.url, headers }
            if (request.payload !== undefined) {
              headers['content-type'] = 'application/json'
              options.payload = request.payload
            }
            const res = await t.app.inject(options)
            const context = `${route.method} ${request.url} ${request.payload?.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`
            assert.ok(res.statusCode < 500, context)
            if (res.statusCode >= 400) assert.equal(typeof json(res).errorCode, 'number', context)
          }),
          { numRuns: 4 * routes.length },
        )
        assert.ok(seen.size >= routes.length / 2, `${seen.size} of ${routes.length} routes reached`)
      })
    })
  }
})
