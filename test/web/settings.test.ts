import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { randomUUID } from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { dialects, type TestApp } from '../helper.ts'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import { saveConnection } from '../../src/channels/connections/connection.repository.ts'
import { WatchedPage, type Webtool, requestFromPage, signInThroughPages, skipReason, startWebtool } from './browser.ts'

const LPA = { login: 'reviewer', password: 'reviewer-password-3' }
const MANAGER = { login: 'campaigns', password: 'campaigns-password-4' }

/** The accessible name of the focused element, as far as these controls need it. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null
    if (!element) return ''
    const input = element as HTMLInputElement
    return (element.getAttribute('aria-label') ?? (input.labels?.[0]?.textContent || element.textContent) ?? '').replace(/\s+/g, ' ').trim()
  })
}

/** Whether the focus is on something other than the page itself (a save must not drop it to <body>). */
function focusKept(page: Page): Promise<boolean> {
  return page.evaluate(() => document.activeElement !== null && document.activeElement !== document.body)
}

/** Presses Tab (and only Tab) until the control named `name` has the focus. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let presses = 0; presses < 80; presses++) {
    if ((await focusedName(page)) === name) return
    await page.keyboard.press('Tab')
  }
  assert.fail(`Tab never reached ${name}`)
}

for (const dialect of dialects) {
  const shot = (name: string) => (dialect.name === 'sqlite' ? name : `${name}-${dialect.name}`)

  describe(`the Settings page in a real browser (${dialect.name})`, { skip: skipReason }, () => {
    let t: TestApp
    let base: string
    let browser: Browser
    let web: Webtool
    let demo: DemoCredentials

    before(async () => {
      // Twilio is connected but SMS left in the sandbox; WhatsApp and FCM are not connected.
      web = await startWebtool(dialect, {}, async (app, seeded) => {
        await saveConnection(app.runtime.db, app.runtime.secrets, seeded.accountId, 'twilio', { accountSid: `AC${'0'.repeat(32)}`, authToken: 'twilio-token' }, new Date().toISOString())
        await createUser(app.runtime, { accountId: seeded.accountId, login: LPA.login, role: 'lpa', skills: [], password: LPA.password })
        await createUser(app.runtime, { accountId: seeded.accountId, login: MANAGER.login, role: 'campaign-manager', skills: [], password: MANAGER.password })
      })
      ;({ t, base, browser, demo } = web)
    })
    after(async () => web?.close())

    test('an admin changes every section; a reload shows it all stored (the channel order by keyboard alone)', async () => {
      const admin = await WatchedPage.open(browser, base)
      try {
        const { page } = admin
        await signInThroughPages(admin, demo.accountId, demo.admin)
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
        await page.waitForURL('**/settings', { waitUntil: 'commit' })
        await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
        const channels = page.getByRole('region', { name: 'Channels' })
        const order = channels.getByRole('list', { name: 'Channel priority' })
        await order.getByRole('listitem').first().waitFor()
        assert.deepEqual(await order.getByRole('listitem').allInnerTexts().then(names), ['SMS', 'WhatsApp', 'App Messaging'])
        await page.getByRole('region', { name: 'Channel modes: sandbox or live' }).getByRole('listitem', { name: 'SMS' }).waitFor()
        await page.getByRole('region', { name: 'CX widget' }).getByRole('button', { name: 'Add an origin' }).waitFor()
        await admin.assertAccessible('settings')

        // ── Channels, by keyboard alone: WhatsApp first, App Messaging second, SMS off. ──
        await tabTo(page, 'Move WhatsApp up')
        await page.keyboard.press('Enter')
        await channels.getByRole('status').getByText('WhatsApp moved to position 1 of 3.').waitFor()
        // At the top its Move up is disabled: the focus stays on the moved channel, on Move down.
        assert.equal(await focusedName(page), 'Move WhatsApp down')
        await tabTo(page, 'Move App Messaging up')
        await page.keyboard.press('Space')
        await channels.getByRole('status').getByText('App Messaging moved to position 2 of 3.').waitFor()
        assert.equal(await focusedName(page), 'Move App Messaging up')
        assert.deepEqual(await order.getByRole('listitem').allInnerTexts().then(names), ['WhatsApp', 'App Messaging', 'SMS'])
        await tabTo(page, 'SMS enabled')
        await page.keyboard.press('Space')
        await channels.getByRole('checkbox', { name: 'SMS enabled' }).and(page.locator(':not(:checked)')).waitFor()
        await admin.assertAccessible('settings, channels changed and not saved')
        await tabTo(page, 'Save channels')
        await page.keyboard.press('Enter')
        await channels.getByRole('status').getByText('Channels saved.').waitFor()
        // The disabled Save button gives the focus to the saved line, not to the page.
        assert.equal(await focusKept(page), true, 'focus after Save channels')
        assert.equal(await focusedName(page), 'Channels saved.')

        // ── Device check: off by default, turned on. ──
        const device = page.getByRole('region', { name: 'Device check' })
        const deviceBox = device.getByRole('checkbox', { name: 'Check the consumer\'s device before sending' })
        assert.equal(await deviceBox.isChecked(), false)
        await deviceBox.click()
        await device.getByRole('button', { name: 'Save device check' }).click()
        await device.getByRole('status').getByText('Device check saved: on.').waitFor()
        assert.equal(await focusKept(page), true, 'focus after Save device check')

        // ── Routing: a new skill, enabled and made the default. ──
        const routing = page.getByRole('region', { name: 'Routing' })
        await routing.getByRole('checkbox', { name: 'sales' }).waitFor()
        const addSkill = routing.getByRole('form', { name: 'Add a skill' })
        await addSkill.getByLabel('New skill').fill('returns')
        await addSkill.getByRole('button', { name: 'Add skill' }).click()
        await addSkill.getByRole('status').getByText('returns was added').waitFor()
        await routing.getByRole('checkbox', { name: 'returns' }).click()
        await routing.getByRole('checkbox', { name: 'returns' }).and(page.locator(':checked')).waitFor()
        await routing.getByLabel('Default skill').selectOption('returns')
        await routing.getByRole('button', { name: 'Save routing' }).click()
        await routing.getByRole('status').getByText('Routing saved.').waitFor()
        assert.equal(await focusKept(page), true, 'focus after Save routing')
        // A skill the routing names cannot be removed: the service's reason shows on its row.
        admin.expected.push({ status: 409, path: '/skills/returns' })
        await routing.getByRole('button', { name: 'Remove skill returns' }).click()
        await routing.getByText('Remove returns from the brand?').waitFor()
        await admin.assertAccessible('settings, confirming a skill removal')
        await routing.getByRole('button', { name: 'Yes, remove' }).click()
        await routing.getByText('returns cannot be removed').waitFor()
        await routing.getByText('skill returns is used by the routing settings').waitFor()
        // The same name twice is the name field's error.
        admin.expected.push({ status: 409, path: '/skills' })
        await addSkill.getByLabel('New skill').fill('sales')
        await addSkill.getByRole('button', { name: 'Add skill' }).click()
        await addSkill.getByText('skill sales already exists').waitFor()
        assert.equal(await addSkill.getByLabel('New skill').getAttribute('aria-invalid'), 'true')
        // A skill nothing names is removed; the focus goes to the first skill left.
        // Enter submits: a click would land where the button was before the cleared error moved it.
        await addSkill.getByLabel('New skill').fill('seasonal')
        await addSkill.getByLabel('New skill').press('Enter')
        await routing.getByRole('checkbox', { name: 'seasonal' }).waitFor()
        await routing.getByRole('button', { name: 'Remove skill seasonal' }).click()
        await routing.getByRole('button', { name: 'Yes, remove' }).click()
        await routing.getByRole('status').getByText('seasonal was removed.').waitFor()
        assert.equal(await routing.getByRole('checkbox', { name: 'seasonal' }).count(), 0)
        assert.equal(await focusedName(page), 'billing')

        // ── Channel modes: SMS goes live (Twilio is connected); WhatsApp cannot yet. ──
        const modes = page.getByRole('region', { name: 'Channel modes: sandbox or live' })
        const sms = modes.getByRole('listitem', { name: 'SMS' })
        const whatsapp = modes.getByRole('listitem', { name: 'WhatsApp' })
        await sms.getByText('Sandbox', { exact: true }).waitFor()
        await whatsapp.getByText('To go live, connect WhatsApp Business (Meta) on the').waitFor()
        assert.equal(await whatsapp.getByRole('link', { name: 'Provider connections' }).getAttribute('href'), '/connections')
        await sms.getByRole('button', { name: 'Switch SMS to live' }).click()
        await sms.getByText('Switch SMS to live? Its messages will go to real consumers through Twilio.').waitFor()
        await admin.assertAccessible('settings, confirming a mode switch')
        await sms.getByRole('button', { name: 'Yes, go live' }).click()
        await modes.getByRole('status').getByText('SMS is now live.').waitFor()
        await sms.getByText('Live', { exact: true }).waitFor()
        assert.equal(await focusedName(page), 'Switch SMS to sandbox')

        // ── CX widget: a bad origin is refused next to its field, then corrected. ──
        const cx = page.getByRole('region', { name: 'CX widget' })
        await cx.getByRole('button', { name: 'Add an origin' }).click()
        await cx.getByRole('textbox', { name: 'Origin 1', exact: true }).fill('https://desk.example.com')
        await cx.getByRole('button', { name: 'Add an origin' }).click()
        await cx.getByRole('textbox', { name: 'Origin 2', exact: true }).fill('https://desk.example.com/embed')
        admin.expected.push({ status: 400, path: '/conversation-settings' })
        await cx.getByRole('button', { name: 'Save frame ancestors' }).click()
        const second = cx.getByRole('textbox', { name: 'Origin 2', exact: true })
        await cx.getByText('must be an origin such as https://desk.example.com').waitFor()
        assert.equal(await second.getAttribute('aria-invalid'), 'true')
        assert.equal(await cx.getByRole('textbox', { name: 'Origin 1', exact: true }).getAttribute('aria-invalid'), null)
        const describedBy = (await second.getAttribute('aria-describedby')) ?? ''
        assert.match(await page.locator(describedBy.split(' ').map((id) => `[id="${id}"]`).join(', ')).allInnerTexts().then((texts) => texts.join(' ')), /must be an origin/)
        await admin.assertAccessible('settings, a refused origin')
        await second.fill('https://*.example.org')
        await cx.getByRole('button', { name: 'Save frame ancestors' }).click()
        await cx.getByRole('status').getByText('Frame ancestors saved.').waitFor()
        assert.equal(await focusKept(page), true, 'focus after Save frame ancestors')

        // ── Everything is stored: a reload shows it. ──
        await page.reload()
        await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
        await order.getByRole('listitem').first().waitFor()
        assert.deepEqual(await order.getByRole('listitem').allInnerTexts().then(names), ['WhatsApp', 'App Messaging', 'SMS'])
        assert.equal(await channels.getByRole('checkbox', { name: 'SMS enabled' }).isChecked(), false)
        assert.equal(await channels.getByRole('checkbox', { name: 'WhatsApp enabled' }).isChecked(), true)
        assert.equal(await deviceBox.isChecked(), true)
        await routing.getByRole('checkbox', { name: 'returns' }).waitFor()
        assert.equal(await routing.getByRole('checkbox', { name: 'returns' }).isChecked(), true)
        assert.equal(await routing.getByLabel('Default skill').inputValue(), 'returns')
        await sms.getByText('Live', { exact: true }).waitFor()
        await cx.getByRole('textbox', { name: 'Origin 2', exact: true }).waitFor()
        assert.equal(await cx.getByRole('textbox', { name: 'Origin 1', exact: true }).inputValue(), 'https://desk.example.com')
        assert.equal(await cx.getByRole('textbox', { name: 'Origin 2', exact: true }).inputValue(), 'https://*.example.org')
        await admin.assertAccessible('settings after a reload')

        // And the service acts on them: the CX widget page may now be framed by those origins.
        const widget = await fetch(`${base}/cx-widget?account=${demo.accountId}&conversation=${randomUUID()}`)
        await widget.arrayBuffer()
        assert.match(widget.headers.get('content-security-policy') ?? '', /frame-ancestors https:\/\/desk\.example\.com https:\/\/\*\.example\.org;/)
        const stored = await t.runtime.db.selectFrom('channel_modes').select('mode').where('account_id', '=', demo.accountId).where('channel', '=', 'sms').executeTakeFirstOrThrow()
        assert.equal(stored.mode, 'live')
        admin.assertClean()
      } finally {
        await admin.close(shot('settings'))
      }
    })

    test('a campaign manager changes the settings too', async () => {
      const manager = await WatchedPage.open(browser, base)
      try {
        const { page } = manager
        await signInThroughPages(manager, demo.accountId, MANAGER)
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
        await page.waitForURL('**/settings', { waitUntil: 'commit' })
        const device = page.getByRole('region', { name: 'Device check' })
        const box = device.getByRole('checkbox', { name: 'Check the consumer\'s device before sending' })
        await box.waitFor()
        const was = await box.isChecked()
        await box.click()
        await device.getByRole('button', { name: 'Save device check' }).click()
        await device.getByRole('status').getByText(`Device check saved: ${was ? 'off' : 'on'}.`).waitFor()
        await page.getByRole('region', { name: 'Channels' }).getByRole('button', { name: /^Move .* down$/ }).first().waitFor()
        await page.getByRole('region', { name: 'CX widget' }).getByRole('button', { name: 'Save frame ancestors' }).waitFor()
        await manager.assertAccessible('settings as a campaign manager')
        manager.assertClean()
      } finally {
        await manager.close(shot('settings-campaign-manager'))
      }
    })

    test('numbers and apps: added, refused next to the field, removed after confirming (Escape cancels), a number in use refused on its row', async () => {
      const admin = await WatchedPage.open(browser, base)
      try {
        const { page } = admin
        await signInThroughPages(admin, demo.accountId, demo.admin)
        await page.goto('/settings')
        const catalog = page.getByRole('region', { name: 'Numbers and apps' })
        const numbers = catalog.getByRole('list', { name: 'Outbound numbers' })
        await numbers.getByRole('listitem').first().waitFor()
        assert.deepEqual(await numbers.getByRole('listitem').allInnerTexts().then((texts) => texts.map((text) => text.split('\n').slice(0, 2).join(' '))), ['+18005550100 SMS', '+18005550100 WhatsApp'])
        await catalog.getByRole('list', { name: 'Mobile apps' }).getByRole('listitem').filter({ hasText: 'Demo Brand iOS' }).getByText('com.demo.brand').waitFor()
        await admin.assertAccessible('settings, numbers and apps')

        // A number that is not E.164 is refused next to its field.
        const addNumber = catalog.getByRole('form', { name: 'Add a number' })
        admin.expected.push({ status: 400, path: '/phone-numbers' })
        await addNumber.getByLabel('Number').fill('555-0100')
        await addNumber.getByRole('button', { name: 'Add number' }).click()
        await addNumber.getByText('must be a valid E.164 number with a leading +').waitFor()
        assert.equal(await addNumber.getByRole('textbox', { name: 'Number' }).getAttribute('aria-invalid'), 'true')
        await admin.assertAccessible('settings, a refused number')
        await addNumber.getByLabel('Number').fill('+18005550123')
        await addNumber.getByLabel('Channel').selectOption({ label: 'WhatsApp' })
        await addNumber.getByRole('button', { name: 'Add number' }).click()
        await addNumber.getByRole('status').getByText('+18005550123 was added for WhatsApp.').waitFor()
        assert.equal(await focusKept(page), true, 'focus after Add number')
        await numbers.getByRole('listitem').filter({ hasText: '+18005550123' }).waitFor()
        // The same number for the same channel again: the 409 is the number field's.
        admin.expected.push({ status: 409, path: '/phone-numbers' })
        await addNumber.getByLabel('Number').fill('+18005550123')
        await addNumber.getByRole('button', { name: 'Add number' }).click()
        await addNumber.getByText('wa number is already registered').waitFor()

        // The demo handoff sends SMS from +18005550100: removing it is refused, with the handoff named, on its row.
        const smsRow = numbers.getByRole('listitem').filter({ hasText: 'SMS' })
        admin.expected.push({ status: 409, path: '/phone-numbers/%2B18005550100' })
        await smsRow.getByRole('button', { name: 'Remove SMS number +18005550100' }).click()
        await smsRow.getByText('Remove +18005550100 for SMS?').waitFor()
        // Escape answers No: the question goes and the focus is back on Remove.
        await page.keyboard.press('Escape')
        await smsRow.getByText('Remove +18005550100 for SMS?').waitFor({ state: 'detached' })
        assert.equal(await focusedName(page), 'Remove SMS number +18005550100')
        await page.keyboard.press('Enter')
        await smsRow.getByRole('button', { name: 'Yes, remove' }).click()
        await smsRow.getByText(/The SMS number \+18005550100 was not removed: the sms number is used by handoff /).waitFor()
        await admin.assertAccessible('settings, a number in use')
        // The new one is removed; the focus goes to the removed line.
        const newRow = numbers.getByRole('listitem').filter({ hasText: '+18005550123' })
        await newRow.getByRole('button', { name: 'Remove WhatsApp number +18005550123' }).click()
        await newRow.getByRole('button', { name: 'Yes, remove' }).click()
        await catalog.getByRole('status').getByText('The WhatsApp number +18005550123 was removed.').waitFor()
        assert.equal(await numbers.getByRole('listitem').filter({ hasText: '+18005550123' }).count(), 0)
        assert.equal(await focusKept(page), true, 'focus after removing a number')

        // Apps: an app id with a space is refused next to its field; two more join the demo's (App Messaging handoffs choose up to 3).
        const addApp = catalog.getByRole('form', { name: 'Add an app' })
        admin.expected.push({ status: 400, path: '/apps' })
        await addApp.getByLabel('App name').fill('Acme')
        await addApp.getByLabel('App id').fill('com acme')
        await addApp.getByRole('button', { name: 'Add app' }).click()
        await addApp.getByText('may hold only letters, digits, dots, dashes and underscores').waitFor()
        assert.equal(await addApp.getByRole('textbox', { name: 'App id' }).getAttribute('aria-invalid'), 'true')
        for (const [name, appId, platform] of [['Acme', 'com.acme.ios', 'iOS'], ['Acme Kiosk', 'com.acme.kiosk', 'Android']] as const) {
          await addApp.getByLabel('App name').fill(name)
          await addApp.getByLabel('App id').fill(appId)
          await addApp.getByLabel('Platform').selectOption({ label: platform })
          await addApp.getByRole('button', { name: 'Add app' }).click()
          await addApp.getByRole('status').getByText(`${name} was added.`).waitFor()
        }
        const apps = catalog.getByRole('list', { name: 'Mobile apps' })
        await apps.getByRole('listitem').filter({ hasText: 'com.acme.kiosk' }).getByText('Android').waitFor()
        assert.equal(await apps.getByRole('listitem').count(), 3)
        await apps.getByRole('button', { name: 'Remove app Acme Kiosk' }).click()
        await apps.getByRole('button', { name: 'Yes, remove' }).click()
        await catalog.getByRole('status').getByText('Acme Kiosk was removed.').waitFor()
        await admin.assertAccessible('settings, apps added')
        const stored = await t.runtime.db.selectFrom('apps').select('app_id').where('account_id', '=', demo.accountId).orderBy('app_id').execute()
        assert.deepEqual(stored.map((row) => row.app_id), ['com.acme.ios', 'com.demo.brand'])

        // Every channel off: a warning next to the list before saving, and the saved line says it again.
        const channels = page.getByRole('region', { name: 'Channels' })
        for (const name of ['SMS', 'WhatsApp', 'App Messaging']) {
          const box = channels.getByRole('checkbox', { name: `${name} enabled` })
          if (await box.isChecked()) await box.click()
          await channels.getByRole('checkbox', { name: `${name} enabled` }).and(page.locator(':not(:checked)')).waitFor()
        }
        await channels.getByText('Every channel is off.').waitFor()
        await channels.getByText('No handoff can send a message').waitFor()
        await admin.assertAccessible('settings, every channel off')
        await channels.getByRole('button', { name: 'Save channels' }).click()
        await channels.getByRole('status').getByText('Channels saved, with every channel off: no handoff can send a message.').waitFor()
        // Back on, for the other tests.
        await channels.getByRole('checkbox', { name: 'WhatsApp enabled' }).click()
        await channels.getByText('Every channel is off.').waitFor({ state: 'detached' })
        await channels.getByRole('button', { name: 'Save channels' }).click()
        await channels.getByRole('status').getByText('Channels saved.').waitFor()
        admin.assertClean()
      } finally {
        await admin.close(shot('settings-numbers-apps'))
      }
    })

    test('a skill of 255 characters (the most the service takes) keeps the page within 1024 px', async () => {
      const admin = await WatchedPage.open(browser, base)
      try {
        const { page } = admin
        await page.setViewportSize({ width: 1024, height: 800 })
        await signInThroughPages(admin, demo.accountId, demo.admin)
        const skill = `<b>x</b> ${'y'.repeat(246)}`
        assert.equal(skill.length, 255)
        assert.equal((await requestFromPage(page, demo.accountId, 'POST', '/skills', { name: skill })).status, 201)
        const app = { appId: `com.${'a'.repeat(251)}`, platform: 'ios', name: 'n'.repeat(200) }
        assert.equal((await requestFromPage(page, demo.accountId, 'POST', '/apps', app)).status, 201)
        await page.goto('/settings')
        const routing = page.getByRole('region', { name: 'Routing' })
        await routing.getByRole('checkbox', { name: skill }).waitFor()
        await page.getByRole('region', { name: 'Numbers and apps' }).getByText(app.appId).waitFor()
        // Shown as text, not markup.
        assert.equal(await routing.locator('b').count(), 0)
        assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1024, 'the settings page is no wider than the window')
        await routing.getByRole('button', { name: `Remove skill ${skill}` }).click()
        assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1024, 'the question is no wider than the window')
        await routing.getByRole('button', { name: 'Yes, remove' }).click()
        await routing.getByRole('status').getByText(`${skill} was removed.`).waitFor()
        assert.equal((await requestFromPage(page, demo.accountId, 'DELETE', `/apps/${app.appId}`)).status, 204)
        admin.assertClean()
      } finally {
        await admin.close(shot('settings-long-names'))
      }
    })

    test('an LPA user sees the settings read-only, and the service refuses its writes (403 1101)', async () => {
      const lpa = await WatchedPage.open(browser, base)
      try {
        const { page } = lpa
        await signInThroughPages(lpa, demo.accountId, LPA)
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
        await page.waitForURL('**/settings', { waitUntil: 'commit' })
        await page.getByText('You can view these settings. The brand\'s admins and campaign managers change them.').waitFor()
        const order = page.getByRole('region', { name: 'Channels' }).getByRole('list', { name: 'Channel priority' })
        await order.getByRole('listitem').first().waitFor()
        await page.getByRole('region', { name: 'Channel modes: sandbox or live' }).getByRole('listitem', { name: 'SMS' }).waitFor()
        await page.getByRole('region', { name: 'Routing' }).getByText(/^Default skill: /).waitFor()
        await page.getByRole('region', { name: 'CX widget' }).getByRole('heading', { name: 'Origins allowed to frame the page' }).waitFor()
        await page.getByRole('region', { name: 'Device check' }).getByText('Device check:').waitFor()
        const catalog = page.getByRole('region', { name: 'Numbers and apps' })
        await catalog.getByRole('list', { name: 'Outbound numbers' }).getByRole('listitem').filter({ hasText: 'SMS' }).getByText('+18005550100').waitFor()
        assert.equal(await catalog.getByRole('form').count(), 0, 'no form to add a number or an app')
        // Nothing that writes: no button in the page's main part, no input, no select.
        const main = page.getByRole('main')
        assert.equal(await main.getByRole('button').count(), 0)
        assert.equal(await main.locator('input, select, textarea').count(), 0)
        await lpa.assertAccessible('settings read-only')

        // The service refuses its writes whatever the page shows, with a valid CSRF token.
        for (const path of ['/settings', '/skills', '/channel-modes/sms', '/conversation-settings', '/phone-numbers', '/apps']) lpa.expected.push({ status: 403, path })
        const writes = [
          { method: 'PUT', path: '/settings', body: { channels: [{ name: 'sms', enabled: true }], deviceCheck: true, routing: { skills: [] } } },
          { method: 'POST', path: '/skills', body: { name: 'intruder' } },
          { method: 'PUT', path: '/channel-modes/sms', body: { mode: 'sandbox' } },
          { method: 'PUT', path: '/conversation-settings', body: { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: ['https://evil.example.com'] } },
          { method: 'POST', path: '/phone-numbers', body: { number: '+18005550177', channel: 'sms' } },
          { method: 'POST', path: '/apps', body: { appId: 'com.intruder.ios', platform: 'ios', name: 'Intruder' } },
        ]
        for (const write of writes) {
          const answer = await requestFromPage(page, demo.accountId, write.method, write.path, write.body)
          assert.deepEqual({ status: answer.status, errorCode: answer.body.errorCode }, { status: 403, errorCode: 1101 }, write.path)
        }
        lpa.assertClean()
      } finally {
        await lpa.close(shot('settings-lpa'))
      }
    })
  })
}

/** A channel list item's text is its position (hidden from the accessibility tree), name and controls: keep the name. */
function names(texts: string[]): string[] {
  return texts.map((text) => (/SMS|WhatsApp|App Messaging/.exec(text) ?? [''])[0])
}
