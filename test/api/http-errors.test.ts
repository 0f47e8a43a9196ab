import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { appWithCapturedLog, PUBLIC_ORIGIN, dialects, json, provisionBrand, signAt, signedRequest, startApp, type TestApp } from '../helper.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

const ACCOUNT = '5001'
const SETTINGS = `/api/account/${ACCOUNT}/settings`
const VALID_SETTINGS = { channels: [{ name: 'sms', enabled: true }], deviceCheck: false, routing: { skills: [] } }
const ERROR_KEYS = new Set(['errorCode', 'errorMessage', 'detail', 'fields'])
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** An error in our shape only: the catalogue's code and message, no framework keys, no internals. */
function assertApiError(res: LightMyRequestResponse, status: number, errorCode: number, errorMessage: string): Record<string, unknown> {
  assert.equal(res.statusCode, status, res.body)
  assert.match(String(res.headers['content-type']), /^application\/json/)
  const body = json(res)
  assert.equal(body.errorCode, errorCode)
  assert.equal(body.errorMessage, errorMessage)
  for (const key of Object.keys(body)) assert.ok(ERROR_KEYS.has(key), `unexpected key ${key} in ${res.body}`)
  assertNoInternals(res.body)
  return body
}

function assertNoInternals(body: string): void {
  assert.doesNotMatch(body, /stack|\bat .+\.(ts|js):\d+|node_modules|FST_|statusCode|"error"\s*:/i, body)
}

for (const dialect of dialects) {
  describe(`HTTP errors, health and documentation (${dialect.name})`, () => {
    let t: TestApp
    let key: IssuedApiKey
    before(async () => {
      t = await startApp(dialect)
      key = await provisionBrand(t.runtime, ACCOUNT)
    })
    after(() => t.close())

    const putSettings = (headers: Record<string, string>, payload: string | Buffer) =>
      t.app.inject({ method: 'PUT', url: SETTINGS, headers: { authorization: signAt(key, 'PUT', PUBLIC_ORIGIN + SETTINGS, Math.floor(t.clock.now().getTime() / 1000)), ...headers }, payload })

    test('an unknown path is 404 1004 in our shape, under /api/ and elsewhere', async () => {
      for (const url of ['/api/nope', `/api/account/${ACCOUNT}/unknown`, '/api/account/x/settings/extra', '/nope']) {
        const res = await t.app.inject({ method: 'GET', url })
        assertApiError(res, 404, 1004, 'Not Found')
        assert.deepEqual(json(res), { errorCode: 1004, errorMessage: 'Not Found' })
      }
    })

    test('a known path with a method it does not serve is 405 1005 with Allow', async () => {
      const patch = await t.app.inject({ method: 'PATCH', url: SETTINGS, payload: {} })
      assertApiError(patch, 405, 1005, 'Method Not Allowed')
      assert.equal(patch.headers.allow, 'GET, PUT')

      const post = await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/handoffs/H123456789012345`, {})
      assertApiError(post, 405, 1005, 'Method Not Allowed')
      assert.equal(post.headers.allow, 'GET, PUT, DELETE')

      const del = await t.app.inject({ method: 'DELETE', url: `/api/account/${ACCOUNT}/skills` })
      assertApiError(del, 405, 1005, 'Method Not Allowed')
      assert.equal(del.headers.allow, 'GET, POST')
    })

    test('a non-JSON content type is 415 1015 once authenticated, and 401 before', async () => {
      for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml']) {
        assertApiError(await putSettings({ 'content-type': type }, JSON.stringify(VALID_SETTINGS)), 415, 1015, 'Unsupported Media Type')
      }
      assertApiError(await putSettings({ 'content-type': 'application/x-www-form-urlencoded' }, 'deviceCheck=false'), 415, 1015, 'Unsupported Media Type')
      const anonymous = await t.app.inject({ method: 'PUT', url: SETTINGS, headers: { 'content-type': 'text/plain' }, payload: 'x' })
      assertApiError(anonymous, 401, 1100, 'Invalid Bearer token')
    })

    test('malformed JSON is 400 1000', async () => {
      assertApiError(await putSettings({ 'content-type': 'application/json' }, '{"channels": ['), 400, 1000, 'Invalid request')
      assertApiError(await putSettings({ 'content-type': 'application/json' }, '{deviceCheck: false}'), 400, 1000, 'Invalid request')
    })

    test('a NUL character, in a body (value or key) or encoded in the URL, is 400 1000 on every route', async () => {
      for (const payload of ['{"name":"a\\u0000b"}', '{"na\\u0000me":"x"}', '{"__proto__":{"x":1}}']) {
        const res = await t.app.inject({ method: 'POST', url: `/api/account/${ACCOUNT}/skills`, headers: { 'content-type': 'application/json', authorization: signAt(key, 'POST', `${PUBLIC_ORIGIN}/api/account/${ACCOUNT}/skills`, Math.floor(t.clock.now().getTime() / 1000)) }, payload })
        assertApiError(res, 400, 1000, 'Invalid request')
      }
      for (const url of [`/api/account/${ACCOUNT}/handoffs/H%00`, `/api/account/${ACCOUNT}/sandbox/messages?consumer=%00`]) {
        assertApiError(await t.app.inject({ method: 'GET', url }), 400, 1000, 'Invalid request')
      }
    })

    test('an empty body with a JSON content type is 400 1000', async () => {
      assertApiError(await putSettings({ 'content-type': 'application/json' }, ''), 400, 1000, 'Invalid request')
    })

    test('a JSON array or scalar where an object is expected is 400 1000', async () => {
      for (const payload of ['[]', JSON.stringify([VALID_SETTINGS]), '"settings"', '42', 'null']) {
        assertApiError(await putSettings({ 'content-type': 'application/json' }, payload), 400, 1000, 'Invalid request')
      }
      // The same document as an object is accepted, so the 400s above are about the shape.
      const ok = await putSettings({ 'content-type': 'application/json' }, JSON.stringify(VALID_SETTINGS))
      assert.equal(ok.statusCode, 200, ok.body)
    })

    test('a body over 1 MiB is 413 in our shape', async () => {
      const huge = JSON.stringify({ ...VALID_SETTINGS, padding: 'x'.repeat(1024 * 1024) })
      assertApiError(await putSettings({ 'content-type': 'application/json' }, huge), 413, 1013, 'Payload Too Large')
    })

    test('a URL the router cannot decode is 400 1000 in our shape, without echoing the URL', async () => {
      for (const url of [`/api/account/${ACCOUNT}/skills/%E0%A4%A`, `/api/account/${ACCOUNT}/phone-numbers/%2B18005550100%zz`]) {
        const res = await t.app.inject({ method: 'DELETE', url, headers: { 'x-request-id': 'bad-url' } })
        assertApiError(res, 400, 1000, 'Invalid request')
        assert.ok(!res.body.includes('18005550100'), res.body)
        assert.equal(res.headers['x-request-id'], 'bad-url')
      }
    })

    test('a path parameter as long as the longest skill name is routed; an absurdly long one is 400 in our shape', async () => {
      // 255 three-byte characters: 2295 characters once percent-encoded.
      const name = '€'.repeat(255)
      assert.equal((await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/skills`, { name })).statusCode, 201)
      const deleted = await signedRequest(t, key, 'DELETE', `/api/account/${ACCOUNT}/skills/${encodeURIComponent(name)}`)
      assert.equal(deleted.statusCode, 204, deleted.body)

      const tooLong = await t.app.inject({ method: 'DELETE', url: `/api/account/${ACCOUNT}/skills/${'a'.repeat(3000)}` })
      assertApiError(tooLong, 400, 1000, 'Invalid request')
    })

    test('x-request-id: an incoming id is kept, otherwise one is generated, on success and on error', async () => {
      const kept = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'ivr-call-42' } })
      assert.equal(kept.headers['x-request-id'], 'ivr-call-42')
      const keptOnError = await t.app.inject({ method: 'GET', url: '/api/nope', headers: { 'x-request-id': 'ivr-call-43' } })
      assert.equal(keptOnError.headers['x-request-id'], 'ivr-call-43')

      const generated = await t.app.inject({ method: 'GET', url: '/healthz' })
      assert.match(String(generated.headers['x-request-id']), UUID)
      const generatedOnError = await t.app.inject({ method: 'GET', url: SETTINGS })
      assert.equal(generatedOnError.statusCode, 401)
      assert.match(String(generatedOnError.headers['x-request-id']), UUID)
      assert.notEqual(generated.headers['x-request-id'], generatedOnError.headers['x-request-id'])
    })

    test('/healthz and /readyz answer 200 while the store is up', async () => {
      const health = await t.app.inject({ method: 'GET', url: '/healthz' })
      assert.equal(health.statusCode, 200)
      assert.deepEqual(json(health), { status: 'ok' })
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' })
      assert.equal(ready.statusCode, 200)
      assert.deepEqual(json(ready), { status: 'ready' })
    })

    test('the OpenAPI document is served and describes the settings and handoff paths', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/api-docs/json' })
      assert.equal(res.statusCode, 200)
      const doc = json(res)
      assert.match(doc.openapi, /^3\./)
      assert.equal(doc.info.title, 'Connect to Messaging')
      const paths = doc.paths as Record<string, Record<string, unknown>>
      assert.deepEqual(Object.keys(paths['/api/account/{accountId}/settings'] ?? {}).sort(), ['get', 'put'])
      assert.deepEqual(Object.keys(paths['/api/account/{accountId}/handoffs'] ?? {}).sort(), ['get', 'post'])
      assert.deepEqual(Object.keys(paths['/api/account/{accountId}/handoffs/{handoffId}'] ?? {}).sort(), ['delete', 'get', 'put'])
      assert.ok(paths['/api/account/{accountId}/app-jwt']?.post)
      assert.ok(doc.components.securitySchemes.oauth1)
      assert.ok(doc.components.securitySchemes.appJwt)
      assert.ok(paths['/healthz']?.get)
    })
  })

  describe(`a store that went away (${dialect.name})`, () => {
    test('/readyz is 503 and an authenticated call is a 500 without internals, while /healthz stays 200', async () => {
      const t = await startApp(dialect)
      try {
        const key = await provisionBrand(t.runtime, ACCOUNT)
        await t.runtime.db.destroy()

        const ready = await t.app.inject({ method: 'GET', url: '/readyz' })
        assert.equal(ready.statusCode, 503)
        assert.deepEqual(json(ready), { status: 'unavailable', errorCode: 5003, errorMessage: 'Service Unavailable' })
        assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)

        const res = await signedRequest(t, key, 'GET', SETTINGS)
        assertApiError(res, 500, 5000, 'Internal Server Error')
        assert.deepEqual(json(res), { errorCode: 5000, errorMessage: 'Internal Server Error' })
      } finally {
        // Closing destroys the store once more, which must be harmless.
        await t.close()
      }
    })
  })

  describe(`logs (${dialect.name})`, () => {
    test('JSON lines with the request id, phone numbers masked but the last 4 digits, no credentials', async () => {
      const t = await startApp(dialect)
      const { app: logged, lines } = await appWithCapturedLog(t)
      try {
        const key = await provisionBrand(t.runtime, ACCOUNT)
        const base = `/api/account/${ACCOUNT}/phone-numbers`
        const send = (method: 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
          logged.inject({ method, url, payload, headers: { authorization: signAt(key, method, PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000)), ...headers } })

        assert.equal((await send('POST', base, { number: '+18005550100', channel: 'sms' })).statusCode, 201)
        const deleted = await send('DELETE', `${base}/%2B18005550100`, undefined, { 'x-request-id': 'delete-number-1' })
        assert.equal(deleted.statusCode, 204)
        // A rejected request (the number is gone) and an unauthenticated one are logged too.
        assert.equal((await send('DELETE', `${base}/%2B18005550100`)).statusCode, 404)
        const bearer = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
        assert.equal((await logged.inject({ method: 'DELETE', url: `${base}/%2B18005550100`, headers: { authorization: bearer } })).statusCode, 401)

        // A literal `+`, and a URL the router rejects before any route runs.
        assert.equal((await send('DELETE', `${base}/+18005550100`)).statusCode, 404)
        assert.equal((await logged.inject({ method: 'DELETE', url: `${base}/%2B18005550100%zz` })).statusCode, 400)

        const text = lines.join('\n')
        const entries = lines.map((line) => JSON.parse(line) as { reqId?: string; req?: { url?: string; id?: string }; res?: object; msg?: string })
        assert.ok(entries.length >= 8, text)

        const incoming = entries.find((e) => e.reqId === 'delete-number-1' && e.req)
        assert.ok(incoming, `no request line for delete-number-1 in\n${text}`)
        assert.equal(incoming.req?.url, `${base}/%2B*******0100`)
        assert.ok(entries.some((e) => e.reqId === 'delete-number-1' && e.msg === 'request completed'))
        for (const entry of entries.filter((e) => e.req || e.res)) assert.equal(typeof entry.reqId, 'string', JSON.stringify(entry))

        assert.ok(!text.includes('18005550100'), text)
        assert.ok(!text.includes('5550100'), text)
        for (const secret of ['oauth_signature', 'oauth_nonce', 'OAuth ', key.secret, key.accessToken, key.accessTokenSecret, 'eyJhbGciOiJIUzI1NiJ9', 'c2lnbmF0dXJl']) {
          assert.ok(!text.includes(secret), `${secret} found in the log`)
        }
      } finally {
        await logged.close()
        await t.close()
      }
    })
  })
}
