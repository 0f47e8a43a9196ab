import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { TestApp } from '../helper.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import { PAGE_SECURITY_HEADERS } from '../../src/http/web-app.ts'
import { WatchedPage, type Webtool, skipReason, startWebtool } from './browser.ts'

describe('the webtool in a real browser: serving, login, the welcome page once, sign out', { skip: skipReason }, () => {
  let t: TestApp
  let base: string
  let browser: Browser
  let web: Webtool
  let admin: { login: string; password: string }
  let accountId: string

  before(async () => {
    web = await startWebtool()
    ;({ t, base, browser } = web)
    admin = web.demo.admin
    accountId = web.demo.accountId
  })
  after(async () => web?.close())

  async function signIn(watched: WatchedPage, password: string) {
    const { page } = watched
    await page.getByLabel('Account id').fill(accountId)
    await page.getByLabel('Login').fill(admin.login)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }

  test('pages carry the security headers; an unknown page path serves the app, an unknown API path stays a JSON 404', async () => {
    const page = await fetch(`${base}/whatever`)
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
    assert.equal(page.headers.get('cache-control'), 'no-cache')
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) assert.equal(page.headers.get(name), value, name)
    assert.doesNotMatch(PAGE_SECURITY_HEADERS['content-security-policy']!, /unsafe-inline/)
    const html = await page.text()
    assert.match(html, /<div id="root">/)
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script')

    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    assert.ok(asset)
    const script = await fetch(base + asset)
    assert.equal(script.status, 200)
    assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable')

    const api = await fetch(`${base}/api/account/1/nope`)
    assert.equal(api.status, 404)
    assert.deepEqual(await api.json(), { errorCode: 1004, errorMessage: 'Not Found' })
  })

  test('a wrong password is refused on the login page, which is accessible', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await page.goto('/')
      await page.waitForURL('**/login')
      await watched.assertAccessible('login page')
      watched.expected.push({ status: 401, path: '/login' })
      await signIn(watched, 'not-the-password')
      await assert.doesNotReject(page.getByRole('alert').filter({ hasText: 'The account id, login or password is not right.' }).waitFor())
      assert.equal(new URL(page.url()).pathname, '/login')
      await watched.assertAccessible('login page with its error')
      watched.assertClean()
    } finally {
      await watched.close('login-wrong-password')
    }
  })

  test('the admin signs in, sees the welcome page once, reaches home, keeps the session on reload, signs out, and is not welcomed again', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await page.goto('/login')
      await signIn(watched, admin.password)
      await page.waitForURL('**/welcome')
      await page.getByRole('heading', { name: 'Welcome to Connect to Messaging' }).waitFor()
      await page.getByRole('heading', { name: 'Your role: Admin' }).waitFor()
      assert.equal(await page.getByRole('link', { name: 'API reference' }).getAttribute('href'), '/api/api-docs')
      assert.equal(await page.getByRole('link', { name: 'service\'s guide' }).getAttribute('href'), '/docs/index.html')
      // The admin's next steps, each a link to the page where it is done.
      const steps = page.getByRole('list').filter({ hasText: 'Provider connections' }).getByRole('link')
      assert.deepEqual(await steps.evaluateAll((links) => links.map((a) => a.getAttribute('href'))), ['/settings', '/simulator', '/handoffs/new', '/users', '/api-keys', '/connections'])
      await watched.assertAccessible('welcome page')

      await page.getByRole('button', { name: 'Continue' }).click()
      await page.waitForURL((url) => url.pathname === '/')
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      await page.getByText(`Account ${accountId}`).waitFor()
      await page.getByText('Signed in as').waitFor()
      await watched.assertAccessible('home page')

      await page.reload()
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      assert.equal(new URL(page.url()).pathname, '/')

      // Every page path is the app: the welcome page, once seen, sends home.
      await page.goto('/welcome')
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      assert.equal(new URL(page.url()).pathname, '/')

      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.waitForURL('**/login')
      await page.getByRole('heading', { name: 'Sign in to Connect to Messaging' }).waitFor()
      // The remembered account is filled in; the session is over on the server too.
      assert.equal(await page.getByLabel('Account id').inputValue(), accountId)
      watched.expected.push({ status: 401, path: '/session' })
      const after = await page.evaluate(async (id) => (await fetch(`/api/account/${id}/session`)).status, accountId)
      assert.equal(after, 401)

      await signIn(watched, admin.password)
      await page.waitForURL((url) => url.pathname === '/')
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      watched.assertClean()
    } finally {
      await watched.close('signed-in-home')
    }
  })

  test('a campaign manager follows a next step from the welcome page, which then never comes back', async () => {
    const person = { login: 'campaigns', password: 'campaigns-password-1' }
    await createUser(t.runtime, { accountId, login: person.login, role: 'campaign-manager', skills: [], password: person.password })
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await page.goto('/login')
      await page.getByLabel('Account id').fill(accountId)
      await page.getByLabel('Login').fill(person.login)
      await page.getByLabel('Password').fill(person.password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Your role: Campaign manager' }).waitFor()
      await page.getByRole('link', { name: 'New API handoff' }).click()
      await page.waitForURL('**/handoffs/new', { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'New API handoff', level: 1 }).waitFor()
      await page.goto('/welcome')
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      assert.equal(new URL(page.url()).pathname, '/')
      watched.assertClean()
    } finally {
      await watched.close('welcome-next-step')
    }
  })

  test('the guide the welcome page links is the README, served with its pictures and the pages\' security headers', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      const answer = await page.goto('/docs/index.html')
      assert.equal(answer?.status(), 200)
      for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) assert.equal(answer?.headers()[name], value, name)
      await page.getByRole('heading', { name: 'Connect to Messaging', level: 1 }).waitFor()
      // Every picture loads, and the README's own anchors lead somewhere on the page.
      const pictures = await page.locator('img').evaluateAll((images) => images.map((img) => ({ src: (img as HTMLImageElement).src, loaded: (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0 })))
      assert.equal(pictures.length, 4)
      for (const picture of pictures) assert.ok(picture.loaded, `${picture.src} loads`)
      const anchors = await page.locator('a[href^="#"]').evaluateAll((links) => links.map((a) => a.getAttribute('href')!.slice(1)))
      assert.ok(anchors.length > 0)
      for (const anchor of anchors) assert.equal(await page.locator(`[id="${anchor}"]`).count(), 1, `#${anchor} exists`)
      await watched.assertAccessible('the guide')
      await page.getByRole('link', { name: 'Back to the webtool' }).click()
      await page.waitForURL((url) => url.pathname === '/login', { waitUntil: 'commit' })
      watched.assertClean()
    } finally {
      await watched.close('guide')
    }
  })
})
