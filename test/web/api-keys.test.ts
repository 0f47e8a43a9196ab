import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { TestApp } from '../helper.ts'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { WatchedPage, type Webtool, ivrRequest, signInThroughPages, skipReason, startWebtool } from './browser.ts'

const CAMPAIGN_MANAGER = { login: 'campaigns', password: 'campaigns-password-1' }

// The API keys page in a real browser: the demo admin creates a key, sees its four values once,
// an IVR signs a real request with them, and the admin revokes it; a campaign manager has no page.
describe('API keys in a real browser: create, the values shown once, a signed call, revoke', { skip: skipReason }, () => {
  let t: TestApp
  let base: string
  let browser: Browser
  let web: Webtool
  let demo: DemoCredentials

  before(async () => {
    web = await startWebtool(undefined, {}, async (t, demo) => {
      await createUser(t.runtime, { accountId: demo.accountId, login: CAMPAIGN_MANAGER.login, role: 'campaign-manager', skills: [], password: CAMPAIGN_MANAGER.password })
    })
    ;({ t, base, browser, demo } = web)
  })
  after(async () => web?.close())

  const signIn = (watched: WatchedPage, person: { login: string; password: string }) => signInThroughPages(watched, demo.accountId, person)

  /** A GET as an IVR sends it, signed with `key`. */
  const signedGet = (key: Omit<IssuedApiKey, 'id' | 'privileges'>, resource: string) => ivrRequest(web, 'GET', resource, undefined, key)

  test('the demo admin creates a key, copies its four values once, an IVR calls with it, and the admin revokes it', async () => {
    const watched = await WatchedPage.open(browser, base)
    await watched.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click()
      await page.waitForURL('**/api-keys')
      await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor()
      const list = page.getByRole('region', { name: 'Keys' })
      // The demo's own key is listed, by its app key only.
      await list.getByRole('row', { name: new RegExp(demo.apiKey.appKey) }).getByText('Active').waitFor()
      assert.equal(await page.getByText(demo.apiKey.secret).count(), 0)

      // IVR Engagement comes first, and is checked from the start.
      const privileges = page.getByRole('group', { name: 'Privileges' }).getByRole('checkbox')
      assert.deepEqual(await privileges.evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value)), ['ivr-engagement', 'management', 'reporting', 'conversations'])
      assert.equal(await page.getByRole('checkbox', { name: /IVR Engagement/ }).isChecked(), true)
      await watched.assertAccessible('API keys, the form')

      // A name of spaces only: the server's answer is shown next to the field.
      watched.expected.push({ status: 400, path: '/api-keys' })
      await page.getByLabel('Application name').fill('   ')
      await page.getByLabel('Developer name').fill('Dana Developer')
      await page.getByRole('button', { name: 'Create the key' }).click()
      await page.getByText('app name must be 1 to 200 characters').waitFor()
      await page.getByRole('alert').getByText('Please correct the fields below.').waitFor()

      await page.getByLabel('Application name').fill('Main IVR <script>')
      await page.getByRole('checkbox', { name: /Management/ }).check()
      await page.getByRole('button', { name: 'Create the key' }).click()

      const issued = page.getByRole('region', { name: 'Key created for Main IVR <script>' })
      await issued.getByText('they will not be shown again').waitFor()
      const valueOf = (label: string) => issued.getByRole('definition').filter({ has: page.getByRole('button', { name: `Copy ${label}`, exact: true }) }).locator('code').innerText()
      const key = {
        appKey: await valueOf('App key (consumer key)'),
        secret: await valueOf('Secret (consumer secret)'),
        accessToken: await valueOf('Access token'),
        accessTokenSecret: await valueOf('Access token secret'),
      }
      for (const value of Object.values(key)) assert.match(value, /^\S{8,}$/)
      await issued.getByRole('button', { name: 'Copy Secret (consumer secret)' }).click()
      await issued.getByRole('status').filter({ hasText: 'Copied' }).waitFor()
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key.secret)
      await watched.assertAccessible('API keys, a key just created')
      await page.screenshot({ path: 'test-results/screenshots/api-keys-created.png', fullPage: true })

      // The new key is listed with both privileges; the text typed stays text.
      const row = list.getByRole('row', { name: new RegExp(key.appKey) })
      await row.getByText('IVR Engagement, Management').waitFor()
      assert.equal(await page.locator('script').filter({ hasText: 'Main IVR' }).count(), 0)

      // An IVR signs a real request with the four values: eligibility needs IVR Engagement, handoffs Management.
      const handoffs = await signedGet(key, 'handoffs?page=1&pageSize=1')
      assert.equal(handoffs.status, 200, handoffs.body)
      const wrongSecret = await signedGet({ ...key, secret: `${key.secret}x` }, 'handoffs?page=1&pageSize=1')
      assert.equal(wrongSecret.status, 401, 'a wrong secret is refused, so the 200 was the key\'s doing')

      // After a reload the values are gone for good: only the app key remains, in the list.
      await page.reload()
      await row.getByText('Active').waitFor()
      assert.equal(await page.getByRole('region', { name: /^Key created for/ }).count(), 0)
      for (const secret of [key.secret, key.accessToken, key.accessTokenSecret]) assert.equal(await page.getByText(secret).count(), 0)

      // Revoking asks first, inline; No keeps the key.
      await row.getByRole('button', { name: 'Revoke Main IVR <script>' }).click()
      await row.getByText('Revoke Main IVR <script>? It stops working at once.').waitFor()
      await row.getByRole('button', { name: 'No' }).click()
      await row.getByRole('button', { name: 'Revoke Main IVR <script>' }).waitFor()
      assert.equal(await row.getByText('Active').count(), 1)

      await row.getByRole('button', { name: 'Revoke Main IVR <script>' }).click()
      await watched.assertAccessible('API keys, confirming a revocation')
      await row.getByRole('button', { name: 'Yes, revoke' }).click()
      await row.getByText('Revoked', { exact: true }).waitFor()
      assert.equal(await row.getByRole('button', { name: /Revoke/ }).count(), 0)
      const afterRevoke = await signedGet(key, 'handoffs?page=1&pageSize=1')
      assert.equal(afterRevoke.status, 401, afterRevoke.body)

      await watched.assertAccessible('API keys after a revocation')
      watched.assertClean()
    } finally {
      await watched.close('api-keys')
    }
  })

  test('a campaign manager has no API keys: no menu entry, and its address leads home', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, CAMPAIGN_MANAGER)
      const nav = page.getByRole('navigation', { name: 'Main' })
      await nav.getByRole('link', { name: 'Consumer simulator' }).waitFor()
      assert.equal(await nav.getByRole('link', { name: 'API keys' }).count(), 0)
      await page.goto('/api-keys')
      await page.waitForURL((url) => url.pathname === '/')
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      watched.assertClean()
    } finally {
      await watched.close('api-keys-campaign-manager')
    }
  })
})
