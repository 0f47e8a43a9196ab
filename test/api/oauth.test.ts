import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  ManualClock,
  PUBLIC_ORIGIN,
  dialects,
  json,
  provisionBrand,
  signAt,
  signedRequest,
  startApp,
  startSecondInstance,
  type TestApp,
} from '../helper.ts'
import { createApiKey, type IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { revokeApiKey } from '../../src/auth/api-key.repository.ts'
import { getOauthToHeaders } from '../fixtures/spec-node-snippet.ts'

const ACCOUNT = '2001'
const SKILLS = `/api/account/${ACCOUNT}/skills`
const INVALID_TOKEN = { errorCode: 1100, errorMessage: 'Invalid Bearer token' }
const NOT_ENOUGH_PRIVILEGE = { errorCode: 1101, errorMessage: 'Not enough privilege to perform this operation' }

const nowSeconds = (t: TestApp) => Math.floor(t.clock.now().getTime() / 1000)

function assertRejected(res: { statusCode: number; json(): unknown }, status: 401 | 403 = 401): void {
  assert.equal(res.statusCode, status)
  assert.deepEqual(res.json(), status === 401 ? INVALID_TOKEN : NOT_ENOUGH_PRIVILEGE)
}

for (const dialect of dialects) {
  describe(`OAuth 1.0a through the application (${dialect.name})`, () => {
    let t: TestApp
    let key: IssuedApiKey
    before(async () => {
      t = await startApp(dialect)
      key = await provisionBrand(t.runtime, ACCOUNT)
    })
    after(() => t.close())

    test('a GET signed with the oauth-1.0a package against PUBLIC_URL is accepted', async () => {
      const res = await signedRequest(t, key, 'GET', SKILLS)
      assert.equal(res.statusCode, 200)
      assert.deepEqual(json(res), { items: [] })
    })

    test('a POST with a JSON body is accepted: the body is not part of the signature', async () => {
      const res = await signedRequest(t, key, 'POST', SKILLS, { name: 'oauth-post' })
      assert.equal(res.statusCode, 201)
      assert.equal(json(res).name, 'oauth-post')
    })

    test('query parameters are signed: ?v=2.0 is accepted, the same header on ?v=2.1 is not', async () => {
      const signedUrl = `${SKILLS}?v=2.0`
      const ok = await signedRequest(t, key, 'GET', signedUrl)
      assert.equal(ok.statusCode, 200)

      const authorization = signAt(key, 'GET', PUBLIC_ORIGIN + signedUrl, nowSeconds(t))
      const changed = await t.app.inject({ method: 'GET', url: `${SKILLS}?v=2.1`, headers: { authorization } })
      assertRejected(changed)
    })

    test('the method is signed: a GET signature does not authorise a POST', async () => {
      const authorization = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, nowSeconds(t))
      const res = await t.app.inject({ method: 'POST', url: SKILLS, headers: { authorization }, payload: { name: 'not-signed' } })
      assertRejected(res)
    })

    test('the path is signed: a signature for /skills does not open /phone-numbers', async () => {
      const authorization = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, nowSeconds(t))
      const res = await t.app.inject({ method: 'GET', url: `/api/account/${ACCOUNT}/phone-numbers`, headers: { authorization } })
      assertRejected(res)
    })

    test('a replayed identical header is rejected the second time', async () => {
      const authorization = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, nowSeconds(t))
      const first = await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization } })
      assert.equal(first.statusCode, 200)
      const replay = await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization } })
      assertRejected(replay)
    })

    test('a header signed with the wrong consumer secret is rejected', async () => {
      const res = await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization: signAt({ ...key, secret: 'f'.repeat(32) }, 'GET', PUBLIC_ORIGIN + SKILLS, nowSeconds(t)) } })
      assertRejected(res)
    })

    test('a wrong access token is rejected, even one of another key of the same brand signed with its own secret', async () => {
      const other = await createApiKey(t.runtime, { accountId: ACCOUNT, appName: 'other', developer: 'tests', privileges: ['management'] })
      // The other key works on its own.
      assert.equal((await signedRequest(t, other, 'GET', SKILLS)).statusCode, 200)

      const mixed = { ...key, accessToken: other.accessToken, accessTokenSecret: other.accessTokenSecret }
      assertRejected(await signedRequest(t, mixed, 'GET', SKILLS))
      const unknown = { ...key, accessToken: 'a'.repeat(32) }
      assertRejected(await signedRequest(t, unknown, 'GET', SKILLS))
    })

    test('an unknown consumer key is rejected', async () => {
      assertRejected(await signedRequest(t, { ...key, appKey: 'b'.repeat(32) }, 'GET', SKILLS))
    })

    test('a missing or garbage Authorization header is rejected', async () => {
      assertRejected(await t.app.inject({ method: 'GET', url: SKILLS }))
      for (const authorization of ['', 'OAuth', 'OAuth garbage', 'Basic dXNlcjpwYXNzd29yZA==', 'Bearer not-a-jwt', 'Digest username="x"', 'OAuth oauth_consumer_key="x"']) {
        assertRejected(await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization } }))
      }
    })

    test('a key without the management privilege is refused with 403', async () => {
      const ivrOnly = await createApiKey(t.runtime, { accountId: ACCOUNT, appName: 'ivr', developer: 'tests', privileges: ['ivr-engagement'] })
      assertRejected(await signedRequest(t, ivrOnly, 'GET', SKILLS), 403)
      const reporting = await createApiKey(t.runtime, { accountId: ACCOUNT, appName: 'reports', developer: 'tests', privileges: ['reporting', 'ivr-engagement'] })
      assertRejected(await signedRequest(t, reporting, 'POST', SKILLS, { name: 'by-reporting' }), 403)
    })

    test('a revoked key is rejected', async () => {
      const doomed = await createApiKey(t.runtime, { accountId: ACCOUNT, appName: 'doomed', developer: 'tests', privileges: ['management'] })
      assert.equal((await signedRequest(t, doomed, 'GET', SKILLS)).statusCode, 200)
      assert.equal(await revokeApiKey(t.runtime.db, ACCOUNT, doomed.appKey, t.clock.now().toISOString()), true)
      assertRejected(await signedRequest(t, doomed, 'GET', SKILLS))
    })
  })

  describe(`OAuth timestamp window (${dialect.name})`, () => {
    test('a timestamp more than 600 s old or ahead is rejected; within the window it is accepted', async () => {
      const t = await startApp(dialect)
      try {
        const key = await provisionBrand(t.runtime, ACCOUNT)
        const signedAt = nowSeconds(t)
        const stale = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, signedAt)
        const late = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, signedAt)
        t.clock.advance(599_000)
        assert.equal((await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization: late } })).statusCode, 200)
        t.clock.advance(2_000)
        assertRejected(await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization: stale } }))

        const ahead = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, nowSeconds(t) + 601)
        assertRejected(await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization: ahead } }))
        const slightlyAhead = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, nowSeconds(t) + 590)
        assert.equal((await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization: slightlyAhead } })).statusCode, 200)
      } finally {
        await t.close()
      }
    })

    test('OAUTH_TIMESTAMP_WINDOW narrows the window', async () => {
      const t = await startApp(dialect, { OAUTH_TIMESTAMP_WINDOW: '60' })
      try {
        const key = await provisionBrand(t.runtime, ACCOUNT)
        const signedAt = nowSeconds(t)
        const within = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, signedAt)
        const beyond = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, signedAt)
        t.clock.advance(59_000)
        assert.equal((await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization: within } })).statusCode, 200)
        // 61 s would be fine under the default 600 s window.
        t.clock.advance(2_000)
        assertRejected(await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization: beyond } }))
      } finally {
        await t.close()
      }
    })

    test('OAUTH_TIMESTAMP_WINDOW widens the window', async () => {
      const t = await startApp(dialect, { OAUTH_TIMESTAMP_WINDOW: '3600' })
      try {
        const key = await provisionBrand(t.runtime, ACCOUNT)
        const authorization = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, nowSeconds(t))
        t.clock.advance(1_800_000)
        assert.equal((await t.app.inject({ method: 'GET', url: SKILLS, headers: { authorization } })).statusCode, 200)
      } finally {
        await t.close()
      }
    })
  })

  describe(`OAuth with the wall clock: the API guide's Node snippet unchanged (${dialect.name})`, () => {
    test('a header made by the snippet for https://{PUBLIC_URL host}/api/account/{id}/…?v=2.0 is accepted', async () => {
      const t = await startApp(dialect, {}, new ManualClock(new Date().toISOString()))
      try {
        const key = await provisionBrand(t.runtime, ACCOUNT)
        const path = `${SKILLS}?v=2.0`
        const get = getOauthToHeaders(key, `https://${new URL(PUBLIC_ORIGIN).host}${path}`, 'GET')
        const res = await t.app.inject({ method: 'GET', url: path, headers: { authorization: get.Authorization } })
        assert.equal(res.statusCode, 200)
        const post = getOauthToHeaders(key, `https://${new URL(PUBLIC_ORIGIN).host}${path}`, 'POST')
        const created = await t.app.inject({ method: 'POST', url: path, headers: { authorization: post.Authorization }, payload: { name: 'from-snippet' } })
        assert.equal(created.statusCode, 201)
      } finally {
        await t.close()
      }
    })
  })

  describe(`OAuth behind a proxy: the signed origin (${dialect.name})`, () => {
    test('over real HTTP on loopback, a request signed against PUBLIC_URL is accepted though it arrives with another Host', async () => {
      const t = await startApp(dialect)
      try {
        const key = await provisionBrand(t.runtime, ACCOUNT)
        await t.app.listen({ host: '127.0.0.1', port: 0 })
        const { port } = t.app.server.address() as AddressInfo
        const path = `${SKILLS}?v=2.0`

        const authorization = signAt(key, 'GET', PUBLIC_ORIGIN + path, nowSeconds(t))
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization } })
        assert.equal(res.status, 200)
        assert.deepEqual(await res.json(), { items: [] })

        // Signing the address the request really reached is wrong when PUBLIC_URL is set.
        const local = signAt(key, 'GET', `http://127.0.0.1:${port}${path}`, nowSeconds(t))
        const refused = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: local } })
        assert.equal(refused.status, 401)
        assert.deepEqual(await refused.json(), INVALID_TOKEN)
      } finally {
        await t.close()
      }
    })

    test('without PUBLIC_URL the request\'s own scheme and host are signed (real HTTP and inject)', async () => {
      const t = await startApp(dialect, { PUBLIC_URL: '' })
      try {
        assert.equal(t.config.publicUrl, undefined)
        const key = await provisionBrand(t.runtime, ACCOUNT)
        await t.app.listen({ host: '127.0.0.1', port: 0 })
        const { port } = t.app.server.address() as AddressInfo
        const origin = `http://127.0.0.1:${port}`

        const res = await fetch(origin + SKILLS, { headers: { authorization: signAt(key, 'GET', origin + SKILLS, nowSeconds(t)) } })
        assert.equal(res.status, 200)

        const againstPublic = await fetch(origin + SKILLS, { headers: { authorization: signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, nowSeconds(t)) } })
        assert.equal(againstPublic.status, 401)
        assert.deepEqual(await againstPublic.json(), INVALID_TOKEN)

        const host = 'ivr-gateway.internal:8443'
        const viaHost = await t.app.inject({ method: 'GET', url: SKILLS, headers: { host, authorization: signAt(key, 'GET', `http://${host}${SKILLS}`, nowSeconds(t)) } })
        assert.equal(viaHost.statusCode, 200)
      } finally {
        await t.close()
      }
    })

    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'c2m.example.com' }

    test('with TRUST_PROXY=true and no PUBLIC_URL, X-Forwarded-Proto and X-Forwarded-Host give the signed origin', async () => {
      const t = await startApp(dialect, { PUBLIC_URL: '', TRUST_PROXY: 'true' })
      try {
        const key = await provisionBrand(t.runtime, ACCOUNT)
        const authorization = signAt(key, 'GET', `https://c2m.example.com${SKILLS}`, nowSeconds(t))
        const res = await t.app.inject({ method: 'GET', url: SKILLS, headers: { ...forwarded, authorization } })
        assert.equal(res.statusCode, 200)

        // The address the proxy used towards us is not what the client signed.
        const internal = signAt(key, 'GET', `http://localhost${SKILLS}`, nowSeconds(t))
        assertRejected(await t.app.inject({ method: 'GET', url: SKILLS, headers: { ...forwarded, authorization: internal } }))
      } finally {
        await t.close()
      }
    })

    test('with TRUST_PROXY unset, forwarded headers are ignored', async () => {
      const t = await startApp(dialect, { PUBLIC_URL: '' })
      try {
        const key = await provisionBrand(t.runtime, ACCOUNT)
        const overForwarded = signAt(key, 'GET', `https://c2m.example.com${SKILLS}`, nowSeconds(t))
        assertRejected(await t.app.inject({ method: 'GET', url: SKILLS, headers: { ...forwarded, authorization: overForwarded } }))

        const host = 'backend.internal:8080'
        const overOwnHost = signAt(key, 'GET', `http://${host}${SKILLS}`, nowSeconds(t))
        const res = await t.app.inject({ method: 'GET', url: SKILLS, headers: { ...forwarded, host, authorization: overOwnHost } })
        assert.equal(res.statusCode, 200)
      } finally {
        await t.close()
      }
    })
  })
}

describe('OAuth nonces shared through Redis by two instances', { skip: !process.env.TEST_REDIS_URL && 'TEST_REDIS_URL not set' }, () => {
  let first: TestApp
  let second: TestApp
  let key: IssuedApiKey
  before(async () => {
    const env = { REDIS_URL: process.env.TEST_REDIS_URL as string }
    first = await startApp(dialects[0], env)
    second = await startSecondInstance(first, env)
    key = await provisionBrand(first.runtime, ACCOUNT)
  })
  after(async () => {
    await second?.close()
    await first?.close()
  })

  test('both instances keep their nonces in Redis and accept the same key', async () => {
    assert.ok(first.runtime.redis)
    assert.ok(second.runtime.redis)
    assert.equal((await signedRequest(first, key, 'GET', SKILLS)).statusCode, 200)
    assert.equal((await signedRequest(second, key, 'GET', SKILLS)).statusCode, 200)
  })

  test('a header accepted by one instance is rejected when replayed against the other', async () => {
    const authorization = signAt(key, 'GET', PUBLIC_ORIGIN + SKILLS, nowSeconds(first))
    const accepted = await first.app.inject({ method: 'GET', url: SKILLS, headers: { authorization } })
    assert.equal(accepted.statusCode, 200)
    const replayed = await second.app.inject({ method: 'GET', url: SKILLS, headers: { authorization } })
    assertRejected(replayed)
  })

  test('the replay is caught in the other direction too', async () => {
    const authorization = signAt(key, 'POST', PUBLIC_ORIGIN + SKILLS, nowSeconds(first))
    const accepted = await second.app.inject({ method: 'POST', url: SKILLS, headers: { authorization }, payload: { name: 'once' } })
    assert.equal(accepted.statusCode, 201)
    const replayed = await first.app.inject({ method: 'POST', url: SKILLS, headers: { authorization }, payload: { name: 'twice' } })
    assertRejected(replayed)
    const skills = await signedRequest(first, key, 'GET', SKILLS)
    assert.deepEqual(json(skills).items.map((s: { name: string }) => s.name), ['once'])
  })

  test('a key revoked through one instance is refused at once by the other, which had just accepted it', async () => {
    const doomed = await createApiKey(first.runtime, { accountId: ACCOUNT, appName: 'doomed', developer: 'tests', privileges: ['management'] })
    // Both instances have opened the key's secrets and keep them: the revocation must still win.
    assert.equal((await signedRequest(first, doomed, 'GET', SKILLS)).statusCode, 200)
    assert.equal((await signedRequest(second, doomed, 'GET', SKILLS)).statusCode, 200)
    assert.equal(await revokeApiKey(first.runtime.db, ACCOUNT, doomed.appKey, first.clock.now().toISOString()), true)
    assertRejected(await signedRequest(second, doomed, 'GET', SKILLS))
    assertRejected(await signedRequest(first, doomed, 'GET', SKILLS))
  })
})
