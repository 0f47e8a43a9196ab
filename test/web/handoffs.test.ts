import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { TestApp } from '../helper.ts'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import { addSkill, registerApp } from '../../src/brand-config/brand-config.service.ts'
import { createHandoff } from '../../src/handoffs/handoff.service.ts'
import { findHandoff, listHandoffs } from '../../src/handoffs/handoff.repository.ts'
import type { RawHandoffInput } from '../../src/handoffs/handoff.ts'
import { WatchedPage, type Webtool, requestFromPage, signInThroughPages, skipReason, startWebtool } from './browser.ts'

const LPA = { login: 'reviewer', password: 'reviewer-password-1' }
const NUMBER = '+18005550100'
const WA_TEMPLATE = { templateName: 'ivr_followup', language: 'en_US' }
const EXTRA_APPS = [
  { appId: 'com.demo.android', platform: 'android' as const, name: 'Demo Brand Android' },
  { appId: 'com.demo.ipad', platform: 'ios' as const, name: 'Demo Brand iPad' },
  { appId: 'com.demo.wear', platform: 'android' as const, name: 'Demo Brand Wear' },
]

const sms = (message: string) => ({ fromNumber: NUMBER, message })
const wa = (name: string) => ({ fromNumber: NUMBER, ...WA_TEMPLATE, variables: { '1': name } })

/** The brand's handoffs before the tests: 14 more than the demo's own, so the list has two pages. */
const SEEDED: RawHandoffInput[] = [
  { title: 'Billing questions', lookbackMinutes: 24 * 60, channels: ['sms'], sms: sms('Hi {{1}}, text us about your bill here.') },
  { title: 'Store hours', lookbackMinutes: 2 * 60, channels: ['sms'], sms: sms('Our stores open at 9. Reply for anything else.') },
  { title: 'Order status', lookbackMinutes: 3 * 24 * 60, channels: ['wa', 'sms'], wa: wa('there'), sms: sms('Track your order by text: reply with its number.') },
  { title: 'Appointment reminder', lookbackMinutes: 12 * 60, channels: ['sms', 'wa'], sms: sms('Reply to change your appointment.'), wa: wa('there') },
  { title: 'Returns and refunds', lookbackMinutes: 7 * 24 * 60, channels: ['wa'], wa: wa('there') },
  { title: 'Technical support', lookbackMinutes: 48 * 60, channels: ['sms'], sms: sms('Tell us what went wrong and an expert answers.') },
  { title: 'Premium members (app)', lookbackMinutes: 24 * 60, channels: ['inapp'], inapp: { appIds: ['com.demo.brand'], message: 'Continue in the app.' } },
  { title: 'Payment plan', lookbackMinutes: 5 * 24 * 60, channels: ['sms'], sms: sms('Set up a payment plan by text.') },
  { title: 'Delivery tracking', lookbackMinutes: 6 * 60, channels: ['wa', 'sms'], wa: wa('there'), sms: sms('Where is my parcel? Reply here.') },
  { title: 'Loyalty programme', lookbackMinutes: 30 * 24 * 60, channels: ['inapp'], inapp: { appIds: ['com.demo.brand', 'com.demo.android'], message: 'Your points are waiting in the app.' } },
  { title: 'Roaming help', lookbackMinutes: 24 * 60, channels: ['sms'], sms: sms('Abroad? Text us for roaming help.') },
  { title: 'Password reset', lookbackMinutes: 60, channels: ['sms'], sms: sms('Reply to reset your password safely.') },
  { title: 'Claims', lookbackMinutes: 10 * 24 * 60, channels: ['wa', 'sms'], wa: wa('there'), sms: sms('Reply to follow your claim.') },
  { title: 'Move house', lookbackMinutes: 4 * 24 * 60, channels: ['sms'], sms: sms('Moving? Reply to move your contract.') },
]

// The API handoffs pages in a real browser: the list (the landing page), the guided create and
// edit flow with its preview, delete, and the LPA user's read-only view.
describe('API handoffs in a real browser: the list, the guided flow, edit, delete, read-only for LPA users', { skip: skipReason }, () => {
  let t: TestApp
  let base: string
  let browser: Browser
  let web: Webtool
  let demo: DemoCredentials

  before(async () => {
    web = await startWebtool(undefined, {}, async (t, demo) => {
      await createUser(t.runtime, { accountId: demo.accountId, login: LPA.login, role: 'lpa', skills: [], password: LPA.password })
      for (const app of EXTRA_APPS) await registerApp(t.runtime, demo.accountId, app)
      for (const handoff of SEEDED) {
        // A minute apart: the list's default order (newest first) is then the reverse of this one.
        t.clock.advance(60_000)
        await createHandoff(t.runtime, demo.accountId, handoff)
      }
    })
    ;({ t, base, browser, demo } = web)
  })
  after(async () => web?.close())

  const signIn = (watched: WatchedPage, person: { login: string; password: string }) => signInThroughPages(watched, demo.accountId, person)
  const stored = async (title: string) => (await listHandoffs(t.runtime.db, demo.accountId, { page: 1, pageSize: 100, sort: 'title', order: 'asc', title })).items.filter((h) => h.title === title)

  /** A request from the page, as the webtool sends it. */
  const fromPage = (page: Page, method: string, path: string, body?: unknown) => requestFromPage(page, demo.accountId, method, path, body)

  /** The text of the element that has the focus (`BODY` when none has). */
  const focused = (page: Page) => page.evaluate(() => (document.activeElement === document.body ? 'BODY' : document.activeElement?.textContent ?? ''))
  /** The unsaved drafts the tab keeps. */
  const storedDrafts = (page: Page) => page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith('c2m.handoff-draft.')))
  const rowTitles = (page: Page) => page.getByRole('table').locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label')))

  /** Step 1 and 2 of the SMS + WhatsApp handoff: WhatsApp first, SMS as the fallback. */
  async function fillSmsAndWhatsApp(page: Page, title: string) {
    await page.getByRole('textbox', { name: 'Title' }).fill(title)
    await page.getByLabel('Length').fill('2')
    await page.getByLabel('Unit').selectOption('days')
    await page.getByRole('checkbox', { name: 'SMS', exact: true }).click()
    await page.getByRole('checkbox', { name: 'WhatsApp', exact: true }).click()
    assert.equal(await page.getByRole('checkbox', { name: /^App Messaging/ }).isDisabled(), true, 'App Messaging is off with SMS or WhatsApp')
    // The priority by keyboard alone: WhatsApp moves up, and the focus stays on its row.
    await page.getByRole('button', { name: 'Move WhatsApp up' }).focus()
    await page.keyboard.press('Enter')
    const order = page.getByRole('list', { name: 'SMS and WhatsApp, in priority order' }).getByRole('listitem')
    await order.first().getByText('WhatsApp').waitFor()
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Move WhatsApp down')
    await page.getByRole('status').filter({ hasText: 'WhatsApp is now first' }).waitFor()
    await page.getByRole('button', { name: 'Next: compose the message' }).click()
    await page.getByRole('heading', { name: 'Step 2 of 3: Compose the message' }).waitFor()

    // WhatsApp comes first on the page too, as in the priority.
    const sections = await page.locator('form h3').allInnerTexts()
    assert.deepEqual(sections, ['WhatsApp', 'SMS'])
    await page.getByLabel('WhatsApp number to send from').selectOption(NUMBER)
    await page.getByLabel('Template').selectOption({ label: 'ivr_followup (en_US)' })
    await page.getByRole('textbox', { name: 'Value of {{1}}' }).fill('Jane')
    await page.getByTestId('wa-preview').getByText('Hi Jane, thanks for calling Demo Brand.').waitFor()

    await page.getByLabel('SMS number to send from').selectOption(NUMBER)
    const message = page.getByRole('textbox', { name: 'SMS message' })
    // Long: the recommendation is said, and the text becomes two segments.
    await message.fill('x'.repeat(150))
    await page.getByText('150 characters of the 140 recommended: longer texts may arrive as several messages.').waitFor()
    await page.getByTestId('sms-size').getByText('· GSM-7 · 2 SMS segments').waitFor()
    // A curly apostrophe is no GSM character: UCS-2, whose 70 characters the opt-out text overflows.
    await message.fill('It’s <b>Demo</b>: reply here to keep talking by text.')
    await page.getByTestId('sms-size').getByText('· UCS-2 · 2 SMS segments').waitFor()
    await page.getByRole('textbox', { name: 'Opt-out text' }).fill('Reply STOP to end messages')
  }

  test('an admin lands on the list, creates an SMS + WhatsApp handoff through the guided flow; Back keeps everything, Cancel saves nothing', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API handoffs' }).waitFor()
      await page.getByText('Handoffs 1–10 of 15').waitFor()
      assert.deepEqual((await rowTitles(page)).slice(0, 3), ['Move house', 'Claims', 'Password reset'], 'newest first')
      await watched.assertAccessible('handoff list')
      await watched.readmeShot('handoff-list')

      await page.getByRole('link', { name: 'New handoff' }).click()
      await page.waitForURL('**/handoffs/new', { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'New API handoff', level: 1 }).waitFor()
      await page.getByText('Generated by the service when you save').waitFor()
      await watched.assertAccessible('new handoff, step 1')

      // Next with nothing filled in: every rule of the step, beside its field, and the focus on the first.
      await page.getByRole('button', { name: 'Next: compose the message' }).click()
      await page.getByText('Enter a title.').waitFor()
      await page.getByText('Choose at least one channel.').waitFor()
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).evaluate((input) => input === document.activeElement), true)
      await watched.assertAccessible('new handoff, step 1 refused')

      // The title's rules as it is typed: no < or >, and unique (ignoring case).
      const title = page.getByRole('textbox', { name: 'Title' })
      await title.fill('<script>window.pwned = true</script>')
      await page.getByText('A title cannot contain < or >.').waitFor()
      assert.equal(await title.getAttribute('aria-invalid'), 'true')
      await title.fill('demo sms HANDOFF')
      await page.getByText('Another handoff already has this title').waitFor()
      await title.fill('A title of more than a hundred characters '.repeat(3))
      await page.getByText('At most 100 characters').waitFor()

      await fillSmsAndWhatsApp(page, 'Spring sale callback')
      await watched.assertAccessible('new handoff, step 2')
      await page.getByRole('button', { name: 'Next: preview' }).click()
      await page.getByRole('heading', { name: 'Step 3 of 3: Preview and save' }).waitFor()
      const preview = page.locator('form')
      await preview.getByText('2 days').waitFor()
      assert.deepEqual(await preview.getByRole('listitem').allInnerTexts(), ['WhatsApp', 'SMS'])
      await preview.getByText('ivr_followup (en_US)').waitFor()
      // The text typed is shown as text: `<b>` is no markup.
      await preview.getByText('It’s <b>Demo</b>: reply here to keep talking by text.\nReply STOP to end messages').waitFor()
      assert.equal(await preview.locator('b').count(), 0)
      await watched.assertAccessible('new handoff, preview')
      await page.getByRole('heading', { name: 'New API handoff', level: 1 }).evaluate((h1) => h1.scrollIntoView({ block: 'start' }))
      await watched.readmeShot('handoff-preview')

      // Back to edit: everything kept, on both steps.
      await page.getByRole('button', { name: 'Back' }).click()
      await page.getByRole('heading', { name: 'Step 2 of 3: Compose the message' }).waitFor()
      assert.equal(await page.getByRole('textbox', { name: 'SMS message' }).inputValue(), 'It’s <b>Demo</b>: reply here to keep talking by text.')
      assert.equal(await page.getByRole('textbox', { name: 'Value of {{1}}' }).inputValue(), 'Jane')
      assert.equal(await page.getByLabel('Template').inputValue(), 'ivr_followup')
      await page.getByRole('button', { name: 'Back' }).click()
      await page.getByRole('heading', { name: 'Step 1 of 3: Title, lookback and channels' }).waitFor()
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).inputValue(), 'Spring sale callback')
      assert.equal(await page.getByLabel('Unit').inputValue(), 'days')
      await page.getByRole('list', { name: 'SMS and WhatsApp, in priority order' }).getByRole('listitem').first().getByText('WhatsApp').waitFor()

      // Cancel from the preview: back on the list, and nothing saved.
      await page.getByRole('button', { name: 'Next: compose the message' }).click()
      await page.getByRole('button', { name: 'Next: preview' }).click()
      await page.getByRole('heading', { name: 'Step 3 of 3: Preview and save' }).waitFor()
      await page.getByRole('button', { name: 'Cancel' }).click()
      await page.waitForURL((url) => url.pathname === '/', { waitUntil: 'commit' })
      await page.getByText('Handoffs 1–10 of 15').waitFor()
      assert.deepEqual(await stored('Spring sale callback'), [])

      // Again, and saved this time: the list says so with the new ID (the service's clock moved on: it is the newest).
      t.clock.advance(60_000)
      await page.getByRole('link', { name: 'New handoff' }).click()
      await fillSmsAndWhatsApp(page, 'Spring sale callback')
      await page.getByRole('button', { name: 'Next: preview' }).click()
      await page.getByRole('button', { name: 'Save the handoff' }).click()
      await page.waitForURL((url) => url.pathname === '/', { waitUntil: 'commit' })
      const [saved] = await stored('Spring sale callback')
      assert.ok(saved, 'the handoff is stored')
      assert.match(saved.id, /^H\d{15}$/)
      assert.deepEqual(
        { lookbackMinutes: saved.lookbackMinutes, channels: saved.channels, sms: saved.sms, wa: saved.wa },
        {
          lookbackMinutes: 2 * 24 * 60,
          channels: ['wa', 'sms'],
          sms: { fromNumber: NUMBER, message: 'It’s <b>Demo</b>: reply here to keep talking by text.', optOutText: 'Reply STOP to end messages' },
          wa: { fromNumber: NUMBER, ...WA_TEMPLATE, variables: { '1': 'Jane' }, parameterCount: 1 },
        },
      )
      await page.getByRole('status').filter({ hasText: '“Spring sale callback” was created.' }).getByText(saved.id).waitFor()
      // The form that had the focus is gone: the focus is on what the page says instead.
      assert.match(await focused(page), /^“Spring sale callback” was created\. Its ID is H\d{15}/)
      assert.deepEqual(await storedDrafts(page), [], 'the saved draft is no longer kept')
      const row = page.getByRole('row', { name: 'Spring sale callback', exact: true })
      await row.getByText('WhatsApp → SMS').waitFor()
      assert.equal((await rowTitles(page))[0], 'Spring sale callback')
      await watched.assertAccessible('list after a handoff was created')
      assert.equal(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned), undefined)
      // Said once: the history entry no longer carries it, so a reload does not say it again.
      await page.reload()
      await row.waitFor()
      assert.equal(await page.getByText('“Spring sale callback” was created.').count(), 0)
      watched.assertClean()
    } finally {
      await watched.close('handoffs-create')
    }
  })

  test('the list sorts, filters (title as typed, channel) and pages, in the address; an ID is copied in one click', async () => {
    const watched = await WatchedPage.open(browser, base)
    await watched.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      const total = (await listHandoffs(t.runtime.db, demo.accountId, { page: 1, pageSize: 1, sort: 'title', order: 'asc' })).total
      await page.getByText(`Handoffs 1–10 of ${total}`).waitFor()

      // Pages: Next, then the browser's Back.
      await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Next page' }).click()
      await page.getByText(`Handoffs 11–${total} of ${total}`).waitFor()
      assert.equal(new URL(page.url()).searchParams.get('page'), '2')
      await page.getByText('Page 2 of 2').waitFor()
      assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true)
      // The button that had the focus is disabled now: the focus is on where the list is.
      assert.equal(await focused(page), 'Page 2 of 2')
      await page.goBack()
      await page.getByText(`Handoffs 1–10 of ${total}`).waitFor()

      // Sort by title: ascending, then descending; the header says which.
      const titleHeader = page.getByRole('columnheader', { name: /^Title/ })
      assert.equal(await titleHeader.getAttribute('aria-sort'), 'none')
      assert.equal(await page.getByRole('columnheader', { name: /^Created/ }).getAttribute('aria-sort'), 'descending')
      await titleHeader.getByRole('button').click()
      await page.waitForURL((url) => url.searchParams.get('sort') === 'title', { waitUntil: 'commit' })
      await page.waitForFunction(() => document.querySelector('tbody tr')?.getAttribute('aria-label') === 'Appointment reminder')
      assert.equal(await titleHeader.getAttribute('aria-sort'), 'ascending')
      const ascending = await rowTitles(page)
      assert.deepEqual(ascending, [...ascending].sort((a, b) => a!.localeCompare(b!)))
      await watched.assertAccessible('list sorted by title')
      await titleHeader.getByRole('button').click()
      await page.waitForFunction(() => document.querySelector('tbody tr')?.getAttribute('aria-label') === 'Technical support')
      assert.equal(await titleHeader.getAttribute('aria-sort'), 'descending')
      assert.equal(new URL(page.url()).searchParams.get('order'), 'desc')

      // The title filter follows the typing, case-insensitively; the channel filter adds up.
      await page.getByLabel('Title contains').pressSequentially('ORDER')
      await page.waitForURL((url) => url.searchParams.get('title') === 'ORDER', { waitUntil: 'commit' })
      await page.getByText('1 handoff').waitFor()
      assert.deepEqual(await rowTitles(page), ['Order status'])
      await page.getByLabel('Title contains').fill('')
      await page.getByLabel('Channel').selectOption({ label: 'App Messaging' })
      await page.waitForURL((url) => url.searchParams.get('channel') === 'inapp' && !url.searchParams.has('title'), { waitUntil: 'commit' })
      await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2)
      assert.deepEqual(await rowTitles(page), ['Premium members (app)', 'Loyalty programme'])
      await watched.assertAccessible('list filtered on a channel')
      await page.getByLabel('Title contains').fill('nothing like this')
      await page.getByText('No handoff matches these filters.').waitFor()
      await watched.assertAccessible('list with no match')

      // The address is the state: opened anew, it shows the same list.
      await page.goto('/?channel=wa&sort=title')
      await page.waitForFunction(() => document.querySelectorAll('tbody tr').length > 0)
      assert.equal(await page.getByLabel('Channel').inputValue(), 'wa')
      const wa = await rowTitles(page)
      assert.ok(wa.includes('Returns and refunds') && !wa.includes('Store hours'), wa.join(', '))
      await page.getByRole('button', { name: 'Clear the filters' }).click()
      await page.getByText(`Handoffs 1–10 of ${total}`).waitFor()

      // One click copies an ID.
      const claims = (await stored('Claims'))[0]!
      await page.getByLabel('Title contains').fill('claims')
      const row = page.getByRole('row', { name: 'Claims', exact: true })
      await row.getByRole('button', { name: 'Copy the ID of Claims' }).click()
      await row.getByRole('status').filter({ hasText: 'Copied' }).waitFor()
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), claims.id)
      watched.assertClean()
    } finally {
      await watched.close('handoffs-list')
    }
  })

  test('an App Messaging handoff with 3 apps: SMS and WhatsApp are off, a fourth app cannot be added', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await page.getByRole('link', { name: 'New handoff' }).click()
      await page.getByRole('textbox', { name: 'Title' }).fill('App members')
      await page.getByLabel('Length').fill('12')
      await page.getByRole('checkbox', { name: /^App Messaging/ }).click()
      assert.equal(await page.getByRole('checkbox', { name: 'SMS', exact: true }).isDisabled(), true)
      assert.equal(await page.getByRole('checkbox', { name: 'WhatsApp', exact: true }).isDisabled(), true)
      assert.equal(await page.getByRole('button', { name: 'Move SMS down' }).isDisabled(), true)
      await page.getByRole('button', { name: 'Next: compose the message' }).click()
      await page.getByRole('heading', { name: 'App Messaging' }).waitFor()

      // Next without apps or message: both said.
      await page.getByRole('button', { name: 'Next: preview' }).click()
      await page.getByText('Choose 1 to 3 apps.').waitFor()
      await page.getByText('Enter the message.').waitFor()
      await watched.assertAccessible('app messaging, refused')
      for (const name of ['Demo Brand iOS', 'Demo Brand Android', 'Demo Brand iPad']) await page.getByRole('checkbox', { name: new RegExp(`^${name} `) }).click()
      await page.getByText('3 chosen.').waitFor()
      assert.equal(await page.getByRole('checkbox', { name: /^Demo Brand Wear/ }).isDisabled(), true)
      await page.getByRole('textbox', { name: 'App message' }).fill('Thanks for calling: continue with us right here in the app.')
      await watched.assertAccessible('app messaging, composed')
      await page.getByRole('button', { name: 'Next: preview' }).click()
      const preview = page.locator('form')
      await preview.getByText('12 hours').waitFor()
      for (const name of ['Demo Brand iOS', 'Demo Brand Android', 'Demo Brand iPad']) await preview.getByText(name).waitFor()
      await watched.assertAccessible('app messaging, preview')
      await page.getByRole('button', { name: 'Save the handoff' }).click()
      await page.getByRole('status').filter({ hasText: '“App members” was created.' }).waitFor()
      const [saved] = await stored('App members')
      assert.deepEqual(
        { channels: saved?.channels, lookbackMinutes: saved?.lookbackMinutes, inapp: saved?.inapp, sms: saved?.sms, wa: saved?.wa },
        {
          channels: ['inapp'],
          lookbackMinutes: 12 * 60,
          inapp: { appIds: ['com.demo.brand', 'com.demo.android', 'com.demo.ipad'], message: 'Thanks for calling: continue with us right here in the app.' },
          sms: undefined,
          wa: undefined,
        },
      )
      await page.getByRole('row', { name: 'App members', exact: true }).getByText('App Messaging').waitFor()
      watched.assertClean()
    } finally {
      await watched.close('handoffs-app-messaging')
    }
  })

  test('editing starts from the saved values; a title taken meanwhile is refused by the server beside the title; then saved', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      const before = (await stored('Order status'))[0]!
      await page.getByLabel('Title contains').fill('order status')
      await page.getByRole('row', { name: 'Order status', exact: true }).getByRole('link', { name: 'Edit Order status' }).click()
      await page.waitForURL(`**/handoffs/${before.id}/edit`, { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'Edit “Order status”' }).waitFor()
      // The saved values, and the ID with its copy button.
      await page.locator('form code').getByText(before.id).waitFor()
      await page.getByRole('button', { name: 'Copy the handoff ID' }).waitFor()
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).inputValue(), 'Order status')
      assert.equal(await page.getByLabel('Length').inputValue(), '3')
      assert.equal(await page.getByLabel('Unit').inputValue(), 'days')
      assert.equal(await page.getByRole('checkbox', { name: 'WhatsApp', exact: true }).isChecked(), true)
      await page.getByRole('list', { name: 'SMS and WhatsApp, in priority order' }).getByRole('listitem').first().getByText('WhatsApp').waitFor()
      await watched.assertAccessible('edit, step 1')

      // SMS becomes first; a longer lookback; a new title.
      await page.getByRole('button', { name: 'Move SMS up' }).click()
      await page.getByLabel('Length').fill('36')
      await page.getByLabel('Unit').selectOption('hours')
      await page.getByRole('textbox', { name: 'Title' }).fill('Order status and returns')
      await page.getByRole('button', { name: 'Next: compose the message' }).click()
      assert.equal(await page.getByRole('textbox', { name: 'SMS message' }).inputValue(), 'Track your order by text: reply with its number.')
      assert.equal(await page.getByRole('textbox', { name: 'Value of {{1}}' }).inputValue(), 'there')
      await page.getByRole('textbox', { name: 'SMS message' }).fill('Track your order or start a return by text.')
      await page.getByRole('button', { name: 'Next: preview' }).click()

      // Meanwhile a colleague takes that title: the server refuses, the flow returns to the title.
      await createHandoff(t.runtime, demo.accountId, { title: 'ORDER STATUS AND RETURNS', lookbackMinutes: 60, channels: ['sms'], sms: sms('Taken first.') })
      watched.expected.push({ status: 400, path: `/handoffs/${before.id}` })
      await page.getByRole('button', { name: 'Save changes' }).click()
      await page.getByRole('heading', { name: 'Step 1 of 3: Title, lookback and channels' }).waitFor()
      await page.getByText('Another handoff of this brand already has this title.').waitFor()
      await page.getByRole('alert').getByText('correct the fields marked in Title, lookback and channels').waitFor()
      const title = page.getByRole('textbox', { name: 'Title' })
      assert.equal(await title.getAttribute('aria-invalid'), 'true')
      assert.equal(await title.evaluate((input) => input === document.activeElement), true, 'the focus is on the refused field')
      await watched.assertAccessible('edit, refused by the server')

      await title.fill('Order status (edited)')
      assert.equal(await page.getByText('Another handoff of this brand already has this title.').count(), 0, 'the server\'s error goes once the field changes')
      await page.getByRole('button', { name: 'Next: compose the message' }).click()
      await page.getByRole('button', { name: 'Next: preview' }).click()
      await page.getByRole('button', { name: 'Save changes' }).click()
      await page.getByRole('status').filter({ hasText: '“Order status (edited)” was saved.' }).waitFor()
      // Back on the list as it was left: filtered on "order status".
      assert.equal(new URL(page.url()).searchParams.get('title'), 'order status')
      const after = (await findHandoff(t.runtime.db, demo.accountId, before.id))!
      assert.deepEqual(
        { title: after.title, lookbackMinutes: after.lookbackMinutes, channels: after.channels, message: after.sms?.message, wa: after.wa?.variables, createdAt: after.createdAt },
        { title: 'Order status (edited)', lookbackMinutes: 36 * 60, channels: ['sms', 'wa'], message: 'Track your order or start a return by text.', wa: { '1': 'there' }, createdAt: before.createdAt },
      )
      await page.getByRole('row', { name: 'Order status (edited)', exact: true }).getByText('SMS → WhatsApp').waitFor()
      watched.assertClean()
    } finally {
      await watched.close('handoffs-edit')
    }
  })

  test('delete asks first, inline; No keeps the handoff, Yes deletes it', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      const roaming = (await stored('Roaming help'))[0]!
      await page.getByLabel('Title contains').fill('roaming')
      const row = page.getByRole('row', { name: 'Roaming help', exact: true })
      await row.getByRole('button', { name: 'Delete Roaming help' }).click()
      await row.getByText('Delete “Roaming help”? An IVR that names its ID is refused from then on.').waitFor()
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'No')
      await watched.assertAccessible('confirming a delete')
      await row.getByRole('button', { name: 'No' }).click()
      await row.getByRole('button', { name: 'Delete Roaming help' }).waitFor()
      assert.ok(await findHandoff(t.runtime.db, demo.accountId, roaming.id))

      await row.getByRole('button', { name: 'Delete Roaming help' }).click()
      await row.getByRole('button', { name: 'Yes, delete' }).click()
      await page.getByRole('status').filter({ hasText: '“Roaming help” was deleted.' }).waitFor()
      await page.getByText('No handoff matches these filters.').waitFor()
      assert.equal(await findHandoff(t.runtime.db, demo.accountId, roaming.id), undefined)
      await watched.assertAccessible('after a delete')
      watched.assertClean()
    } finally {
      await watched.close('handoffs-delete')
    }
  })

  test('a title with <script> forced past the page is refused by the server, and the list shows titles as text', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      watched.expected.push({ status: 400, path: '/handoffs' })
      const refused = await fromPage(page, 'POST', '/handoffs', { title: '<script>window.pwned = true</script>', lookbackMinutes: 60, channels: ['sms'], sms: { fromNumber: NUMBER, message: 'Hi' } })
      assert.equal(refused.status, 400)
      assert.deepEqual(refused.body?.fields, [{ field: 'title', message: 'must not contain < or >' }])
      assert.deepEqual(await stored('<script>window.pwned = true</script>'), [])
      // Punctuation and symbols are allowed, and stay text.
      await createHandoff(t.runtime, demo.accountId, { title: 'Fish & chips "special" {{1}} \' OR 1=1', lookbackMinutes: 60, channels: ['sms'], sms: sms('<i>Hi</i>') })
      await page.reload()
      const row = page.getByRole('row', { name: 'Fish & chips "special" {{1}} \' OR 1=1', exact: true })
      await row.getByRole('link', { name: 'Fish & chips "special" {{1}} \' OR 1=1', exact: true }).click()
      await page.getByRole('heading', { name: 'Fish & chips "special" {{1}} \' OR 1=1', level: 1 }).waitFor()
      await page.getByText('<i>Hi</i>').waitFor()
      assert.equal(await page.locator('main i').count(), 0)
      await page.getByRole('link', { name: 'Edit', exact: true }).waitFor()
      await watched.assertAccessible('a handoff, as an admin sees it')
      watched.assertClean()
    } finally {
      await watched.close('handoffs-markup')
    }
  })

  test('an LPA user reads the list and a handoff, without a write control; the server refuses its writes (403 1101)', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, LPA)
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      await page.getByRole('table').waitFor()
      await page.getByText('You can read them; admins and campaign managers change them.').waitFor()
      assert.equal(await page.getByRole('link', { name: 'New handoff' }).count(), 0)
      assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0)
      assert.equal(await page.getByRole('link', { name: /^Edit/ }).count(), 0)
      await watched.assertAccessible('list for an LPA user')

      const demoHandoff = (await findHandoff(t.runtime.db, demo.accountId, demo.handoffId))!
      await page.getByLabel('Title contains').fill('demo')
      await page.getByRole('link', { name: 'Demo SMS handoff' }).click()
      await page.waitForURL(`**/handoffs/${demo.handoffId}`, { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'Demo SMS handoff', level: 1 }).waitFor()
      await page.getByText('Read-only: admins and campaign managers change handoffs.').waitFor()
      await page.getByText(`${demoHandoff.sms!.message}\n${demoHandoff.sms!.optOutText}`).waitFor()
      assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0)
      await watched.assertAccessible('a handoff, read-only')
      await page.getByRole('link', { name: 'Back to the API handoffs' }).click()
      await page.waitForURL((url) => url.pathname === '/' && url.searchParams.get('title') === 'demo', { waitUntil: 'commit' })

      // The write pages lead back to the list.
      for (const path of ['/handoffs/new', `/handoffs/${demo.handoffId}/edit`]) {
        await page.goto(path)
        await page.waitForURL((url) => url.pathname === '/', { waitUntil: 'commit' })
        await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      }

      // Whatever the page shows, the server refuses an LPA user's writes.
      watched.expected.push({ status: 403, path: '/handoffs' }, { status: 403, path: `/handoffs/${demo.handoffId}` })
      const body = { title: 'By an LPA user', lookbackMinutes: 60, channels: ['sms'], sms: { fromNumber: NUMBER, message: 'Hi' } }
      for (const [method, path] of [['POST', '/handoffs'], ['PUT', `/handoffs/${demo.handoffId}`], ['DELETE', `/handoffs/${demo.handoffId}`]] as const) {
        const answer = await fromPage(page, method, path, method === 'DELETE' ? undefined : body)
        assert.equal(answer.status, 403, `${method} ${path}`)
        assert.equal(answer.body?.errorCode, 1101, `${method} ${path}`)
      }
      assert.deepEqual(await findHandoff(t.runtime.db, demo.accountId, demo.handoffId), demoHandoff)
      watched.assertClean()
    } finally {
      await watched.close('handoffs-lpa')
    }
  })

  test('the list says when it cannot be loaded, and loads again on Try again', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await page.getByRole('table').waitFor()
      watched.expected.push({ status: 503, path: '/handoffs' })
      const list = (url: URL) => url.pathname.endsWith('/handoffs')
      await page.route(list, (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ errorCode: 5003, errorMessage: 'Service Unavailable' }) }))
      await page.goto('/?sort=id')
      await page.getByRole('alert').getByText('The handoffs could not be loaded: Service Unavailable').waitFor({ timeout: 15_000 })
      await watched.assertAccessible('list that could not be loaded')
      await page.unroute(list)
      await page.getByRole('button', { name: 'Try again' }).click()
      await page.getByRole('table').waitFor()
      assert.equal(await page.getByRole('alert').count(), 0)
      watched.assertClean()
    } finally {
      await watched.close('handoffs-error')
    }
  })

  test("the browser's Back and Forward walk the steps with the draft kept; a reload restores it; after saving, Back leaves the spent form behind", async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await page.getByText('Handoffs 1–10 of').waitFor()
      const stepHeading = (n: number) => page.getByRole('heading', { name: new RegExp(`^Step ${n} of 3`) })
      const stepInAddress = () => new URL(page.url()).searchParams.get('step')

      // A step's address opened without a draft shows the first step, and says so in the address.
      await page.goto('/handoffs/new?step=preview')
      await stepHeading(1).waitFor()
      await page.waitForURL((url) => url.pathname === '/handoffs/new' && !url.searchParams.has('step'), { waitUntil: 'commit' })
      await page.goto('/')

      await page.getByRole('link', { name: 'New handoff' }).click()
      await page.getByRole('textbox', { name: 'Title' }).fill('Browser history')
      await page.getByRole('checkbox', { name: 'SMS', exact: true }).click()
      await page.getByRole('button', { name: 'Next: compose the message' }).click()
      await stepHeading(2).waitFor()
      assert.equal(stepInAddress(), 'compose')
      await page.getByLabel('SMS number to send from').selectOption(NUMBER)
      await page.getByRole('textbox', { name: 'SMS message' }).fill('Reply here to go on by text.')
      await page.getByRole('button', { name: 'Next: preview' }).click()
      await stepHeading(3).waitFor()
      assert.equal(stepInAddress(), 'preview')

      // Back and Forward: step by step, everything kept, the focus on the step's heading.
      await page.goBack()
      await stepHeading(2).waitFor()
      assert.equal(stepInAddress(), 'compose')
      assert.equal(await page.getByRole('textbox', { name: 'SMS message' }).inputValue(), 'Reply here to go on by text.')
      assert.match(await focused(page), /^Step 2 of 3/)
      await page.goBack()
      await stepHeading(1).waitFor()
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).inputValue(), 'Browser history')
      await page.goForward()
      await stepHeading(2).waitFor()
      assert.equal(await page.getByRole('textbox', { name: 'SMS message' }).inputValue(), 'Reply here to go on by text.')
      await page.goForward()
      await stepHeading(3).waitFor()
      await page.locator('form').getByText('Reply here to go on by text.', { exact: false }).waitFor()

      // Reloading asks first (unsaved changes), then restores the draft on the same step.
      const asked: string[] = []
      page.once('dialog', (dialog) => {
        asked.push(dialog.type())
        void dialog.accept()
      })
      await page.reload()
      assert.deepEqual(asked, ['beforeunload'])
      await stepHeading(3).waitFor()
      await page.getByRole('status').filter({ hasText: 'Your unsaved changes were restored.' }).waitFor()
      await page.locator('form').getByText('Reply here to go on by text.', { exact: false }).waitFor()
      await watched.assertAccessible('new handoff, restored after a reload')
      // Back still walks the steps after the reload.
      await page.goBack()
      await stepHeading(2).waitFor()
      assert.equal(await page.getByRole('textbox', { name: 'SMS message' }).inputValue(), 'Reply here to go on by text.')

      // Leaving by Back keeps the draft: New handoff brings it back, and it can be discarded.
      await page.goBack()
      await stepHeading(1).waitFor()
      await page.goBack()
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      await page.getByRole('link', { name: 'New handoff' }).click()
      await page.getByRole('status').filter({ hasText: 'Your unsaved changes were restored.' }).waitFor()
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).inputValue(), 'Browser history')
      await page.getByRole('button', { name: 'Discard the unsaved changes' }).click()
      await page.waitForFunction(() => !document.body.textContent?.includes('Your unsaved changes were restored.'))
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).inputValue(), '')
      assert.match(await focused(page), /^Step 1 of 3/)
      assert.deepEqual(await storedDrafts(page), [])

      // Again, saved this time: Back from the list goes where the flow was opened from.
      await page.getByRole('textbox', { name: 'Title' }).fill('Browser history')
      await page.getByRole('checkbox', { name: 'SMS', exact: true }).click()
      await page.getByRole('button', { name: 'Next: compose the message' }).click()
      await page.getByLabel('SMS number to send from').selectOption(NUMBER)
      await page.getByRole('textbox', { name: 'SMS message' }).fill('Reply here to go on by text.')
      await page.getByRole('button', { name: 'Next: preview' }).click()
      await page.getByRole('button', { name: 'Save the handoff' }).click()
      const created = page.getByRole('status').filter({ hasText: '“Browser history” was created.' })
      await created.waitFor()
      assert.equal((await stored('Browser history')).length, 1)
      assert.deepEqual(await storedDrafts(page), [])
      // Said once: a reload of the list does not say it again.
      await page.reload()
      await page.getByText('Handoffs 1–10 of').waitFor()
      assert.equal(await created.count(), 0)
      await page.goBack()
      await page.waitForURL((url) => url.pathname === '/', { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      await page.getByText('Handoffs 1–10 of').waitFor()
      assert.equal(await page.getByRole('heading', { name: 'New API handoff' }).count(), 0)
      assert.equal(await created.count(), 0)
      watched.assertClean()
    } finally {
      await watched.close('handoffs-history')
    }
  })

  test('Cancel forgets the draft, and Back then leaves the flow; an edit keeps its own draft', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      const claims = (await stored('Claims'))[0]!
      await page.goto(`/handoffs/${claims.id}`)
      await page.getByRole('heading', { name: 'Claims', level: 1 }).waitFor()
      await page.getByRole('link', { name: 'Edit', exact: true }).click()
      await page.getByRole('heading', { name: 'Edit “Claims”' }).waitFor()
      await page.getByRole('textbox', { name: 'Title' }).fill('Claims and repairs')
      await page.getByRole('button', { name: 'Next: compose the message' }).click()
      await page.getByRole('heading', { name: /^Step 2 of 3/ }).waitFor()
      // A new handoff's draft and this one's are kept apart.
      assert.deepEqual(await storedDrafts(page), [`c2m.handoff-draft.${demo.accountId}.${claims.id}`])

      page.once('dialog', (dialog) => void dialog.accept())
      await page.reload()
      await page.getByRole('status').filter({ hasText: 'Your unsaved changes were restored.' }).waitFor()
      await page.getByRole('button', { name: 'Back', exact: true }).click()
      await page.getByRole('heading', { name: /^Step 1 of 3/ }).waitFor()
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).inputValue(), 'Claims and repairs')

      await page.getByRole('button', { name: 'Cancel' }).click()
      await page.waitForURL((url) => url.pathname === '/', { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
      assert.deepEqual(await storedDrafts(page), [])
      assert.equal((await findHandoff(t.runtime.db, demo.accountId, claims.id))?.title, 'Claims')
      // Back goes to the handoff the edit was opened from, not to the cancelled form.
      await page.goBack()
      await page.waitForURL((url) => url.pathname === `/handoffs/${claims.id}`, { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'Claims', level: 1 }).waitFor()
      await page.getByRole('link', { name: 'Edit', exact: true }).click()
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).inputValue(), 'Claims')
      assert.equal(await page.getByText('Your unsaved changes were restored.').count(), 0)
      watched.assertClean()
    } finally {
      await watched.close('handoffs-cancel')
    }
  })

  test('at 1024 px wide, a 255-character skill and a 100-character title wrap: no page is wider than the window', async () => {
    const longSkill = `<b>x</b> ${'y'.repeat(246)}`
    assert.equal(longSkill.length, 255)
    const longTitle = `Long${'o'.repeat(96)}`
    await addSkill(t.runtime, demo.accountId, longSkill)
    await createHandoff(t.runtime, demo.accountId, { title: longTitle, lookbackMinutes: 60, channels: ['sms'], skills: [longSkill], sms: sms('Hi') })
    const [handoff] = await stored(longTitle)
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await page.setViewportSize({ width: 1024, height: 800 })
      await signIn(watched, demo.admin)
      const fits = async (where: string) => {
        const width = await page.evaluate(() => document.documentElement.scrollWidth)
        assert.ok(width <= 1024, `${where}: the page is ${width} px wide`)
      }
      const row = page.getByRole('row', { name: longTitle, exact: true })
      await row.waitFor()
      await fits('the list')
      await row.getByRole('button', { name: `Delete ${longTitle}` }).click()
      await row.getByText(`Delete “${longTitle}”?`, { exact: false }).waitFor()
      await fits('the list, confirming a delete')
      await row.getByRole('button', { name: 'No' }).click()

      await row.getByRole('link', { name: longTitle, exact: true }).click()
      await page.getByRole('heading', { name: longTitle, level: 1 }).waitFor()
      await page.getByText(longSkill).waitFor()
      await fits('the view page')

      await page.getByRole('link', { name: 'Edit', exact: true }).click()
      await page.getByRole('checkbox', { name: longSkill }).waitFor()
      assert.equal(await page.getByRole('checkbox', { name: longSkill }).isChecked(), true)
      await fits('the editor, step 1')
      await page.getByRole('button', { name: 'Next: compose the message' }).click()
      await page.getByRole('heading', { name: /^Step 2 of 3/ }).waitFor()
      await fits('the editor, step 2')
      await page.getByRole('button', { name: 'Next: preview' }).click()
      await page.getByRole('heading', { name: /^Step 3 of 3/ }).waitFor()
      await page.locator('form').getByText(longSkill).waitFor()
      await fits('the editor, preview')
      await watched.assertAccessible('preview with long names at 1024 px')
      await page.getByRole('button', { name: 'Save changes' }).click()
      await page.getByRole('status').filter({ hasText: 'was saved.' }).waitFor()
      await fits('the list after a save')

      // A new handoff's first step lists the skill too.
      await page.getByRole('link', { name: 'New handoff' }).click()
      await page.getByRole('textbox', { name: 'Title' }).fill(`New${'w'.repeat(97)}`)
      await page.getByRole('checkbox', { name: longSkill }).click()
      await fits('a new handoff, step 1')
      await page.getByRole('button', { name: 'Cancel' }).click()
      await page.waitForURL((url) => url.pathname === '/', { waitUntil: 'commit' })
      assert.ok(handoff)
      watched.assertClean()
    } finally {
      await watched.close('handoffs-long-names')
    }
  })
})
