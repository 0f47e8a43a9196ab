import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { dialects, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'

// Who may frame a page: nobody, except the CX widget page of a brand that named the origins of
// its desk in its conversation settings. Over HTTP, on a stand-in build of the webtool.

const A = '70000001'
const B = '70000002'
const CONVERSATION = '0f8fad5b-d9cb-469f-a165-70867728950e'
const DESK = ['https://desk.example.com', 'https://*.lpdesk.example.net:8443']

for (const dialect of dialects) {
  describe(`the CX widget page's frame ancestors (${dialect.name})`, () => {
    let t: TestApp
    let a: BrandFixture
    let b: BrandFixture
    let webDir: string

    before(async () => {
      webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-web-'))
      fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>webtool</title>')
      t = await startApp(dialect, { WEB_DIR: webDir })
      a = await brandFixture(t, A)
      b = await brandFixture(t, B)
    })
    after(async () => {
      await t?.close()
      fs.rmSync(webDir, { recursive: true, force: true })
    })

    async function frames(url: string): Promise<{ ancestors: string; xfo: string | undefined }> {
      const res = await t.app.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 200, url)
      assert.match(String(res.headers['content-type']), /text\/html/)
      const csp = String(res.headers['content-security-policy'])
      const ancestors = /frame-ancestors ([^;]*);/.exec(csp)?.[1]
      assert.ok(ancestors, csp)
      // The rest of the policy is the same on every page.
      assert.equal(csp.replace(/frame-ancestors [^;]*;/, ''), "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';  base-uri 'self'; form-action 'self'")
      return { ancestors, xfo: res.headers['x-frame-options'] as string | undefined }
    }
    const none = { ancestors: "'none'", xfo: 'DENY' }
    const page = (account: string, conversation = CONVERSATION) => `/cx-widget?account=${account}&conversation=${conversation}`

    test('by default nothing may frame any page, the CX widget page included', async () => {
      assert.deepEqual((await a.call('GET', 'conversation-settings', undefined, 200)).cxWidgetFrameAncestors, [])
      for (const url of ['/', '/workspace', '/login', page(A), page(B)]) assert.deepEqual(await frames(url), none, url)
    })

    test("a brand's origins frame its CX widget page only, and other settings keep them", async () => {
      const saved = await a.call('PUT', 'conversation-settings', { ringTimeoutSeconds: 45, autoAccept: false, cxWidgetFrameAncestors: DESK }, 200)
      assert.deepEqual(saved, { ringTimeoutSeconds: 45, autoAccept: false, cxWidgetFrameAncestors: DESK })
      assert.deepEqual(await frames(page(A)), { ancestors: DESK.join(' '), xfo: undefined })
      // Never revalidated against a cached copy that carries other frame headers.
      const res = await t.app.inject({ method: 'GET', url: page(A) })
      assert.equal(res.headers['cache-control'], 'no-store')
      assert.equal(res.headers.etag, undefined)
      assert.equal(res.headers['last-modified'], undefined)
      assert.deepEqual(await frames(`/cx-widget?conversation=${CONVERSATION}&account=${A}&x=1`), { ancestors: DESK.join(' '), xfo: undefined })
      // Another brand's page, and every other page, stay unframable.
      assert.deepEqual(await frames(page(B)), none)
      for (const url of ['/', '/workspace', `/workspace?account=${A}&conversation=${CONVERSATION}`, `/cx-widget/x?account=${A}&conversation=${CONVERSATION}`]) {
        assert.deepEqual(await frames(url), none, url)
      }
      // A PUT without the field keeps the origins.
      assert.deepEqual(await a.call('PUT', 'conversation-settings', { ringTimeoutSeconds: 60, autoAccept: true }, 200), { ringTimeoutSeconds: 60, autoAccept: true, cxWidgetFrameAncestors: DESK })
      assert.deepEqual((await a.call('GET', 'conversation-settings', undefined, 200)).cxWidgetFrameAncestors, DESK)
      // Development desks on this machine.
      await b.call('PUT', 'conversation-settings', { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: ['http://localhost:5173', 'http://127.0.0.1'] }, 200)
      assert.deepEqual(await frames(page(B)), { ancestors: 'http://localhost:5173 http://127.0.0.1', xfo: undefined })
      await b.call('PUT', 'conversation-settings', { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: [] }, 200)
      assert.deepEqual(await frames(page(B)), none)
    })

    test('a query that does not name a brand and a conversation frames nothing', async () => {
      for (const url of [
        '/cx-widget',
        `/cx-widget?account=${A}`,
        `/cx-widget?conversation=${CONVERSATION}`,
        page(A, 'not-a-uuid'),
        page(`${A}x`),
        page(`${A}%20${B}`),
        page('99999999'),
        page('1'.repeat(21)),
        page(`${A}'; DROP TABLE conversation_settings; --`),
        `/cx-widget?account=${A}&conversation=${CONVERSATION}&pad=${'x'.repeat(600)}`,
        `/cx-widget?account=%ZZ&conversation=${CONVERSATION}`,
      ]) {
        assert.deepEqual(await frames(url), none, url)
      }
      assert.deepEqual(await frames(page(A)), { ancestors: DESK.join(' '), xfo: undefined }, 'the brand still frames its page')
    })

    test('only exact origins are accepted, with the field named', async () => {
      const hostile = [
        'http://desk.example.com',
        'https://desk.example.com/',
        'https://desk.example.com/path',
        'https://desk.example.com?x=1',
        'https://desk.example.com#x',
        'https://user@desk.example.com',
        'https://*',
        'https://*.com',
        'https://desk.*.example.com',
        '*',
        "'self'",
        "'unsafe-inline'",
        'https://desk.example.com; script-src *',
        'https://desk.example.com https://evil.example',
        'https://DESK.example.com',
        'https://desk.example.com:99999',
        'https://desk.example.com:0',
        'https://desk.example.com:065',
        'https://desk.example.com:65536',
        'javascript:alert(1)',
        'data:',
        'https://-desk.example.com',
        `https://${'a'.repeat(64)}.example.com`,
        `https://${'abcdefghij.'.repeat(20)}com`,
        '',
      ]
      for (const origin of hostile) {
        const res = await a.request('PUT', 'conversation-settings', { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: [origin] })
        assert.equal(res.statusCode, 400, `${origin}: ${res.body}`)
        assert.ok(JSON.parse(res.body).fields?.some((f: { field: string }) => f.field.startsWith('cxWidgetFrameAncestors')), res.body)
      }
      for (const body of [
        { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: Array.from({ length: 11 }, (_, i) => `https://d${i}.example.com`) },
        { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: ['https://d.example.com', 'https://d.example.com'] },
        { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: 'https://d.example.com' },
        { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: [42] },
      ]) {
        const res = await a.request('PUT', 'conversation-settings', body)
        assert.equal(res.statusCode, 400, res.body)
      }
      // Ten is the most; the brand's setting is unchanged by the refusals.
      const ten = Array.from({ length: 10 }, (_, i) => `https://d${i}.example.com`)
      await a.call('PUT', 'conversation-settings', { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: ten }, 200)
      assert.deepEqual(await frames(page(A)), { ancestors: ten.join(' '), xfo: undefined })
    })
  })
}
