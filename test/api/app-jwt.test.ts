import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose'
import type { LightMyRequestResponse } from 'fastify'
import { TEST_SECRET_KEY, dialects, json, provisionBrand, startApp, type TestApp } from '../helper.ts'
import { createApiKey, type IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { revokeApiKey } from '../../src/auth/api-key.repository.ts'
import { SecretBox } from '../../src/lib/secret-box.ts'

const A = '3001'
const B = '3002'
const INVALID_TOKEN = { errorCode: 1100, errorMessage: 'Invalid Bearer token' }
const NOT_ENOUGH_PRIVILEGE = { errorCode: 1101, errorMessage: 'Not enough privilege to perform this operation' }

/** The key the service signs app JWTs with, derived the way the service derives it. */
const serviceJwtKey = new SecretBox(Buffer.from(TEST_SECRET_KEY, 'base64')).deriveKey('app-jwt')

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function assertError(res: LightMyRequestResponse, status: number, body: object): void {
  assert.equal(res.statusCode, status, res.body)
  assert.deepEqual(json(res), body)
}

/** The token endpoint may add a `detail`; it must not tell an unknown client from a wrong secret. */
function assertNoToken(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 401, res.body)
  const { detail, ...rest } = json(res)
  assert.deepEqual(rest, INVALID_TOKEN)
  assert.equal(detail, 'unknown client or wrong secret')
  assert.equal(res.headers['cache-control'], undefined)
}

for (const dialect of dialects) {
  describe(`app JWT (${dialect.name})`, () => {
    let t: TestApp
    let keyA: IssuedApiKey
    let keyB: IssuedApiKey

    const tokenRequest = (accountId: string, key: IssuedApiKey) =>
      t.app.inject({ method: 'POST', url: `/api/account/${accountId}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: key.appKey, client_secret: key.secret } })

    async function issue(accountId: string, key: IssuedApiKey): Promise<string> {
      const res = await tokenRequest(accountId, key)
      assert.equal(res.statusCode, 200, res.body)
      return json(res).access_token as string
    }

    const withBearer = (token: string, accountId = A, method: 'GET' | 'POST' = 'GET', path = 'skills') =>
      t.app.inject({ method, url: `/api/account/${accountId}/${path}`, headers: { authorization: `Bearer ${token}` } })

    before(async () => {
      t = await startApp(dialect)
      keyA = await provisionBrand(t.runtime, A)
      keyB = await provisionBrand(t.runtime, B)
    })
    after(() => t.close())

    test('a JSON token request returns a Bearer token for an hour, never cached', async () => {
      const res = await tokenRequest(A, keyA)
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['cache-control'], 'no-store')
      const body = json(res)
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type'])
      assert.equal(body.token_type, 'Bearer')
      assert.equal(body.expires_in, 3600)
      assert.match(body.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/)
      assert.equal(decodeProtectedHeader(body.access_token).alg, 'HS256')
      const claims = decodeJwt(body.access_token)
      assert.equal(claims.acc, A)
      assert.equal(claims.exp! - claims.iat!, 3600)
      assert.equal(claims.iat, Math.floor(t.clock.now().getTime() / 1000))
    })

    test('a form-encoded token request (application/x-www-form-urlencoded) is accepted too', async () => {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: keyA.appKey, client_secret: keyA.secret })
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/account/${A}/app-jwt`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form.toString(),
      })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.headers['cache-control'], 'no-store')
      const body = json(res)
      assert.equal(body.token_type, 'Bearer')
      assert.equal(body.expires_in, 3600)
      assert.equal((await withBearer(body.access_token)).statusCode, 200)
    })

    test('the token works on the management routes, for reading and writing', async () => {
      const token = await issue(A, keyA)
      const created = await t.app.inject({ method: 'POST', url: `/api/account/${A}/skills`, headers: { authorization: `Bearer ${token}` }, payload: { name: 'jwt-skill' } })
      assert.equal(created.statusCode, 201, created.body)
      const list = await withBearer(token)
      assert.equal(list.statusCode, 200)
      assert.ok(json(list).items.some((s: { name: string }) => s.name === 'jwt-skill'))
      // The scheme name is case-insensitive, as in RFC 6750.
      const lower = await t.app.inject({ method: 'GET', url: `/api/account/${A}/skills`, headers: { authorization: `bearer ${token}` } })
      assert.equal(lower.statusCode, 200)
    })

    test('an expired token is rejected', async () => {
      const token = await issue(A, keyA)
      t.clock.advance(3_599_000)
      assert.equal((await withBearer(token)).statusCode, 200)
      t.clock.advance(2_000)
      assertError(await withBearer(token), 401, INVALID_TOKEN)
    })

    test('an unsigned token (alg: none) is rejected', async () => {
      const real = await issue(A, keyA)
      const payload = real.split('.')[1]
      const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`
      assertError(await withBearer(none), 401, INVALID_TOKEN)
      // Also with the original signature kept.
      const noneSigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.${real.split('.')[2]}`
      assertError(await withBearer(noneSigned), 401, INVALID_TOKEN)
    })

    test('a tampered payload (acc changed to another brand, signature kept) is rejected', async () => {
      const real = await issue(A, keyA)
      const [header, payload, signature] = real.split('.') as [string, string, string]
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
      const tampered = `${header}.${b64url({ ...claims, acc: B })}.${signature}`
      assertError(await withBearer(tampered, B), 401, INVALID_TOKEN)
      assertError(await withBearer(tampered, A), 401, INVALID_TOKEN)
      const longer = `${header}.${b64url({ ...claims, exp: claims.exp + 86_400 })}.${signature}`
      assertError(await withBearer(longer, A), 401, INVALID_TOKEN)
    })

    test('a token signed with another secret is rejected', async () => {
      const claims = decodeJwt(await issue(A, keyA))
      const forged = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(crypto.randomBytes(32))
      assertError(await withBearer(forged), 401, INVALID_TOKEN)
    })

    test('the algorithm list is pinned: HS384 and HS512 under the service\'s own key are rejected', async () => {
      const claims = decodeJwt(await issue(A, keyA))
      // Control: the same claims signed HS256 with the derived key pass, so the key derivation here is right.
      const hs256 = await new SignJWT({ ...claims, jti: crypto.randomUUID() }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(serviceJwtKey)
      assert.equal((await withBearer(hs256)).statusCode, 200)
      for (const alg of ['HS384', 'HS512']) {
        const other = await new SignJWT({ ...claims }).setProtectedHeader({ alg, typ: 'JWT' }).sign(serviceJwtKey)
        assertError(await withBearer(other), 401, INVALID_TOKEN)
      }
    })

    test('a token of brand B used on brand A\'s path is refused with 403', async () => {
      const tokenB = await issue(B, keyB)
      assert.equal((await withBearer(tokenB, B)).statusCode, 200)
      assertError(await withBearer(tokenB, A), 403, NOT_ENOUGH_PRIVILEGE)
      assertError(await withBearer(tokenB, A, 'POST', 'phone-numbers'), 403, NOT_ENOUGH_PRIVILEGE)
    })

    test('a token of a key without the management privilege is refused with 403', async () => {
      const ivr = await createApiKey(t.runtime, { accountId: A, appName: 'ivr', developer: 'tests', privileges: ['ivr-engagement'] })
      const token = await issue(A, ivr)
      assertError(await withBearer(token), 403, NOT_ENOUGH_PRIVILEGE)
    })

    test('a wrong client_secret or an unknown client_id gets no token', async () => {
      const wrong = await t.app.inject({ method: 'POST', url: `/api/account/${A}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: keyA.appKey, client_secret: keyB.secret } })
      assertNoToken(wrong)
      const unknown = await t.app.inject({ method: 'POST', url: `/api/account/${A}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: 'c'.repeat(32), client_secret: keyA.secret } })
      assertNoToken(unknown)
      // The access token secret is not the client secret.
      const tokenSecret = await t.app.inject({ method: 'POST', url: `/api/account/${A}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: keyA.appKey, client_secret: keyA.accessTokenSecret } })
      assertNoToken(tokenSecret)
    })

    test('a grant type other than client_credentials is a 400 naming grant_type', async () => {
      for (const grant_type of ['password', 'authorization_code', '']) {
        const res = await t.app.inject({ method: 'POST', url: `/api/account/${A}/app-jwt`, payload: { grant_type, client_id: keyA.appKey, client_secret: keyA.secret } })
        assert.equal(res.statusCode, 400)
        const body = json(res)
        assert.equal(body.errorCode, 1000)
        assert.equal(body.errorMessage, 'Invalid request')
        assert.deepEqual(body.fields.map((f: { field: string }) => f.field), ['grant_type'])
      }
      const missing = await t.app.inject({ method: 'POST', url: `/api/account/${A}/app-jwt`, payload: { client_id: keyA.appKey, client_secret: keyA.secret } })
      assert.equal(missing.statusCode, 400)
      assert.equal(json(missing).errorCode, 1000)
    })

    test('the token of a key revoked after issue is rejected, and the revoked key gets no new token', async () => {
      const doomed = await createApiKey(t.runtime, { accountId: A, appName: 'doomed', developer: 'tests', privileges: ['management'] })
      const token = await issue(A, doomed)
      assert.equal((await withBearer(token)).statusCode, 200)
      assert.equal(await revokeApiKey(t.runtime.db, A, doomed.appKey, t.clock.now().toISOString()), true)
      assertError(await withBearer(token), 401, INVALID_TOKEN)
      assertNoToken(await tokenRequest(A, doomed))
    })

    test('a client of brand B asking for a token on brand A\'s path is refused with 403', async () => {
      const res = await tokenRequest(A, keyB)
      assertError(res, 403, NOT_ENOUGH_PRIVILEGE)
      assert.equal(res.headers['cache-control'], undefined)
    })
  })
}
