import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { ManualClock, type TestApp, type TestDialect, signAt, startApp } from '../helper.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { type DemoCredentials, seedDemoBrand } from '../../src/demo/seed.ts'

export const CHROMIUM = '/usr/bin/chromium'
const ROOT = path.resolve(import.meta.dirname, '..', '..')
export const WEB_DIR = path.join(ROOT, 'dist', 'web')
const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots')
/** The README's pictures, as the last test run took them. */
export const README_SHOTS = path.join(ROOT, 'test-results', 'readme')
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Why the browser tests cannot run here, or `undefined`: CI installs chromium (.ci/run), a dev machine may lack it. */
export const skipReason = fs.existsSync(CHROMIUM) ? undefined : `no ${CHROMIUM} here: install Debian's chromium (apt-get install chromium) to run the browser tests`

/**
 * Builds the pages unless dist/web is already newer than web/ (the same check `npm start` makes).
 * `npm test` builds once before any test file starts: test files run two at a time, and a build
 * empties dist/web while another file's server may be serving from it.
 */
export function ensureWebBuild(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-web.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' })
}

/** Headless Debian chromium, as playwright-core 1.64.1 drives it; `launch` gives it a new, empty profile directory and removes it on close. */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
  return {
    browser,
    async close() {
      await browser.close()
    },
  }
}

/** The real service with its built pages and the demo brand, listening on loopback, and a browser to drive it. */
export interface Webtool {
  t: TestApp
  /** `http://127.0.0.1:<port>`. */
  base: string
  browser: Browser
  demo: DemoCredentials
  close(): Promise<void>
}

/**
 * The service as `npm start` runs it, for a browser: the pages built, the demo brand seeded, `prepare`
 * (what a test adds to the store) done, then listening on loopback. No PUBLIC_URL: the session
 * cookie is then Secure only over https, and the browser talks plain http on loopback. The clock
 * starts at the real time, as the browser's does.
 */
export async function startWebtool(dialect?: TestDialect, env: Record<string, string> = {}, prepare: (t: TestApp, demo: DemoCredentials) => Promise<void> = async () => {}): Promise<Webtool> {
  ensureWebBuild()
  const t = await startApp(dialect, { WEB_DIR, PUBLIC_URL: '', ...env }, new ManualClock(new Date().toISOString()))
  try {
    const demo = await seedDemoBrand(t.runtime)
    assert.ok(demo, 'the demo brand is seeded in a new store')
    await prepare(t, demo)
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 })
    const { browser, close } = await launchBrowser()
    return {
      t,
      base,
      browser,
      demo,
      async close() {
        await close()
        await t.close()
      },
    }
  } catch (error) {
    await t.close()
    throw error
  }
}

/**
 * Signs a person in from the login page and passes the welcome page when it comes; ends wherever
 * the role lands (Home, or the workspace for agents: the `/` in between may pass unseen).
 */
export async function signInThroughPages(watched: WatchedPage, accountId: string, person: { login: string; password: string }): Promise<void> {
  const { page } = watched
  await page.goto('/login')
  await page.getByLabel('Account id').fill(accountId)
  await page.getByLabel('Login').fill(person.login)
  await page.getByLabel('Password').fill(person.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL((url) => url.pathname !== '/login', { waitUntil: 'commit' })
  if (new URL(page.url()).pathname === '/welcome') {
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.waitForURL((url) => url.pathname !== '/welcome', { waitUntil: 'commit' })
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'
/** An answer read as JSON (`undefined` when empty). */
export interface JsonAnswer {
  status: number
  /** As each test reads the answer it expects. */
  body: any
}

async function jsonAnswer(response: Response): Promise<JsonAnswer> {
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

/**
 * A request as the brand's IVR sends it: over HTTP to the listening origin (no PUBLIC_URL here),
 * signed for the URL it calls with `key` (the demo brand's by default) at the service's clock.
 */
export async function ivrRequest(web: Pick<Webtool, 't' | 'base' | 'demo'>, method: Method, resource: string, body?: unknown, key: Omit<IssuedApiKey, 'id' | 'privileges'> = web.demo.apiKey): Promise<JsonAnswer> {
  const url = `${web.base}/api/account/${web.demo.accountId}/${resource}`
  const authorization = signAt({ ...key, id: '', privileges: [] }, method, url, Math.floor(web.t.clock.now().getTime() / 1000))
  const headers: Record<string, string> = { authorization }
  if (body !== undefined) headers['content-type'] = 'application/json'
  return jsonAnswer(await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }))
}

/** `ivrRequest` that must be answered `status`: resolves with the answer's body. */
export async function ivrCall(web: Pick<Webtool, 't' | 'base' | 'demo'>, method: Method, resource: string, body: unknown, status: number) {
  const answer = await ivrRequest(web, method, resource, body)
  assert.equal(answer.status, status, `${method} ${resource}: ${JSON.stringify(answer.body)}`)
  return answer.body
}

/** A request with a person's own session, signed in over HTTP as the page is (session cookie and CSRF token). */
export async function requestAs(web: Pick<Webtool, 'base' | 'demo'>, person: { login: string; password: string }, method: Method, resource: string, body?: unknown): Promise<JsonAnswer> {
  const api = `${web.base}/api/account/${web.demo.accountId}`
  const login = await fetch(`${api}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(person) })
  assert.equal(login.status, 200, await login.clone().text())
  const cookie = login.headers.getSetCookie().map((c) => c.split(';', 1)[0]).join('; ')
  const { csrfToken } = (await login.json()) as { csrfToken: string }
  const headers: Record<string, string> = { cookie, 'x-csrf-token': csrfToken }
  if (body !== undefined) headers['content-type'] = 'application/json'
  return jsonAnswer(await fetch(`${api}/${resource}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }))
}

/** A request from the page, with its session cookie and CSRF token, as the webtool sends it. */
export async function requestFromPage(page: Page, accountId: string, method: string, path: string, body?: unknown): Promise<JsonAnswer> {
  // No named function inside: tsx would wrap it in a helper the page does not have.
  return page.evaluate(
    async ({ accountId, method, path, body }) => {
      const account = `/api/account/${accountId}`
      const session = (await (await fetch(`${account}/session`)).json()) as { csrfToken: string }
      const headers: Record<string, string> = { 'x-csrf-token': session.csrfToken, accept: 'application/json' }
      if (body !== undefined) headers['content-type'] = 'application/json'
      const res = await fetch(`${account}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : undefined }
    },
    { accountId, method, path, body },
  )
}

/** A request the test expects to be refused (a wrong password's 401): Chromium logs it as a console error. */
export interface ExpectedRefusal {
  status: number
  path: string
}

/**
 * A page in a fresh browser context that records every console error, page error, failed
 * request, server error answer and Content-Security-Policy violation, for `assertClean`.
 */
export class WatchedPage {
  readonly problems: string[] = []
  readonly expected: ExpectedRefusal[] = []

  private constructor(readonly context: BrowserContext, readonly page: Page) {}

  static async open(browser: Browser, baseURL: string): Promise<WatchedPage> {
    const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const watched = new WatchedPage(context, page)
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`)
      })
    })
    page.on('console', (message) => {
      if (message.type() !== 'error') return
      const refused = /status of (\d+)/.exec(message.text())
      const url = message.location().url
      if (refused && watched.expected.some((e) => String(e.status) === refused[1] && new URL(url).pathname.endsWith(e.path))) return
      watched.problems.push(`console error: ${message.text()} (${url})`)
    })
    page.on('pageerror', (error) => watched.problems.push(`page error: ${error.message}`))
    page.on('requestfailed', (request) => {
      // A page that leaves closes its live event stream: the browser aborts that request, and that is all.
      if (request.failure()?.errorText === 'net::ERR_ABORTED' && new URL(request.url()).pathname.endsWith('/events')) return
      watched.problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`)
    })
    page.on('response', (response) => {
      const { pathname } = new URL(response.url())
      if (response.status() >= 400 && !watched.expected.some((e) => e.status === response.status() && pathname.endsWith(e.path))) {
        watched.problems.push(`answer ${response.status()}: ${response.request().method()} ${response.url()}`)
      }
    })
    return watched
  }

  /** axe-core in the page: no serious or critical violation. */
  async assertAccessible(what: string): Promise<void> {
    // Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not block it.
    await this.page.evaluate(AXE_SOURCE)
    const violations = await this.page.evaluate(async () => {
      const result = await (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe.run()
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)) }))
    })
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    assert.deepEqual(serious, [], `${what}: axe found serious or critical violations`)
  }

  assertClean(): void {
    assert.deepEqual(this.problems, [], 'the browser saw errors')
  }

  /**
   * Saves the page as it is now as one of the README's pictures (`npm run screenshots` copies them
   * into docs/screenshots/): taken by the tests from the real pages, never drawn by hand.
   */
  async readmeShot(name: 'handoff-list' | 'handoff-preview' | 'workspace-cx-widget' | 'simulator'): Promise<void> {
    fs.mkdirSync(README_SHOTS, { recursive: true })
    await this.page.screenshot({ path: path.join(README_SHOTS, `${name}.png`), fullPage: true })
  }

  /** Saves the page as it is now, then closes the context. */
  async close(name: string): Promise<void> {
    fs.mkdirSync(SCREENSHOTS, { recursive: true })
    await this.page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true }).catch(() => {})
    await this.context.close()
  }
}
