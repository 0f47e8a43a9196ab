import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { PUBLIC_ORIGIN, dialects, json, signAt, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { PASSWORD, type Session, addPerson, login, personOf, signIn } from '../fixtures/people.ts'
import { type AgentHandle, createAgent } from '../support/agents.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

// The routes issue 9 added (sessions, users, conversations, live events, the consumer API, the
// desk connector), probed as a hostile client would: without credentials, with another brand's
// key or cookie, with forged, truncated and signed-out cookies, without the CSRF token, with
// oversized, deep, mistyped and prototype-polluting bodies, odd path ids and query strings, and
// hostile Last-Event-IDs. Every answer is the documented 4xx in our error shape, small whatever
// the input, never a 5xx. Then sign-in, the one route open to anyone: bounded work, alike
// answers, lockouts that hold under concurrency. Finally the OpenAPI document covers them all.

const A = '9701'
const B = '9702'
const BRAND_NUMBER = '+18005550171'
const APP_ID = 'com.acme.probe'
const NO_SUCH = '00000000-0000-4000-8000-000000000000'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
/** Who may use a route: a person of one of these roles, an API key (`key`), a consumer token (`consumer`). */
type Role = 'admin' | 'agent' | 'manager'
interface Route {
  method: Method
  /** Under /api/account/{account}/; `{user}`, `{conversation}` and `{appKey}` are filled in. */
  path: string
  body?: unknown
  /** The role whose session may use it; undefined: no session may. */
  role?: Role
  key: boolean
  consumer?: true
}

const ROUTES: Route[] = [
  { method: 'POST', path: 'logout', body: {}, role: 'agent', key: false },
  { method: 'GET', path: 'session', role: 'agent', key: false },
  { method: 'POST', path: 'users/me/password', body: { currentPassword: 'not the current one', newPassword: 'a new long password' }, role: 'agent', key: false },
  { method: 'POST', path: 'users/me/welcomed', role: 'agent', key: false },
  { method: 'GET', path: 'users', role: 'admin', key: true },
  { method: 'POST', path: 'users', body: { login: 'probe-new', role: 'agent', password: 'a long enough password' }, role: 'admin', key: true },
  { method: 'GET', path: 'users/{user}', role: 'admin', key: true },
  { method: 'PATCH', path: 'users/{user}', body: { maxConversations: 3 }, role: 'admin', key: true },
  { method: 'POST', path: 'users/{user}/password', body: { password: 'a long enough password' }, role: 'admin', key: true },
  { method: 'GET', path: 'conversations', role: 'agent', key: true },
  { method: 'GET', path: 'conversations/{conversation}', role: 'agent', key: true },
  { method: 'POST', path: 'conversations/{conversation}/accept', role: 'agent', key: true },
  { method: 'POST', path: 'conversations/{conversation}/messages', body: { text: 'hello' }, role: 'agent', key: true },
  { method: 'POST', path: 'conversations/{conversation}/transfer', body: { skill: 'billing' }, role: 'agent', key: true },
  { method: 'POST', path: 'conversations/{conversation}/close', role: 'agent', key: true },
  { method: 'PUT', path: 'agents/me/status', body: { status: 'away' }, role: 'agent', key: false },
  { method: 'GET', path: 'agents', role: 'manager', key: true },
  { method: 'GET', path: 'conversation-settings', role: 'admin', key: true },
  { method: 'PUT', path: 'conversation-settings', body: { ringTimeoutSeconds: 60, autoAccept: false }, role: 'admin', key: true },
  { method: 'GET', path: 'events', role: 'agent', key: true },
  { method: 'POST', path: 'consumer-tokens', body: { consumerId: 'probe-consumer' }, key: true },
  { method: 'PUT', path: 'consumer/device', body: { appId: APP_ID, platform: 'ios', pushToken: 'token' }, key: false, consumer: true },
  { method: 'GET', path: 'consumer/messages', key: false, consumer: true },
  { method: 'POST', path: 'consumer/messages', body: { appId: APP_ID, text: 'hi' }, key: false, consumer: true },
  { method: 'GET', path: 'desk-connector', role: 'admin', key: true },
  { method: 'PUT', path: 'desk-connector', body: { url: 'https://desk.example.com/hook', mode: 'alongside' }, role: 'admin', key: true },
  { method: 'POST', path: 'desk-connector/secret', role: 'admin', key: true },
  { method: 'DELETE', path: 'desk-connector', role: 'admin', key: true },
  { method: 'GET', path: 'api-keys', role: 'admin', key: false },
  { method: 'POST', path: 'api-keys', body: { appName: 'Probe', developer: 'probe', privileges: ['reporting'] }, role: 'admin', key: false },
  { method: 'DELETE', path: 'api-keys/{appKey}', role: 'admin', key: false },
]
const WRITES = ROUTES.filter((r) => r.method !== 'GET')
const WITH_BODY = ROUTES.filter((r) => r.body !== undefined)

/** How a request authenticates: none, an OAuth-signed key, a session (cookie and CSRF header as given), a consumer token. */
type Credential =
  | { kind: 'none' }
  | { kind: 'key'; key: IssuedApiKey }
  | { kind: 'cookie'; cookie: string; csrf?: string }
  | { kind: 'bearer'; token: string }

for (const dialect of dialects) {
  describe(`the routes issue 9 added, probed from outside (${dialect.name})`, () => {
    let t: TestApp
    let brand: BrandFixture
    let other: BrandFixture
    let admin: Session
    let manager: Session
    let agent: AgentHandle
    let otherAdmin: Session
    let consumerToken: string
    let conversationId: string
    let userId: string

    before(async () => {
      // The address limit is raised: this file signs in and fails on purpose from one address many times.
      t = await startApp(dialect, { DELIVERY_WORKER: 'false', LOGIN_MAX_FAILURES: '5', LOGIN_MAX_FAILURES_PER_ADDRESS: '100000' })
      const spec = {
        privileges: ['ivr-engagement', 'management', 'conversations'] as const,
        skills: ['billing'],
        apps: [{ appId: APP_ID, platform: 'ios' as const, name: 'Acme' }],
        numbers: [{ number: BRAND_NUMBER, channel: 'sms' as const }],
        settings: { channels: [{ name: 'sms' as const, enabled: true }], deviceCheck: false, routing: { skills: ['billing'], defaultSkill: 'billing' } },
      }
      brand = await brandFixture(t, A, { ...spec, privileges: [...spec.privileges] })
      other = await brandFixture(t, B, { privileges: ['ivr-engagement', 'management', 'conversations'], skills: ['billing'] })
      admin = await personOf(t, A, 'admin')
      manager = await personOf(t, A, 'agent-manager')
      agent = await createAgent(t, A, { login: 'probe-agent', skills: ['billing'] })
      otherAdmin = await personOf(t, B, 'admin')
      userId = agent.id
      consumerToken = (await brand.call('POST', 'consumer-tokens', { consumerId: 'probe-consumer' }, 201)).token
      // A conversation of brand A, accepted by the agent, so the write routes reach their checks.
      await brand.call('POST', 'sandbox/inbound', { channel: 'sms', from: '+14259550101', to: BRAND_NUMBER, text: 'hello' }, 201)
      await agent.status('online')
      conversationId = (await brand.call('GET', 'conversations', undefined, 200)).items[0].id
      await agent.accept(conversationId)
    })
    after(() => t.close())

    const sessionOf = (role: Role): Session => ({ admin, manager, agent: agent.session })[role]
    const pathOf = (route: Route) => route.path.replace('{user}', userId).replace('{conversation}', conversationId).replace('{appKey}', 'no-such-key')

    function send(credential: Credential, method: Method, path: string, options: { payload?: string; contentType?: string; account?: string; headers?: Record<string, string> } = {}) {
      const url = `/api/account/${options.account ?? A}/${path}`
      const headers: Record<string, string> = { ...options.headers }
      if (credential.kind === 'key') headers.authorization = signAt(credential.key, method, PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000))
      if (credential.kind === 'bearer') headers.authorization = `Bearer ${credential.token}`
      if (credential.kind === 'cookie') {
        headers.cookie = `c2m_session=${credential.cookie}`
        if (credential.csrf !== undefined) headers['x-csrf-token'] = credential.csrf
      }
      const inject: InjectOptions = { method, url, headers }
      if (options.payload !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json'
        inject.payload = options.payload
      }
      return t.app.inject(inject)
    }

    /** The credential a route accepts: the key where a key may, else the session of its role, else the consumer token. */
    function permitted(route: Route): Credential {
      if (route.consumer) return { kind: 'bearer', token: consumerToken }
      if (route.key) return { kind: 'key', key: brand.key }
      const session = sessionOf(route.role as Role)
      return { kind: 'cookie', cookie: session.cookie, csrf: session.csrfToken }
    }

    function assertRefused(res: LightMyRequestResponse, status: number | number[], context: string): void {
      const statuses = Array.isArray(status) ? status : [status]
      assert.ok(statuses.includes(res.statusCode), `${context}: ${res.statusCode} ${res.body.slice(0, 300)}`)
      assert.match(String(res.headers['content-type']), /^application\/json/, context)
      const body = json(res)
      assert.equal(typeof body.errorCode, 'number', `${context}: ${res.body.slice(0, 300)}`)
      assert.equal(typeof body.errorMessage, 'string', context)
      assert.ok(res.body.length < 4096, `${context}: an answer of ${res.body.length} bytes`)
    }

    const payloadOf = (route: Route) => (route.body === undefined ? undefined : JSON.stringify(route.body))

    test('without credentials 401; with another brand\'s key 403 (401 on the consumer\'s routes); with another brand\'s session 401', async () => {
      for (const route of ROUTES) {
        const context = `${route.method} ${route.path}`
        const payload = payloadOf(route)
        assertRefused(await send({ kind: 'none' }, route.method, pathOf(route), { payload }), 401, `${context} without credentials`)
        assertRefused(await send({ kind: 'key', key: other.key }, route.method, pathOf(route), { payload }), route.consumer ? 401 : 403, `${context} with ${B}'s key`)
        const foreign = { kind: 'cookie' as const, cookie: otherAdmin.cookie, csrf: otherAdmin.csrfToken }
        assertRefused(await send(foreign, route.method, pathOf(route), { payload }), 401, `${context} with ${B}'s session`)
      }
    })

    test('the consumer\'s routes: another brand\'s, a forged, truncated or expired consumer token, an app JWT\'s shape, a session cookie are 401', async () => {
      const foreign = (await other.call('POST', 'consumer-tokens', { consumerId: 'probe-consumer' }, 201)).token as string
      const tokens: Record<string, string> = {
        'another brand\'s': foreign,
        truncated: consumerToken.slice(0, -8),
        forged: `${consumerToken.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`,
        'alg none': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${consumerToken.split('.')[1] ?? ''}.`,
        huge: 'x'.repeat(20_000),
      }
      for (const route of ROUTES.filter((r) => r.consumer)) {
        for (const [name, token] of Object.entries(tokens)) {
          assertRefused(await send({ kind: 'bearer', token }, route.method, route.path, { payload: payloadOf(route) }), 401, `${route.method} ${route.path} with a ${name} token`)
        }
        assertRefused(await send({ kind: 'cookie', cookie: agent.session.cookie, csrf: agent.session.csrfToken }, route.method, route.path, { payload: payloadOf(route) }), 401, `${route.method} ${route.path} with a session`)
      }
      t.clock.advance(t.config.consumerTokenTtlSeconds * 1000 + 1000)
      try {
        assertRefused(await send({ kind: 'bearer', token: consumerToken }, 'GET', 'consumer/messages'), 401, 'an expired consumer token')
      } finally {
        t.clock.advance(-(t.config.consumerTokenTtlSeconds * 1000 + 1000))
      }
    })

    test('another brand\'s people are not targets: a transfer to them, a filter by them finds nothing', async () => {
      const key = { kind: 'key', key: brand.key } as const
      const transfer = await send(key, 'POST', `conversations/${conversationId}/transfer`, { payload: JSON.stringify({ agentId: otherAdmin.userId }) })
      assertRefused(transfer, [400, 404, 409], 'a transfer to another brand\'s person')
      const listed = await send(key, 'GET', `conversations?agent=${otherAdmin.userId}`)
      assert.equal(listed.statusCode, 200)
      assert.deepEqual(json(listed).items, [])
      const read = await send({ kind: 'key', key: other.key }, 'GET', 'agents', { account: B })
      assert.ok(!json(read).items.some((a: { id: string }) => a.id === agent.id), 'B\'s agents list none of A\'s')
    })

    test('a forged, truncated, bit-flipped, oversized or signed-out cookie is 401 on every session route', async () => {
      await addPerson(t, A, 'probe-ended', 'admin')
      const signedOut = await signIn(t, A, 'probe-ended')
      assert.equal((await signedOut.request('POST', 'logout')).statusCode, 204)
      const flipped = admin.cookie.slice(0, 40) + (admin.cookie[40] === 'A' ? 'B' : 'A') + admin.cookie.slice(41)
      const cookies: Record<string, string> = {
        forged: Buffer.from(JSON.stringify({ userId: admin.userId, accountId: A, sessionVersion: 0 })).toString('base64url'),
        truncated: admin.cookie.slice(0, -10),
        'bit-flipped': flipped,
        empty: '',
        oversized: 'x'.repeat(6000),
        'percent junk': '%ff%fe%00',
        'signed out': signedOut.cookie,
      }
      for (const route of ROUTES.filter((r) => r.role !== undefined)) {
        for (const [name, cookie] of Object.entries(cookies)) {
          const csrf = name === 'signed out' ? signedOut.csrfToken : admin.csrfToken
          assertRefused(await send({ kind: 'cookie', cookie, csrf }, route.method, pathOf(route), { payload: payloadOf(route) }), 401, `${route.method} ${route.path} with a ${name} cookie`)
        }
      }
    })

    test('every cookie-authenticated write without the CSRF token, with a wrong one or another session\'s, is 403 1101; a role not allowed is 403', async () => {
      for (const route of WRITES.filter((r) => r.role !== undefined)) {
        const session = sessionOf(route.role as Role)
        const context = `${route.method} ${route.path}`
        const payload = payloadOf(route)
        for (const [name, csrf] of [['missing', undefined], ['wrong', 'x'.repeat(43)], ['empty', ''], ['another session\'s', manager === session ? admin.csrfToken : manager.csrfToken], ['huge', 'x'.repeat(5000)]] as const) {
          const res = await send({ kind: 'cookie', cookie: session.cookie, ...(csrf === undefined ? {} : { csrf }) }, route.method, pathOf(route), { payload })
          assertRefused(res, 403, `${context} with the CSRF token ${name}`)
          assert.equal(json(res).errorCode, 1101, context)
        }
      }
      // Roles: an agent is no admin; an admin is no agent.
      for (const route of ROUTES.filter((r) => r.role === 'admin' || r.role === 'manager')) {
        const res = await send({ kind: 'cookie', cookie: agent.session.cookie, csrf: agent.session.csrfToken }, route.method, pathOf(route), { payload: payloadOf(route) })
        assertRefused(res, 403, `${route.method} ${route.path} as an agent`)
      }
      for (const path of ['agents/me/status', 'conversations']) {
        assertRefused(await send({ kind: 'cookie', cookie: admin.cookie, csrf: admin.csrfToken }, path === 'conversations' ? 'GET' : 'PUT', path, { payload: path === 'conversations' ? undefined : '{"status":"online"}' }), 403, `${path} as an admin`)
      }
      // Routes that take no key answer a key (even the brand's own) 403.
      for (const route of ROUTES.filter((r) => !r.key && !r.consumer)) {
        assertRefused(await send({ kind: 'key', key: brand.key }, route.method, pathOf(route), { payload: payloadOf(route) }), 403, `${route.method} ${route.path} with a key`)
      }
    })

    test('bodies: 1 MB is 413; 10,000 levels, a huge array, __proto__ and constructor keys are 400; the wrong content type is 415', async () => {
      const login = { method: 'POST' as const, path: 'login', body: { login: 'x', password: 'y' }, key: false }
      for (const route of [...WITH_BODY, login]) {
        const credential = route === login ? ({ kind: 'none' } as const) : permitted(route)
        const context = `${route.method} ${route.path}`
        const probe = (payload: string, contentType?: string) => send(credential, route.method, pathOf(route), { payload, ...(contentType ? { contentType } : {}) })
        assertRefused(await probe(JSON.stringify({ text: 'x'.repeat(1024 * 1024 + 10) })), 413, `${context} 1 MB`)
        assertRefused(await probe('['.repeat(10_000) + ']'.repeat(10_000)), 400, `${context} deep array`)
        assertRefused(await probe('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)), 400, `${context} deep object`)
        assertRefused(await probe(JSON.stringify(Array.from({ length: 50_000 }, (_, i) => ({ x: i })))), 400, `${context} a huge array`)
        assertRefused(await probe(JSON.stringify({ ...(route.body as object), big: Array.from({ length: 50_000 }, () => 'x') })), 400, `${context} a huge array inside`)
        assertRefused(await probe(`{"__proto__":{"isAdmin":true},${JSON.stringify(route.body).slice(1)}`), 400, `${context} __proto__`)
        assertRefused(await probe(`{"constructor":{"prototype":{"isAdmin":true}},${JSON.stringify(route.body).slice(1)}`), 400, `${context} constructor`)
        assertRefused(await probe(JSON.stringify(route.body), 'text/plain'), 415, `${context} text/plain`)
        assertRefused(await probe('login=x&password=y', 'application/x-www-form-urlencoded'), 415, `${context} a form`)
        assertRefused(await probe('"just a string"'), 400, `${context} a JSON string`)
        assertRefused(await probe('{"a":1'), 400, `${context} broken JSON`)
        assertRefused(await probe(JSON.stringify(route.body) + '\u0000'), 400, `${context} trailing NUL`)
      }
    })

    test('values out of range or of the wrong type are 400 with the field named', async () => {
      const key = { kind: 'key', key: brand.key } as const
      const agentCookie = { kind: 'cookie', cookie: agent.session.cookie, csrf: agent.session.csrfToken } as const
      const cases: Array<[Credential, Method, string, unknown]> = [
        [key, 'POST', 'users', { login: 'x', role: 'root', password: 'a long enough password' }],
        [key, 'POST', 'users', { login: 'x', role: 'agent', password: 'a long enough password', maxConversations: 0 }],
        [key, 'POST', 'users', { login: 'x', role: 'agent', password: 'a long enough password', maxConversations: '3' }],
        [key, 'POST', 'users', { login: 'x', role: 'agent', password: 'a long enough password', maxConversations: 1e308 }],
        [key, 'POST', 'users', { login: 'x', role: 'agent', password: 'a long enough password', skills: ['billing', ...Array.from({ length: 200 }, (_, i) => `s${i}`)] }],
        [key, 'POST', 'users', { login: '<b>x</b>', role: 'agent', password: 'a long enough password' }],
        [key, 'POST', 'users', { login: 'x'.repeat(256), role: 'agent', password: 'a long enough password' }],
        [key, 'POST', 'users', { login: 'short-pw', role: 'agent', password: 'short' }],
        [key, 'POST', 'users', { login: 'long-pw', role: 'agent', password: 'x'.repeat(1025) }],
        [key, 'POST', 'users', { login: ['x'], role: 'agent', password: 'a long enough password' }],
        [key, 'PATCH', `users/${userId}`, { disabled: 'yes' }],
        [key, 'PATCH', `users/${userId}`, { role: null }],
        [key, 'PATCH', `users/${userId}`, { skills: 'billing' }],
        [key, 'POST', `users/${userId}/password`, { password: 12345678901234 }],
        [key, 'POST', `conversations/${conversationId}/messages`, { text: '' }],
        [key, 'POST', `conversations/${conversationId}/messages`, { text: 'x'.repeat(4097) }],
        [key, 'POST', `conversations/${conversationId}/messages`, { text: 42 }],
        [key, 'POST', `conversations/${conversationId}/messages`, { text: 'hi', extra: true }],
        [key, 'POST', `conversations/${conversationId}/transfer`, {}],
        [key, 'POST', `conversations/${conversationId}/transfer`, { skill: 'billing', agentId: userId }],
        [key, 'POST', `conversations/${conversationId}/transfer`, { skill: 'x'.repeat(256) }],
        [key, 'POST', `conversations/${conversationId}/transfer`, { agentId: 'x'.repeat(65) }],
        [agentCookie, 'PUT', 'agents/me/status', { status: 'busy' }],
        [agentCookie, 'PUT', 'agents/me/status', { status: ['online'] }],
        [key, 'PUT', 'conversation-settings', { ringTimeoutSeconds: 4, autoAccept: false }],
        [key, 'PUT', 'conversation-settings', { ringTimeoutSeconds: 3601, autoAccept: false }],
        [key, 'PUT', 'conversation-settings', { ringTimeoutSeconds: 60.5, autoAccept: false }],
        [key, 'PUT', 'conversation-settings', { ringTimeoutSeconds: 60, autoAccept: 'true' }],
        [key, 'POST', 'consumer-tokens', { consumerId: '' }],
        [key, 'POST', 'consumer-tokens', { consumerId: 'a\nb' }],
        [key, 'POST', 'consumer-tokens', { consumerId: 'x'.repeat(256) }],
        [{ kind: 'bearer', token: consumerToken }, 'PUT', 'consumer/device', { appId: 'com.unknown', platform: 'ios', pushToken: 't' }],
        [{ kind: 'bearer', token: consumerToken }, 'PUT', 'consumer/device', { appId: APP_ID, platform: 'android', pushToken: 't' }],
        [{ kind: 'bearer', token: consumerToken }, 'PUT', 'consumer/device', { appId: APP_ID, platform: 'ios', pushToken: 'x'.repeat(4097) }],
        [{ kind: 'bearer', token: consumerToken }, 'POST', 'consumer/messages', { appId: APP_ID, text: '   ' }],
        [{ kind: 'bearer', token: consumerToken }, 'POST', 'consumer/messages', { appId: APP_ID, text: 'hi', clientMessageId: 'a b' }],
        [key, 'PUT', 'desk-connector', { url: 'http://127.0.0.1/hook', mode: 'alongside' }],
        [key, 'PUT', 'desk-connector', { url: 'javascript:alert(1)', mode: 'alongside' }],
        [key, 'PUT', 'desk-connector', { url: 'https://desk.example.com/<script>', mode: 'sideways' }],
        [key, 'PUT', 'desk-connector', { url: 'https://desk.example.com/hook', mode: 'alongside', events: [] }],
        [key, 'PUT', 'desk-connector', { url: 'https://desk.example.com/hook', mode: 'alongside', events: ['conversation.created', 'conversation.created'] }],
        [key, 'PUT', 'desk-connector', { url: `https://${'a'.repeat(2100)}.example.com/`, mode: 'alongside' }],
      ]
      for (const [credential, method, path, body] of cases) {
        const context = `${method} ${path} ${JSON.stringify(body).slice(0, 120)}`
        const res = await send(credential, method, path, { payload: JSON.stringify(body) })
        assertRefused(res, 400, context)
      }
    })

    test('path ids that are no UUID, huge, percent-encoded junk or traversal are 400 (404 for a well-formed unknown one)', async () => {
      const key = { kind: 'key', key: brand.key } as const
      const ids = ['not-a-uuid', '9'.repeat(5000), '%ff%fe', '%E2%80%AE', '..%2F..%2Fusers', '%2e%2e', `${NO_SUCH}%20`, `${NO_SUCH}'--`, '%00', '%F0%9F%92%A9'.repeat(300)]
      for (const id of ids) {
        for (const route of ROUTES.filter((r) => r.path.includes('{conversation}'))) {
          const path = route.path.replace('{conversation}', id)
          assertRefused(await send(key, route.method, path, { payload: payloadOf(route) }), [400, 404], `${route.method} ${path.slice(0, 80)}`)
        }
        for (const route of ROUTES.filter((r) => r.path.includes('{user}'))) {
          const path = route.path.replace('{user}', id)
          assertRefused(await send(key, route.method, path, { payload: payloadOf(route) }), [400, 404], `${route.method} ${path.slice(0, 80)}`)
        }
      }
      for (const route of ROUTES.filter((r) => r.path.includes('{conversation}') || r.path.includes('{user}'))) {
        const path = route.path.replace('{conversation}', NO_SUCH).replace('{user}', NO_SUCH)
        assertRefused(await send(key, route.method, path, { payload: payloadOf(route) }), 404, `${route.method} ${path} unknown`)
      }
      // API keys are an admin's (no key may): hostile key names, and an unknown one.
      const asAdmin = { kind: 'cookie', cookie: admin.cookie, csrf: admin.csrfToken } as const
      for (const appKey of [...ids, 'no-such-key']) {
        assertRefused(await send(asAdmin, 'DELETE', `api-keys/${appKey}`), [400, 404], `DELETE api-keys/${appKey.slice(0, 80)}`)
      }
      // Another brand's conversation and user are unknown here, and unknown on their own brand's path to this key.
      assertRefused(await send({ kind: 'key', key: other.key }, 'GET', `conversations/${conversationId}`, { account: B }), 404, 'A\'s conversation on B\'s path')
      assertRefused(await send({ kind: 'key', key: other.key }, 'GET', `users/${userId}`, { account: B }), 404, 'A\'s user on B\'s path')
      assertRefused(await send({ kind: 'key', key: other.key }, 'PATCH', `users/${userId}`, { account: B, payload: '{"disabled":true}' }), 404, 'disabling A\'s user on B\'s path')
      // Account ids that are no site id.
      for (const account of ['abc', '9'.repeat(25), '%00', '-1', '9701%20']) {
        assertRefused(await send({ kind: 'key', key: brand.key }, 'GET', 'conversations', { account }), [400, 401, 403, 404], `account ${account}`)
      }
    })

    test('query strings: repeated, unknown, out of range and huge parameters are 400', async () => {
      const key = { kind: 'key', key: brand.key } as const
      const bearer = { kind: 'bearer', token: consumerToken } as const
      const cases: Array<[Credential, string]> = [
        [key, 'conversations?page=1&page=2'],
        [key, 'conversations?state=queued&state=closed'],
        [key, 'conversations?state=<script>'],
        [key, 'conversations?page=0'],
        [key, 'conversations?page=-1'],
        [key, 'conversations?page=99999999999999999999999'],
        [key, 'conversations?pageSize=101'],
        [key, `conversations?skill=${'x'.repeat(100_000)}`],
        [key, `conversations?agent=${'x'.repeat(100_000)}`],
        [key, 'conversations?__proto__[x]=1'],
        [key, 'users?page=1&page=2'],
        [key, 'users?pageSize=0'],
        [key, `users?page=${'9'.repeat(10_000)}`],
        [bearer, 'consumer/messages?since=junk'],
        [bearer, `consumer/messages?since=${'x'.repeat(100_000)}`],
        [bearer, 'consumer/messages?since=a&since=b'],
        [bearer, 'consumer/messages?limit=0'],
        [bearer, 'consumer/messages?limit=1&limit=2'],
      ]
      for (const [credential, path] of cases) assertRefused(await send(credential, 'GET', path), 400, `GET ${path.slice(0, 80)}`)
      // Accepted ones still answer JSON; a prototype's name as an unknown parameter is ignored where unknown ones are.
      const fine = await send(key, 'GET', 'conversations?page=1&pageSize=100&state=open')
      assert.equal(fine.statusCode, 200, fine.body)
      const ignored = await send(bearer, 'GET', 'consumer/messages?__proto__=1&constructor=1&hasOwnProperty=1')
      assert.equal(ignored.statusCode, 200, ignored.body)
      assert.ok(Array.isArray(json(ignored).items))
    })

    test('a hostile Last-Event-ID (header or query) is 400 before any stream opens', async () => {
      const key = { kind: 'key', key: brand.key } as const
      for (const id of ['abc', '-1', '1.5', '1e3', ' 1', '0x10', '9'.repeat(17), '9999999999999999', 'x'.repeat(10_000), '1,2', '１２']) {
        assertRefused(await send(key, 'GET', 'events', { headers: { 'last-event-id': id } }), 400, `Last-Event-ID ${id.slice(0, 40)}`)
        assertRefused(await send(key, 'GET', `events?lastEventId=${encodeURIComponent(id)}`), 400, `lastEventId ${id.slice(0, 40)}`)
      }
      assertRefused(await send(key, 'GET', 'events?lastEventId=1&lastEventId=2'), 400, 'lastEventId twice')
      assertRefused(await send(key, 'GET', 'events?unknown=1&lastEventId=x'), 400, 'an unknown parameter and a bad id')
    })

    test('markup is kept as text and answered as JSON, never HTML', async () => {
      const text = '<script>alert(1)</script><img src=x onerror=alert(2)>&amp;"\'{{constructor}}\u202e'
      const reply = await agent.session.request('POST', `conversations/${conversationId}/messages`, { text })
      assert.equal(reply.statusCode, 201, reply.body)
      assert.match(String(reply.headers['content-type']), /^application\/json/)
      assert.equal(reply.headers['x-content-type-options'], 'nosniff')
      assert.equal(json(reply).text, text)
      const read = await agent.session.request('GET', `conversations/${conversationId}`)
      assert.match(String(read.headers['content-type']), /^application\/json/)
      assert.ok(json(read).messages.some((m: { text: string }) => m.text === text))
      const fromApp = await send({ kind: 'bearer', token: consumerToken }, 'POST', 'consumer/messages', { payload: JSON.stringify({ appId: APP_ID, text }) })
      assert.equal(fromApp.statusCode, 202, fromApp.body)
      // A field error echoes a client's property name only as JSON text, bounded.
      const odd = await send({ kind: 'key', key: brand.key }, 'PUT', 'conversation-settings', { payload: JSON.stringify({ ringTimeoutSeconds: 60, autoAccept: false, ['<script>' + 'x'.repeat(5000)]: 1 }) })
      assertRefused(odd, 400, 'a markup property name')
    })

    test('sign-in: a password over the bound is refused before scrypt; unknown login and wrong password answer alike, with similar work', async () => {
      await addPerson(t, A, 'probe-timing', 'agent')
      const timed = async (body: unknown) => {
        const started = performance.now()
        const res = await login(t, A, body)
        return { res, ms: performance.now() - started }
      }
      // Warm: the dummy hash of unknown logins is computed once.
      await timed({ login: 'probe-warm', password: 'whatever it is' })
      const tooLong = await timed({ login: 'probe-timing', password: 'x'.repeat(1025) })
      assertRefused(tooLong.res, 400, 'a password of 1,025 characters')
      const wrong = [] as number[]
      const unknown = [] as number[]
      for (let i = 0; i < 3; i++) {
        const w = await timed({ login: 'probe-timing', password: `wrong password ${i}` })
        const u = await timed({ login: `probe-nobody-${i}`, password: `wrong password ${i}` })
        assert.equal(w.res.statusCode, 401)
        assert.equal(u.res.body, w.res.body, 'an unknown login answers as a wrong password does')
        assert.deepEqual(Object.keys(u.res.headers).sort(), Object.keys(w.res.headers).sort())
        wrong.push(w.ms)
        unknown.push(u.ms)
      }
      const median = (values: number[]) => values.sort((a, b) => a - b)[1]!
      // Both run scrypt once: within a factor of three of each other, on a busy machine too.
      assert.ok(median(unknown) > median(wrong) / 3 && median(unknown) < median(wrong) * 3, `unknown ${median(unknown)} ms, wrong ${median(wrong)} ms`)
      assert.ok(tooLong.ms < median(wrong), `a refused long password costs ${tooLong.ms} ms, a scrypt ${median(wrong)} ms`)
      // A password of a disabled user answers alike too.
      const disabled = await addPerson(t, A, 'probe-disabled', 'agent')
      await brand.call('PATCH' as 'PUT', `users/${disabled}`, { disabled: true }, 200)
      const res = await login(t, A, { login: 'probe-disabled', password: PASSWORD })
      assert.equal(res.body, (await login(t, A, { login: 'probe-nobody-x', password: PASSWORD })).body)
    })

    test('sign-in: the lockout is 429 with Retry-After, and holds against guesses sent all at once', async () => {
      await addPerson(t, A, 'probe-burst', 'agent')
      // 19 wrong guesses and, last, the right password, all at once: the right one arrives past the limit (5).
      const guesses = Array.from({ length: 20 }, (_, i) => (i === 19 ? PASSWORD : `guess number ${i}`))
      const answers = await Promise.all(guesses.map((password) => login(t, A, { login: 'probe-burst', password })))
      assert.equal(answers.filter((r) => r.statusCode === 401).length, 4, 'four failures are answered as such; the fifth locks')
      assert.equal(answers.filter((r) => r.statusCode === 429).length, 16)
      for (const r of answers.filter((r) => r.statusCode === 429)) {
        assertRefused(r, 429, 'a locked sign-in')
        assert.ok(Number(r.headers['retry-after']) > 0, `Retry-After ${r.headers['retry-after']}`)
      }
      assertRefused(answers[19]!, 429, 'the right password sent among a burst of guesses')
      const right = await login(t, A, { login: 'probe-burst', password: PASSWORD })
      assertRefused(right, 429, 'the right password while locked')
      assert.equal(right.headers['retry-after'], '900')
    })

    test('sign-in: many at once are bounded — the excess is refused at once with 429 and Retry-After, never queued without end', async () => {
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => login(t, A, { login: `probe-flood-${i}`, password: 'some password here' })))
      for (const r of answers) assertRefused(r, [401, 429], 'a sign-in in a flood')
      const refused = answers.filter((r) => r.statusCode === 429)
      assert.ok(refused.length > 0, 'some of 200 simultaneous sign-ins are refused rather than queued')
      for (const r of refused) assert.match(String(r.headers['retry-after']), /^\d+$/)
      // And once the flood is over, a person signs in.
      await addPerson(t, A, 'probe-after-flood', 'agent')
      assert.equal((await login(t, A, { login: 'probe-after-flood', password: PASSWORD })).statusCode, 200)
    })

    test('sign-in: wrong shapes of body', async () => {
      for (const body of [{}, { login: 'x' }, { password: 'y' }, { login: '', password: 'y' }, { login: 'x', password: '' }, { login: 1, password: 2 }, { login: ['x'], password: 'y' }, { login: 'x'.repeat(256), password: 'y' }, { login: 'x', password: 'y', admin: true }]) {
        assertRefused(await login(t, A, body), 400, `login ${JSON.stringify(body).slice(0, 80)}`)
      }
      assertRefused(await login(t, '9'.repeat(21), { login: 'x', password: 'y' }), 400, 'an account id of 21 digits')
      assertRefused(await login(t, '9799', { login: 'x', password: 'a password' }), 401, 'an account that does not exist')
    })

    test('each route with its sample body and a permitted credential answers below 500, as JSON, in our shape when refused', async () => {
      // Last: the sample bodies change things (a transfer, a close, a disconnect). The stream and sign-out are left out.
      for (const route of ROUTES.filter((r) => r.path !== 'events' && r.path !== 'logout')) {
        const context = `${route.method} ${route.path}`
        const res = await send(permitted(route), route.method, pathOf(route), { payload: payloadOf(route) })
        assert.ok(res.statusCode < 500, `${context}: ${res.statusCode} ${res.body.slice(0, 300)}`)
        if (res.statusCode === 204) continue
        assert.match(String(res.headers['content-type']), /^application\/json/, context)
        if (res.statusCode >= 400) assertRefused(res, res.statusCode, context)
      }
    })

    test('the OpenAPI document lists every one of these routes with a summary, its request schema and error answers', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/api-docs/json' })
      assert.equal(res.statusCode, 200)
      const doc = json(res) as { paths: Record<string, Record<string, { summary?: string; parameters?: unknown[]; requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> }>> }
      const openApiPath = (route: Route) => `/api/account/{accountId}/${route.path.replace('{user}', '{userId}').replace('{conversation}', '{conversationId}')}`
      for (const route of [...ROUTES, { method: 'POST' as const, path: 'login', body: {}, key: false }]) {
        const op = doc.paths[openApiPath(route)]?.[route.method.toLowerCase()]
        const context = `${route.method} ${openApiPath(route)}`
        assert.ok(op, `${context} is in the document`)
        assert.ok(op.summary && op.summary.length > 5, `${context} has a summary`)
        assert.ok(op.parameters?.some((p) => (p as { name: string }).name === 'accountId'), `${context} names its accountId`)
        if (route.body !== undefined && route.path !== 'logout') assert.ok(op.requestBody?.content['application/json'], `${context} has a request schema`)
        for (const status of ['400', '401']) assert.ok(op.responses[status], `${context} documents ${status}`)
        if (route.path !== 'login') for (const status of ['403', '404']) assert.ok(op.responses[status], `${context} documents ${status}`)
        if (route.body !== undefined) assert.ok(op.responses['415'], `${context} documents 415`)
      }
    })
  })
}
