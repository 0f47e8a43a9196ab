import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { createApiKey } from '../../src/accounts/provisioning.service.ts'
import { enqueue } from '../../src/delivery/outbox.repository.ts'
import { listInbound } from '../../src/inbound/inbound.repository.ts'
import { listDevices } from '../../src/contacts/device.repository.ts'

// The consumer's in-app API as the brand's backend and the brand's app use it: a token minted for
// one consumer, then the app's three calls with it. The consumer is only ever the token's.

const A = '8101'
const B = '8102'
const APP = 'com.acme.ios'
const ANDROID = 'com.acme.android'
const B_APP = 'com.beta.ios'
const INVITATION = 'Continue in the Acme app.'

type Method = 'GET' | 'PUT' | 'POST'

function inappBrand(t: TestApp, account: string, apps: Array<{ appId: string; platform: 'ios' | 'android'; name: string }>) {
  return brandFixture(t, account, {
    skills: ['sales'],
    apps,
    channels: ['inapp'],
    handoffs: { inapp: { title: 'In-app', channels: ['inapp'], inapp: { appIds: [apps[0]!.appId], message: INVITATION } } },
  })
}

function assertError(res: LightMyRequestResponse, status: number, code: number, context = ''): void {
  assert.equal(res.statusCode, status, `${context}: ${res.statusCode} ${res.body.slice(0, 300)}`)
  const body = json(res)
  assert.equal(body.errorCode, code, context)
  assert.equal(typeof body.errorMessage, 'string', context)
  assert.ok(res.body.length < 4096, `${context}: an answer of ${res.body.length} bytes`)
}

for (const dialect of dialects) {
  describe(`the consumer's in-app API (${dialect.name})`, () => {
    let t: TestApp
    let a: BrandFixture<'inapp'>
    let b: BrandFixture<'inapp'>
    let phone = 1000

    /** The brand backend's call: a consumer token for the consumer. */
    const mint = async (brand: BrandFixture, consumerId: string): Promise<string> => (await brand.call('POST', 'consumer-tokens', { consumerId }, 201)).token

    /** The app's call with a Bearer token (any string), on brand `account`'s path. */
    const asApp = (token: string | null, method: Method, resource: string, payload?: unknown, account = A, contentType = 'application/json') => {
      const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` }
      const options: InjectOptions = { method, url: `/api/account/${account}/${resource}`, headers }
      if (payload !== undefined) {
        headers['content-type'] = contentType
        options.payload = typeof payload === 'string' ? payload : JSON.stringify(payload)
      }
      return t.app.inject(options)
    }

    const messagesOf = async (token: string, query = '', account = A) => {
      const res = await asApp(token, 'GET', `consumer/messages${query}`, undefined, account)
      assert.equal(res.statusCode, 200, res.body)
      return json(res) as { items: Array<Record<string, unknown>>; next: string | null; hasMore: boolean }
    }

    const registerDevice = async (token: string, account = A, appId = APP) => {
      const res = await asApp(token, 'PUT', 'consumer/device', { appId, platform: 'ios', pushToken: `push-${crypto.randomUUID()}` }, account)
      assert.equal(res.statusCode, 200, res.body)
    }

    /** Eligibility with the consumer's id, then invite: an in-app invitation, sent by the dispatcher. */
    const inviteInApp = async (brand: BrandFixture<'inapp'>, consumerId: string): Promise<string> => {
      const callId = await brand.invited(`+1425955${phone++}`, brand.handoffs.inapp, { consumerId })
      assert.ok((await t.app.dispatcher.runOnce()) >= 1)
      return callId
    }

    const appJwt = async (brand: BrandFixture) => {
      const res = await t.app.inject({ method: 'POST', url: `/api/account/${brand.account}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: brand.key.appKey, client_secret: brand.key.secret } })
      assert.equal(res.statusCode, 200, res.body)
      return json(res).access_token as string
    }

    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false' })
      a = await inappBrand(t, A, [{ appId: APP, platform: 'ios', name: 'Acme iOS' }, { appId: ANDROID, platform: 'android', name: 'Acme Android' }])
      b = await inappBrand(t, B, [{ appId: B_APP, platform: 'ios', name: 'Beta iOS' }])
    })
    after(() => t.close())

    describe('minting a token', () => {
      test('needs a key: 401 without one, 403 with a key lacking management (or another brand\'s)', async () => {
        assertError(await t.app.inject({ method: 'POST', url: `/api/account/${A}/consumer-tokens`, payload: { consumerId: 'jane' } }), 401, 1100, 'unsigned')
        const ivrOnly = await createApiKey(t.runtime, { accountId: A, appName: 'ivr', developer: 'tests', privileges: ['ivr-engagement'] })
        assertError(await signedRequest(t, ivrOnly, 'POST', `/api/account/${A}/consumer-tokens`, { consumerId: 'jane' }), 403, 1101, 'ivr-engagement key')
        assertError(await signedRequest(t, b.key, 'POST', `/api/account/${A}/consumer-tokens`, { consumerId: 'jane' }), 403, 1101, 'brand B\'s key')
      })

      test('a management key or an app JWT mints one, valid for CONSUMER_TOKEN_TTL_SECONDS', async () => {
        const res = await a.request('POST', 'consumer-tokens', { consumerId: 'jane' })
        assert.equal(res.statusCode, 201, res.body)
        assert.equal(res.headers['cache-control'], 'no-store')
        const body = json(res)
        assert.equal(body.consumerId, 'jane')
        assert.equal(body.expiresAt, new Date(t.clock.now().getTime() + 900_000).toISOString())
        assert.equal(typeof body.token, 'string')

        const viaJwt = await t.app.inject({ method: 'POST', url: `/api/account/${A}/consumer-tokens`, headers: { authorization: `Bearer ${await appJwt(a)}` }, payload: { consumerId: 'jane' } })
        assert.equal(viaJwt.statusCode, 201, viaJwt.body)
      })

      test('the consumer id is bounded: 1 to 255 characters, no control characters, nothing else in the body', async () => {
        for (const body of [{}, { consumerId: '' }, { consumerId: 'x'.repeat(256) }, { consumerId: 'ja\u0001ne' }, { consumerId: 'ja\nne' }, { consumerId: 42 }, { consumerId: 'jane', accountId: B }]) {
          assertError(await a.request('POST', 'consumer-tokens', body), 400, 1000, JSON.stringify(body).slice(0, 60))
        }
        assert.equal((await a.request('POST', 'consumer-tokens', { consumerId: 'x'.repeat(255) })).statusCode, 201)
        assert.equal((await a.request('POST', 'consumer-tokens', { consumerId: 'Jane Doe <jane@example.com> ☎' })).statusCode, 201)
      })
    })

    describe('the token', () => {
      test('no token, a malformed one or another scheme: 401 1100', async () => {
        for (const authorization of [undefined, 'Bearer', 'Bearer not-a-token', 'Basic amFuZTpzZWNyZXQ=', 'Bearer a.b.c', `Bearer ${'x'.repeat(8000)}`]) {
          const headers: Record<string, string> = authorization === undefined ? {} : { authorization }
          assertError(await t.app.inject({ method: 'GET', url: `/api/account/${A}/consumer/messages`, headers }), 401, 1100, String(authorization).slice(0, 30))
        }
      })

      test('an unsigned token (alg none) or one signed with another key: 401', async () => {
        const token = await mint(a, 'jane')
        const [, payload] = token.split('.')
        const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`
        assertError(await asApp(none, 'GET', 'consumer/messages'), 401, 1100, 'alg none')
        const [header, , signature] = token.split('.')
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
        const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'john' })).toString('base64url')}.${signature}`
        assertError(await asApp(forged, 'GET', 'consumer/messages'), 401, 1100, 'another subject under the same signature')
      })

      test('expires after CONSUMER_TOKEN_TTL_SECONDS', async () => {
        const token = await mint(a, 'jane')
        t.clock.advance(899_000)
        assert.equal((await asApp(token, 'GET', 'consumer/messages')).statusCode, 200)
        t.clock.advance(2_000)
        assertError(await asApp(token, 'GET', 'consumer/messages'), 401, 1100, 'expired')
      })

      test('brand A\'s token on brand B\'s path: 401', async () => {
        const token = await mint(a, 'jane')
        assertError(await asApp(token, 'GET', 'consumer/messages', undefined, B), 401, 1100, 'list on B')
        assertError(await asApp(token, 'PUT', 'consumer/device', { appId: B_APP, platform: 'ios', pushToken: 'p' }, B), 401, 1100, 'device on B')
        assertError(await asApp(token, 'POST', 'consumer/messages', { appId: B_APP, text: 'hi' }, B), 401, 1100, 'message on B')
      })

      test('an app JWT is no consumer token, and a consumer token is no app JWT', async () => {
        assertError(await asApp(await appJwt(a), 'GET', 'consumer/messages'), 401, 1100, 'app JWT on the consumer routes')
        const token = await mint(a, 'jane')
        assertError(await asApp(token, 'POST', 'consumer-tokens', { consumerId: 'john' }), 401, 1100, 'consumer token minting another')
        assertError(await asApp(token, 'GET', 'sandbox/messages'), 401, 1100, 'consumer token on a brand route')
        assertError(await asApp(token, 'POST', `consumers/jane/devices`, { appId: APP, platform: 'ios', pushToken: 'p' }), 401, 1100, 'consumer token on the backend\'s device route')
      })
    })

    describe('PUT consumer/device', () => {
      test('registers the token\'s consumer\'s device, and refreshes it', async () => {
        const token = await mint(a, 'dev-consumer')
        const body = { appId: APP, platform: 'ios', pushToken: 'push-dev-1' }
        const first = await asApp(token, 'PUT', 'consumer/device', body)
        assert.equal(first.statusCode, 200, first.body)
        assert.deepEqual(json(first), { consumerId: 'dev-consumer', ...body, updatedAt: t.clock.now().toISOString() })
        t.clock.advance(60_000)
        assert.equal((await asApp(token, 'PUT', 'consumer/device', body)).statusCode, 200)
        const devices = await listDevices(t.runtime.db, A, 'dev-consumer')
        assert.equal(devices.length, 1)
        assert.equal(devices[0]!.updatedAt, t.clock.now().toISOString())
        assert.notEqual(devices[0]!.createdAt, devices[0]!.updatedAt)
      })

      test('validated as the backend\'s route is: a registered app of the brand, on its platform', async () => {
        const token = await mint(a, 'dev-consumer')
        const put = (body: unknown) => asApp(token, 'PUT', 'consumer/device', body)
        let res = await put({ appId: 'com.unknown', platform: 'ios', pushToken: 'p' })
        assertError(res, 400, 1000, 'unknown app')
        assert.deepEqual(json(res).fields, [{ field: 'appId', message: 'is not a registered app of this brand' }])
        assertError(await put({ appId: B_APP, platform: 'ios', pushToken: 'p' }), 400, 1000, 'brand B\'s app')
        res = await put({ appId: ANDROID, platform: 'ios', pushToken: 'p' })
        assertError(res, 400, 1000, 'wrong platform')
        assert.equal(json(res).fields[0].field, 'platform')
        for (const body of [{ appId: APP, platform: 'web', pushToken: 'p' }, { appId: APP, platform: 'ios', pushToken: '' }, { appId: APP, platform: 'ios', pushToken: 'p'.repeat(4097) }, { appId: APP, platform: 'ios' }]) {
          assertError(await put(body), 400, 1000, JSON.stringify(body).slice(0, 60))
        }
        // The consumer is the token's: a body naming another is refused, not obeyed.
        assertError(await put({ appId: APP, platform: 'ios', pushToken: 'p', consumerId: 'someone-else' }), 400, 1000, 'consumerId in the body')
        assert.deepEqual(await listDevices(t.runtime.db, A, 'someone-else'), [])
      })
    })

    describe('GET consumer/messages', () => {
      test('lists an in-app invitation sent through the C2M API, to its consumer only', async () => {
        const jane = await mint(a, 'jane')
        const john = await mint(a, 'john')
        await registerDevice(jane)
        await registerDevice(john)
        const callId = await inviteInApp(a, 'jane')

        const { items, next, hasMore } = await messagesOf(jane)
        assert.equal(items.length, 1)
        const [message] = items
        assert.deepEqual(Object.keys(message!).sort(), ['appIds', 'callId', 'createdAt', 'id', 'kind', 'status', 'text'])
        assert.equal(message!.kind, 'invitation')
        assert.equal(message!.text, INVITATION)
        assert.deepEqual(message!.appIds, [APP])
        assert.equal(message!.callId, callId)
        // The sandbox delivered it.
        assert.equal(message!.status, 'delivered')
        assert.equal(hasMore, false)
        assert.equal(typeof next, 'string')

        // Another consumer of the brand sees nothing of it, whatever the query says.
        assert.deepEqual((await messagesOf(john)).items, [])
        assert.deepEqual((await messagesOf(john, '?consumerId=jane&consumer=jane&recipient=jane')).items, [])
        assertError(await asApp(john, 'GET', `consumer/messages?since=${next}&since=${next}`), 400, 1000, 'since twice')
        assert.deepEqual((await messagesOf(john, `?since=${encodeURIComponent(next!)}`)).items, [], 'jane\'s cursor shows john nothing')
        // The same consumer id at another brand is another consumer.
        await registerDevice(await mint(b, 'jane'), B, B_APP)
        assert.deepEqual((await messagesOf(await mint(b, 'jane'), '', B)).items, [])
      })

      test('a push tapped after the lookback period still shows its message', async () => {
        await registerDevice(await mint(a, 'late'))
        const callId = await inviteInApp(a, 'late')
        // The handoff's lookback is 120 minutes; the app opens three hours later, with a new token.
        t.clock.advance(3 * 3600_000)
        assert.deepEqual((await messagesOf(await mint(a, 'late'))).items.map((m) => m.callId), [callId])
        // After the list's 30 days it is gone.
        t.clock.advance(30 * 86_400_000)
        assert.deepEqual((await messagesOf(await mint(a, 'late'))).items, [])
      })

      test('an invitation not pushed yet is listed already, as pending', async () => {
        const token = await mint(a, 'early')
        await registerDevice(token)
        const callId = await a.invited(`+1425955${phone++}`, a.handoffs.inapp, { consumerId: 'early' })
        assert.deepEqual((await messagesOf(token)).items.map((m) => [m.callId, m.status]), [[callId, 'pending']])
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.deepEqual((await messagesOf(token)).items.map((m) => [m.callId, m.status]), [[callId, 'delivered']])
      })

      test('pages oldest first with a cursor; agent replies carry their conversation', async () => {
        const ids: string[] = []
        const reply = async (n: number) => {
          const id = crypto.randomUUID()
          ids.push(id)
          await enqueue(t.runtime.db, { id, accountId: A, kind: 'reply', callId: null, channel: 'inapp', to: 'pager', from: APP, text: `reply ${n}`, skill: 'sales', lookbackMinutes: 0, inapp: { appIds: [APP] }, conversationId: 'conv-1' }, t.clock.now().toISOString())
        }
        // One before the 30 days, then five: three at the same instant (the id orders them), two later.
        await reply(0)
        t.clock.advance(31 * 86_400_000)
        for (let n = 1; n <= 3; n++) await reply(n)
        for (let n = 4; n <= 5; n++) {
          t.clock.advance(1000)
          await reply(n)
        }
        const expected = [...ids.slice(1, 4).sort(), ...ids.slice(4)]
        const token = await mint(a, 'pager')

        const seen: string[] = []
        let since = ''
        const pages: boolean[] = []
        for (;;) {
          const page = await messagesOf(token, `?limit=2${since}`)
          seen.push(...page.items.map((m) => m.id as string))
          pages.push(page.hasMore)
          for (const m of page.items) {
            assert.equal(m.kind, 'reply')
            assert.equal(m.conversationId, 'conv-1')
            assert.equal(m.callId, undefined)
            assert.equal(m.status, 'pending')
          }
          if (!page.hasMore) {
            // Asking again from the last cursor: nothing new, and the same cursor to keep polling with.
            const after = await messagesOf(token, `?since=${page.next}`)
            assert.deepEqual(after.items, [])
            assert.equal(after.next, page.next)
            break
          }
          since = `&since=${page.next}`
        }
        assert.deepEqual(seen, expected)
        assert.deepEqual(pages, [true, true, false])
        assert.equal((await messagesOf(token, '?limit=100')).items.length, 5)
      })

      test('bounded: limit 1 to 100, a cursor we gave', async () => {
        const token = await mint(a, 'pager')
        for (const query of ['limit=0', 'limit=101', 'limit=-1', 'limit=abc', 'since=', 'since=not-a-cursor!', `since=${'A'.repeat(600)}`, `since=${Buffer.from('["yesterday","x"]').toString('base64url')}`, `since=${Buffer.from('{}').toString('base64url')}`]) {
          assertError(await asApp(token, 'GET', `consumer/messages?${query}`), 400, 1000, query.slice(0, 40))
        }
      })
    })

    describe('POST consumer/messages', () => {
      test('goes through the inbound pipeline, once per clientMessageId', async () => {
        const token = await mint(a, 'writer')
        const send = (body: unknown) => asApp(token, 'POST', 'consumer/messages', body)
        const first = await send({ appId: APP, text: 'Hello, I pressed 1', clientMessageId: 'm-1' })
        assert.equal(first.statusCode, 202, first.body)
        const { id, duplicate } = json(first)
        assert.equal(duplicate, false)
        const again = await send({ appId: APP, text: 'Hello, I pressed 1', clientMessageId: 'm-1' })
        assert.equal(again.statusCode, 202)
        assert.deepEqual(json(again), { id, duplicate: true })

        const recorded = await listInbound(t.runtime.db, A, 'writer')
        assert.equal(recorded.length, 1)
        assert.equal(recorded[0]!.id, id)
        assert.equal(recorded[0]!.channel, 'inapp')
        assert.equal(recorded[0]!.provider, 'app')
        assert.equal(recorded[0]!.from, 'writer')
        assert.equal(recorded[0]!.to, APP)
        assert.equal(recorded[0]!.text, 'Hello, I pressed 1')

        // Without a clientMessageId each send is a new message.
        assert.equal(json(await send({ appId: APP, text: 'again' })).duplicate, false)
        assert.equal(json(await send({ appId: APP, text: 'again' })).duplicate, false)
        assert.equal((await listInbound(t.runtime.db, A, 'writer')).length, 3)
      })

      test('another consumer, here or at another brand, using the same clientMessageId is no repeat', async () => {
        const other = await asApp(await mint(a, 'other-writer'), 'POST', 'consumer/messages', { appId: APP, text: 'mine', clientMessageId: 'm-1' })
        assert.deepEqual([other.statusCode, json(other).duplicate], [202, false])
        const atB = await asApp(await mint(b, 'writer'), 'POST', 'consumer/messages', { appId: B_APP, text: 'mine too', clientMessageId: 'm-1' }, B)
        assert.deepEqual([atB.statusCode, json(atB).duplicate], [202, false])
        assert.equal((await listInbound(t.runtime.db, B, 'writer')).length, 1)
        assert.deepEqual((await listInbound(t.runtime.db, A, 'other-writer')).map((m) => m.text), ['mine'])
      })

      test('refused: an unknown app, text out of bounds, another consumer named in the body', async () => {
        const token = await mint(a, 'refused')
        const send = (body: unknown) => asApp(token, 'POST', 'consumer/messages', body)
        let res = await send({ appId: 'com.unknown', text: 'hi' })
        assertError(res, 400, 1000, 'unknown app')
        assert.equal(json(res).fields[0].field, 'appId')
        assertError(await send({ appId: B_APP, text: 'hi' }), 400, 1000, 'brand B\'s app')
        assertError(await send({ appId: APP, text: 'x'.repeat(4097) }), 400, 1000, 'text of 4,097')
        assertError(await send({ appId: APP, text: '' }), 400, 1000, 'empty text')
        res = await send({ appId: APP, text: '  \n ' })
        assertError(res, 400, 1000, 'blank text')
        assert.equal(json(res).fields[0].field, 'text')
        assertError(await send({ appId: APP, text: 'a\u0000b' }), 400, 1000, 'NUL')
        assertError(await send({ appId: APP, text: 'hi', clientMessageId: 'x'.repeat(65) }), 400, 1000, 'clientMessageId too long')
        assertError(await send({ appId: APP, text: 'hi', clientMessageId: 'has space' }), 400, 1000, 'clientMessageId with a space')
        assertError(await send({ appId: APP, text: 'hi', from: 'jane' }), 400, 1000, 'from in the body')
        assertError(await send({ appId: APP, text: 'hi', consumerId: 'jane' }), 400, 1000, 'consumerId in the body')
        assert.deepEqual(await listInbound(t.runtime.db, A, 'refused'), [])
        // At the limit it is accepted.
        assert.equal((await send({ appId: APP, text: 'x'.repeat(4096) })).statusCode, 202)
      })

      test('hostile bodies are refused in our error shape', async () => {
        const token = await mint(a, 'hostile')
        for (const [method, resource] of [['POST', 'consumer/messages'], ['PUT', 'consumer/device']] as const) {
          const context = `${method} ${resource}`
          assertError(await asApp(token, method, resource, JSON.stringify({ appId: APP, text: 'x'.repeat(1024 * 1024 + 10) })), 413, 1013, `${context} 1 MB`)
          assertError(await asApp(token, method, resource, '['.repeat(10_000) + ']'.repeat(10_000)), 400, 1000, `${context} deep`)
          assertError(await asApp(token, method, resource, JSON.stringify(Array.from({ length: 50_000 }, (_, i) => ({ text: i })))), 400, 1000, `${context} array`)
          assertError(await asApp(token, method, resource, '{"appId": "com.acme.ios", "text": '), 400, 1000, `${context} cut short`)
          assertError(await asApp(token, method, resource, '{"__proto__": {"admin": true}}'), 400, 1000, `${context} prototype`)
          assertError(await asApp(token, method, resource, JSON.stringify({ appId: APP, text: 'hi' }), A, 'text/plain'), 415, 1015, `${context} text/plain`)
        }
        assert.deepEqual(await listInbound(t.runtime.db, A, 'hostile'), [])
      })
    })

    test('the OpenAPI document has the consumer routes, under the consumer token scheme', async () => {
      const doc = json(await t.app.inject({ method: 'GET', url: '/api/api-docs/json' }))
      assert.equal(doc.components.securitySchemes.consumerToken.scheme, 'bearer')
      assert.match(doc.components.securitySchemes.consumerToken.description, /consumer-tokens/)
      const paths = doc.paths as Record<string, Record<string, { tags: string[]; security?: unknown[] }>>
      assert.deepEqual(paths['/api/account/{accountId}/consumer-tokens']!.post!.tags, ['consumer'])
      for (const [path, method] of [['consumer/device', 'put'], ['consumer/messages', 'get'], ['consumer/messages', 'post']] as const) {
        const op = paths[`/api/account/{accountId}/${path}`]![method]!
        assert.deepEqual(op.tags, ['consumer'], path)
        assert.deepEqual(op.security, [{ consumerToken: [] }], path)
      }
    })
  })
}

describe('the consumer routes\' rate limit', () => {
  let t: TestApp
  let brand: BrandFixture<'inapp'>
  before(async () => {
    t = await startApp(dialects[0], { DELIVERY_WORKER: 'false', RATE_LIMIT: '2', RATE_LIMIT_WINDOW: '60' })
    brand = await inappBrand(t, A, [{ appId: APP, platform: 'ios', name: 'Acme iOS' }])
  })
  after(() => t.close())

  test('counts per consumer and route: one consumer over it is refused, the others are not', async () => {
    const list = (token: string) => t.app.inject({ method: 'GET', url: `/api/account/${A}/consumer/messages`, headers: { authorization: `Bearer ${token}` } })
    const jane = (await brand.call('POST', 'consumer-tokens', { consumerId: 'jane' }, 201)).token
    const john = (await brand.call('POST', 'consumer-tokens', { consumerId: 'john' }, 201)).token
    const first = await list(jane)
    assert.equal(first.statusCode, 200)
    assert.equal(first.headers['ratelimit-policy'], '2;w=60')
    assert.equal((await list(jane)).statusCode, 200)
    const refused = await list(jane)
    assertError(refused, 429, 1029, 'third')
    assert.ok(Number(refused.headers['retry-after']) >= 1)
    // A new token for the same consumer draws on the same budget.
    assertError(await list((await brand.call('POST', 'consumer-tokens', { consumerId: 'jane' }, 201)).token), 429, 1029, 'new token')
    assert.equal((await list(john)).statusCode, 200)
    const write = await t.app.inject({ method: 'POST', url: `/api/account/${A}/consumer/messages`, headers: { authorization: `Bearer ${jane}` }, payload: { appId: APP, text: 'hi' } })
    assert.equal(write.statusCode, 202, 'another route has its own budget')
    // Unauthenticated requests count against no one.
    assertError(await t.app.inject({ method: 'GET', url: `/api/account/${A}/consumer/messages` }), 401, 1100)
  })
})
