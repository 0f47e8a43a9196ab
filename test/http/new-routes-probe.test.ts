import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { PUBLIC_ORIGIN, dialects, json, provisionBrand, signAt, startApp, type TestApp } from '../helper.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

// The routes issue 8 added, probed as an outsider would: no credentials, another brand's, oversized
// and deeply nested bodies, a huge array, a wrong content type, values out of range, markup. Each
// answer is a 4xx in our shape, never a 5xx, and small whatever the input.

const A = '7601'
const B = '7602'
const CALL = '00000000-0000-4000-8000-000000000000'

type Method = 'GET' | 'PUT' | 'POST'
const ROUTES: Array<{ method: Method; path: string; body?: unknown }> = [
  { method: 'GET', path: '/channel-modes' },
  { method: 'PUT', path: '/channel-modes/sms', body: { mode: 'sandbox' } },
  { method: 'GET', path: `/calls/${CALL}` },
  { method: 'POST', path: '/sandbox/inbound', body: { channel: 'sms', from: '+14259571201', to: '+18005550140', text: 'hello' } },
]

for (const dialect of dialects) {
  describe(`the routes issue 8 added, probed from outside (${dialect.name})`, () => {
    let t: TestApp
    let keyA: IssuedApiKey
    let keyB: IssuedApiKey

    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false' })
      keyA = await provisionBrand(t.runtime, A, ['management'])
      keyB = await provisionBrand(t.runtime, B, ['management'])
    })
    after(() => t.close())

    function send(key: IssuedApiKey | null, method: Method, path: string, payload?: string, contentType = 'application/json') {
      const url = `/api/account/${A}${path}`
      const headers: Record<string, string> = key ? { authorization: signAt(key, method, PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000)) } : {}
      const options: InjectOptions = { method, url, headers }
      if (payload !== undefined) {
        headers['content-type'] = contentType
        options.payload = payload
      }
      return t.app.inject(options)
    }

    function assertRefused(res: LightMyRequestResponse, status: number, context: string): void {
      assert.equal(res.statusCode, status, `${context}: ${res.statusCode} ${res.body.slice(0, 200)}`)
      assert.equal(typeof json(res).errorCode, 'number', context)
      assert.ok(res.body.length < 4096, `${context}: an answer of ${res.body.length} bytes`)
    }

    test('without credentials 401, with another brand\'s key 403', async () => {
      for (const route of ROUTES) {
        const payload = route.body === undefined ? undefined : JSON.stringify(route.body)
        assertRefused(await send(null, route.method, route.path, payload), 401, `${route.method} ${route.path} unsigned`)
        assertRefused(await send(keyB, route.method, route.path, payload), 403, `${route.method} ${route.path} as ${B}`)
      }
    })

    test('bodies: 1 MB, 10,000 levels deep, a huge array, the wrong content type', async () => {
      for (const route of ROUTES.filter((r) => r.body !== undefined)) {
        const context = `${route.method} ${route.path}`
        assertRefused(await send(keyA, route.method, route.path, JSON.stringify({ text: 'x'.repeat(1024 * 1024 + 10) })), 413, `${context} 1 MB`)
        assertRefused(await send(keyA, route.method, route.path, '['.repeat(10_000) + ']'.repeat(10_000)), 400, `${context} deep`)
        assertRefused(await send(keyA, route.method, route.path, JSON.stringify(Array.from({ length: 50_000 }, (_, i) => ({ mode: i })))), 400, `${context} array`)
        assertRefused(await send(keyA, route.method, route.path, JSON.stringify(route.body), 'text/plain'), 415, `${context} text/plain`)
      }
    })

    test('values out of range: unknown channels and modes, call ids that are no UUID, overlong and odd senders', async () => {
      assertRefused(await send(keyA, 'PUT', '/channel-modes/fax', JSON.stringify({ mode: 'sandbox' })), 400, 'channel fax')
      assertRefused(await send(keyA, 'PUT', `/channel-modes/${'s'.repeat(5000)}`, JSON.stringify({ mode: 'sandbox' })), 400, 'channel of 5,000 characters')
      assertRefused(await send(keyA, 'PUT', '/channel-modes/sms', JSON.stringify({ mode: ['live'] })), 400, 'mode as an array')
      assertRefused(await send(keyA, 'GET', `/calls/${'9'.repeat(2000)}`), 400, 'call id of 2,000 digits')
      assertRefused(await send(keyA, 'GET', '/calls/%00'), 400, 'call id NUL')
      assertRefused(await send(keyA, 'GET', `/calls/${CALL.toUpperCase()}`), 404, 'an unknown call, in capitals')
      const inbound = (body: object) => send(keyA, 'POST', '/sandbox/inbound', JSON.stringify({ channel: 'sms', to: '+18005550140', text: 'hi', ...body }))
      assertRefused(await inbound({ from: 'not a number' }), 400, 'from not a number')
      assertRefused(await inbound({ from: '+14259571201', text: 'x'.repeat(4097) }), 400, 'text too long')
      assertRefused(await inbound({ from: '+14259571201', messageId: 'a b' }), 400, 'messageId with a space')
      assertRefused(await inbound({ from: '+14259571201', channel: 'fax' }), 400, 'channel fax')
    })

    test('markup is kept as text and answered as JSON', async () => {
      const text = '<script>alert(1)</script>&amp;"\'{{constructor}}'
      const res = await send(keyA, 'POST', '/sandbox/inbound', JSON.stringify({ channel: 'sms', from: '+14259571202', to: '+18005550140', text }))
      assert.equal(res.statusCode, 201, res.body)
      assert.match(String(res.headers['content-type']), /^application\/json/)
      assert.equal(res.headers['x-content-type-options'], 'nosniff')
      assert.equal(json(res).text, text)
    })
  })
}
