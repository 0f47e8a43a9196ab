import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { dialects, type TestApp } from '../helper.ts'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { insertHandoff } from '../../src/handoffs/handoff.repository.ts'
import { upsertDevice } from '../../src/contacts/device.repository.ts'
import { WatchedPage, type Webtool, signInThroughPages, skipReason, startWebtool } from './browser.ts'

const CONSUMER = '+14259549855'
const INVITATION = 'Hi Jane, thanks for calling Demo Brand. Reply here to keep talking with us by text.'
const APP = 'com.demo.brand'
const APP_USER = 'jane-in-app'

for (const dialect of dialects) {
  // Screenshots are the SQLite run's; PostgreSQL's are named apart.
  const shot = (name: string) => (dialect.name === 'sqlite' ? name : `${name}-${dialect.name}`)

  describe(`the consumer simulator in a real browser: an IVR call, the phone receives the text, the consumer replies (${dialect.name})`, { skip: skipReason }, () => {
    let t: TestApp
    let base: string
    let browser: Browser
    let web: Webtool
    let demo: DemoCredentials

    before(async () => {
      web = await startWebtool(dialect, {}, async (t, demo) => {
        // An App Messaging handoff, and Jane's app installed on her phone.
        const now = t.clock.now().toISOString()
        await insertHandoff(t.runtime.db, demo.accountId, {
          id: 'H000000000000777',
          title: 'Demo app handoff',
          lookbackMinutes: 24 * 60,
          channels: ['inapp'],
          skills: [],
          inapp: { appIds: [APP], message: 'Tap to keep talking with Demo Brand in the app.' },
          createdAt: now,
          updatedAt: now,
        })
        await upsertDevice(t.runtime.db, demo.accountId, { consumerId: APP_USER, appId: APP, platform: 'ios', pushToken: 'push-token-of-jane', createdAt: now, updatedAt: now })
      })
      ;({ t, base, browser, demo } = web)
    })
    after(async () => web?.close())

    const signIn = (watched: WatchedPage, person: { login: string; password: string } = demo.admin) => signInThroughPages(watched, demo.accountId, person)

    test('the demo admin runs the journey\'s first half: call, text, reply — and a reply in HTML stays text', async () => {
      const watched = await WatchedPage.open(browser, base)
      try {
        const { page } = watched
        await signIn(watched)
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Consumer simulator' }).click()
        await page.waitForURL('**/simulator')
        await page.getByRole('heading', { name: 'Consumer simulator', level: 1 }).waitFor()
        // The form is ready once the demo handoff is chosen and its {{1}} offered.
        await page.getByLabel('Variable {{1}}').waitFor()
        await watched.assertAccessible('simulator, empty')

        await page.getByLabel('Consumer phone number').fill(CONSUMER)
        await page.getByLabel('Handoff').selectOption({ label: 'Demo SMS handoff (sms)' })
        await page.getByLabel('Skill').selectOption('support')
        await page.getByLabel('Variable {{1}}').fill('Jane')
        await page.getByRole('button', { name: 'Place the call' }).click()

        const eligibility = page.getByRole('region', { name: 'Eligibility answer' })
        const invite = page.getByRole('region', { name: 'Invite answer' })
        await eligibility.getByText('HTTP 200').waitFor()
        await invite.getByText('HTTP 200').waitFor()
        assert.match(await eligibility.locator('pre').innerText(), /"eligible": true/)
        assert.match(await invite.locator('pre').innerText(), /"callId": "[0-9a-f-]{36}"/)

        // The dispatcher delivers in the background; the phone polls its thread.
        const phone = page.getByRole('region', { name: `Phone ${CONSUMER}` })
        await phone.getByRole('listitem').filter({ hasText: INVITATION }).waitFor({ timeout: 15_000 })

        // The store orders a thread by time: the reply comes a moment after the text.
        t.clock.advance(1000)
        await phone.getByLabel(`Reply from ${CONSUMER}`).fill('Yes please')
        await phone.getByRole('button', { name: 'Send' }).click()
        await phone.getByRole('listitem').filter({ hasText: 'Yes please' }).waitFor()

        // The reply opened a conversation with the consumer on the call's skill, from the deflection.
        const conversations = await t.runtime.db.selectFrom('conversations').select(['consumer', 'channel', 'skill', 'source', 'call_id']).where('account_id', '=', demo.accountId).execute()
        assert.equal(conversations.length, 1, JSON.stringify(conversations))
        assert.deepEqual({ ...conversations[0], call_id: typeof conversations[0]!.call_id }, { consumer: CONSUMER, channel: 'sms', skill: 'support', source: 'ivr-deflection', call_id: 'string' })

        // A consumer's HTML is shown as the consumer typed it, never rendered.
        t.clock.advance(1000)
        await phone.getByLabel(`Reply from ${CONSUMER}`).fill('<b>bold</b> move')
        await phone.getByRole('button', { name: 'Send' }).click()
        const html = phone.getByRole('listitem').filter({ hasText: '<b>bold</b> move' })
        await html.waitFor()
        assert.equal(await phone.locator('b').count(), 0, 'no <b> element in the thread')

        await watched.assertAccessible('simulator after the journey')
        watched.assertClean()
      } finally {
        await watched.close(shot('simulator'))
      }
    })

    test('an app user receives the push and the in-app message, and replies in the app', async () => {
      const watched = await WatchedPage.open(browser, base)
      try {
        const { page } = watched
        await signIn(watched)
        await page.goto('/simulator')
        await page.getByLabel('Handoff').selectOption({ label: 'Demo app handoff (inapp)' })
        // A wrong number gets the C2M API's own answer, and no invite follows.
        await page.getByLabel('Consumer phone number').fill('4259549866')
        await page.getByLabel('Consumer id (app user)').fill(APP_USER)
        await page.getByRole('button', { name: 'Place the call' }).click()
        await page.getByRole('region', { name: 'Eligibility answer' }).getByText('HTTP 400').waitFor()
        assert.match(await page.getByRole('region', { name: 'Eligibility answer' }).locator('pre').innerText(), /"errorCode": 1001/)
        await page.getByRole('region', { name: 'Invite answer' }).getByText('Not sent: an IVR invites only an eligible caller.').waitFor()

        await page.getByLabel('Consumer phone number').fill('+14259549866')
        await page.getByLabel('Consumer id (app user)').fill(APP_USER)
        await page.getByRole('button', { name: 'Place the call' }).click()
        await page.getByRole('region', { name: 'Invite answer' }).getByText('HTTP 200').waitFor()
        assert.match(await page.getByRole('region', { name: 'Eligibility answer' }).locator('pre').innerText(), /"recommendedChannelName": "inapp"/)

        const app = page.getByRole('region', { name: `App of ${APP_USER}` })
        await app.getByRole('status', { name: 'Push notification' }).getByText('Tap to keep talking with Demo Brand in the app.').waitFor({ timeout: 15_000 })
        await app.getByRole('listitem').filter({ hasText: 'Tap to keep talking' }).waitFor()
        t.clock.advance(1000)
        await app.getByLabel(`Reply in the app as ${APP_USER}`).fill('On my way')
        await app.getByRole('button', { name: 'Send' }).click()
        await app.getByRole('listitem').filter({ hasText: 'On my way' }).waitFor()
        // No phone for an in-app call.
        assert.equal(await page.getByRole('region', { name: /^Phone / }).count(), 0)

        await watched.assertAccessible('simulator with an app')
        watched.assertClean()
      } finally {
        await watched.close(shot('simulator-app'))
      }
    })

    test('an agent has no simulator: no menu entry, and its address leads to their workspace', async () => {
      const watched = await WatchedPage.open(browser, base)
      try {
        const { page } = watched
        await signIn(watched, demo.agents[0]!)
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agent workspace' }).waitFor()
        assert.equal(await page.getByRole('link', { name: 'Consumer simulator' }).count(), 0)
        await page.goto('/simulator')
        // Home is no agent's page: it sends them on to the workspace.
        await page.waitForURL((url) => url.pathname === '/workspace', { waitUntil: 'commit' })
        watched.assertClean()
      } finally {
        await watched.close(shot('simulator-agent'))
      }
    })
  })
}
