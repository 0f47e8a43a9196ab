import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { TestApp } from '../helper.ts'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import { createHandoff } from '../../src/handoffs/handoff.service.ts'
import { createTemplate, submitTemplate } from '../../src/whatsapp-templates/template.service.ts'
import { insertTemplate } from '../../src/whatsapp-templates/template.repository.ts'
import { WatchedPage, type Webtool, requestFromPage, signInThroughPages, skipReason, startWebtool } from './browser.ts'

const LPA = { login: 'reviewer', password: 'reviewer-password-3' }
const MANAGER = { login: 'lead', password: 'lead-password-5' }
/** A name as long as a list row may have to show (Meta allows 512). */
const LONG_NAME = `long_${'n'.repeat(195)}`
const WA_NUMBER = '+18005550100'
const WABA = '100000000000001'
const IN_USE_HANDOFF = 'Spring sale follow-up'

// The WhatsApp templates pages in a real browser, on the demo brand (WhatsApp not connected: the
// sandbox approves what is submitted): the lifecycle from a draft with variables to an approved,
// read-only template; the name rules as they are typed; markup shown as text; deleting, refused
// while a handoff uses the template; and an LPA user's read-only pages, whose writes the server refuses.
describe('WhatsApp templates in a real browser: create, submit, approved by the sandbox, read-only', { skip: skipReason }, () => {
  let t: TestApp
  let base: string
  let browser: Browser
  let web: Webtool
  let demo: DemoCredentials
  let inUseHandoffId: string

  before(async () => {
    web = await startWebtool(undefined, {}, async (t, demo) => {
      const { accountId } = demo
      await createUser(t.runtime, { accountId, login: LPA.login, role: 'lpa', skills: [], password: LPA.password })
      await createUser(t.runtime, { accountId, login: MANAGER.login, role: 'agent-manager', skills: ['support'], password: MANAGER.password })
      const draft = { category: 'UTILITY' as const, language: 'en_US', wabaId: WABA, phoneNumber: WA_NUMBER, body: 'Hi {{1}}, your order is ready. Reply here to chat.', examples: ['Jane'] }
      for (const name of ['in_use_text', 'unused_draft', 'lpa_sees_draft', 'new', LONG_NAME]) await createTemplate(t.runtime, accountId, { name, ...draft })
      await submitTemplate(t.runtime, accountId, 'in_use_text')
      const { handoff } = await createHandoff(t.runtime, accountId, { title: IN_USE_HANDOFF, lookbackMinutes: 120, channels: ['wa'], wa: { fromNumber: WA_NUMBER, templateName: 'in_use_text', variables: { '1': 'there' } } })
      inUseHandoffId = handoff.id
      // Meta's verdict as its webhook would have stored it (the sandbox never rejects).
      const at = t.clock.now().toISOString()
      await insertTemplate(t.runtime.db, accountId, { name: 'was_rejected', ...draft, body: '{{1}}, your order is ready', status: 'REJECTED', rejectedReason: 'INVALID_FORMAT', submittedAt: at, createdAt: at, updatedAt: at })
    })
    ;({ t, base, browser, demo } = web)
  })
  after(async () => web?.close())

  const signIn = (watched: WatchedPage, person: { login: string; password: string }) => signInThroughPages(watched, demo.accountId, person)

  async function openList(page: Page) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'WhatsApp templates' }).click()
    await page.waitForURL('**/whatsapp-templates', { waitUntil: 'commit' })
    await page.getByRole('heading', { name: 'WhatsApp templates', level: 1 }).waitFor()
    await page.getByRole('row', { name: /ivr_followup/ }).waitFor()
  }

  const preview = (page: Page) => page.getByRole('region', { name: 'Preview' }).getByTestId('template-preview')
  const statusOf = async (name: string) => (await t.runtime.db.selectFrom('wa_templates').select('status').where('account_id', '=', demo.accountId).where('name', '=', name).executeTakeFirst())?.status

  test('a template with variables: the name checked as typed, samples and preview, saved, submitted, approved by the sandbox, then read-only', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await openList(page)
      const demoRow = page.getByRole('row', { name: /ivr_followup/ })
      await demoRow.getByText('Approved').waitFor()
      await demoRow.getByRole('cell', { name: /English \(United States\) — en_US/ }).waitFor()
      await demoRow.getByRole('cell', { name: 'Utility' }).waitFor()
      await watched.assertAccessible('templates, the list')

      // A filter with nothing to show says so.
      await page.getByLabel('Show').selectOption({ label: 'Paused' })
      await page.getByText('No template is paused.').waitFor()
      await watched.assertAccessible('templates, an empty filter')
      await page.getByLabel('Show').selectOption({ label: 'All statuses' })
      await demoRow.waitFor()

      await page.getByRole('link', { name: 'New template' }).click()
      await page.waitForURL('**/whatsapp-templates/new-template', { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'New WhatsApp template' }).waitFor()
      const form = page.getByRole('form', { name: 'New template' })
      await page.getByText('The message appears here as you write it.').waitFor()
      await watched.assertAccessible('new template, empty')

      // The name rules, as the name is typed: no capitals, no spaces, nothing but letters, digits and underscores.
      const name = form.getByLabel('Name', { exact: true })
      await name.pressSequentially('Order Update')
      await form.getByText('Use only lower-case letters, digits and underscores; not spaces, capital letters.').waitFor()
      assert.equal(await name.getAttribute('aria-invalid'), 'true')
      await watched.assertAccessible('new template, a name error')
      await name.fill('order-update.1')
      await form.getByText('Use only lower-case letters, digits and underscores; not “-” “.”.').waitFor()
      await name.fill('order_update_1')
      await form.getByText(/Use only lower-case letters/).waitFor({ state: 'detached' })
      assert.equal(await name.getAttribute('aria-invalid'), null)

      await form.getByLabel('Category').selectOption({ label: 'Marketing' })
      assert.equal(await form.getByLabel('Language').inputValue(), 'en_US')
      assert.equal(await form.getByLabel('Outbound number').inputValue(), WA_NUMBER)
      await form.getByLabel('WhatsApp Business ID').fill(WABA)

      // A sample field appears for each variable as it is typed; the preview follows.
      const body = form.getByLabel('Message')
      await body.pressSequentially('Hi {{1}}, your order ')
      await form.getByLabel('Sample for {{1}}').waitFor()
      assert.equal(await form.getByLabel('Sample for {{2}}').count(), 0)
      await body.pressSequentially('{{2}} is ready. Reply here to chat.')
      await form.getByLabel('Sample for {{2}}').waitFor()
      assert.equal(await preview(page).innerText(), 'Hi {{1}}, your order {{2}} is ready. Reply here to chat.')
      await form.getByLabel('Sample for {{1}}').fill('Jane')
      await form.getByLabel('Sample for {{2}}').fill('A-17')
      await preview(page).getByText('A-17').waitFor()
      assert.equal(await preview(page).innerText(), 'Hi Jane, your order A-17 is ready. Reply here to chat.')
      await form.getByText('56 / 1024 characters', { exact: false }).waitFor()
      await watched.assertAccessible('new template, filled in with its preview')

      await form.getByRole('button', { name: 'Save as draft' }).click()
      await page.waitForURL('**/whatsapp-templates/order_update_1', { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'order_update_1', level: 1 }).waitFor()
      await page.getByRole('status').getByText('order_update_1 is saved as a draft').waitFor()
      // The form that had the focus is gone: the notice has it, not the page.
      assert.equal(await page.evaluate(() => document.activeElement !== document.body && document.activeElement?.getAttribute('role')), 'status')
      await page.locator('main').getByText('Draft', { exact: true }).first().waitFor()
      const edit = page.getByRole('form', { name: 'Edit order_update_1' })
      assert.equal(await edit.getByLabel('Message').inputValue(), 'Hi {{1}}, your order {{2}} is ready. Reply here to chat.')
      assert.equal(await edit.getByLabel('Sample for {{2}}').inputValue(), 'A-17')
      assert.equal(await edit.getByLabel('Category').inputValue(), 'MARKETING')
      await page.getByText('the sandbox stands in for WhatsApp\'s review').waitFor()
      assert.equal(await statusOf('order_update_1'), 'DRAFT')
      await watched.assertAccessible('a draft, editable')

      // Unsaved changes are saved before submitting: what is submitted is what is stored.
      await edit.getByLabel('Sample for {{1}}').fill('Janet')
      await page.getByText('Save your changes first').waitFor()
      assert.equal(await page.getByRole('button', { name: 'Submit for approval' }).isDisabled(), true)
      await edit.getByRole('button', { name: 'Save changes' }).click()
      await page.getByRole('status').getByText('order_update_1 is saved as a draft').waitFor()
      assert.equal(await page.evaluate(() => document.activeElement !== document.body), true, 'focus after Save changes')
      await page.getByText('Save your changes first').waitFor({ state: 'detached' })

      await page.getByRole('button', { name: 'Submit for approval' }).click()
      await page.getByRole('status').getByText('order_update_1 is approved by the sandbox').waitFor()
      assert.equal(await statusOf('order_update_1'), 'APPROVED')

      // Approved: read-only, without edit controls; the preview shows the stored samples.
      await page.getByRole('region', { name: 'Template' }).getByText('Approved templates cannot be edited').waitFor()
      for (const control of ['Save changes', 'Discard changes', 'Submit for approval']) assert.equal(await page.getByRole('button', { name: control }).count(), 0, control)
      assert.equal(await page.getByRole('textbox').count(), 0, 'no field to edit')
      assert.equal(await page.getByRole('combobox').count(), 0, 'no choice to change')
      assert.equal(await preview(page).innerText(), 'Hi Janet, your order A-17 is ready. Reply here to chat.')
      await page.getByRole('definition').filter({ hasText: 'Marketing' }).waitFor()
      await watched.assertAccessible('an approved template, read-only')

      // The server agrees: the approved template cannot be edited. The draft's notice, passed on
      // by the new template's page, does not come back with the reload to contradict the status.
      await page.reload()
      await page.getByRole('heading', { name: 'order_update_1', level: 1 }).waitFor()
      await page.getByRole('region', { name: 'Template' }).getByText('Approved templates cannot be edited').waitFor()
      assert.equal(await page.getByRole('textbox').count(), 0)
      assert.equal(await page.getByText('is saved as a draft').count(), 0, 'no stale draft notice after a reload')

      await page.getByRole('link', { name: 'All templates' }).click()
      await page.getByRole('row', { name: /order_update_1/ }).getByText('Approved').waitFor()
      watched.assertClean()
    } finally {
      await watched.close('whatsapp-templates-lifecycle')
    }
  })

  test('a message and samples containing markup are shown as text; a taken name is refused next to the field', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await page.goto('/whatsapp-templates/new-template')
      const form = page.getByRole('form', { name: 'New template' })
      await form.getByLabel('Name', { exact: true }).fill('in_use_text')
      await form.getByLabel('WhatsApp Business ID').fill(WABA)
      const markup = 'Hello <b>bold</b> {{1}} <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> bye'
      await form.getByLabel('Message').fill(markup)
      await form.getByLabel('Sample for {{1}}').fill('<i>Jane</i>')
      const shown = preview(page)
      await shown.getByText('<i>Jane</i>').waitFor()
      assert.equal(await shown.innerText(), markup.replace('{{1}}', '<i>Jane</i>'))
      assert.equal(await shown.locator('b, i, img, script').count(), 0, 'no element made from the text')

      // The name is taken: the server's refusal is shown next to the name.
      watched.expected.push({ status: 409, path: '/whatsapp-templates' })
      await form.getByRole('button', { name: 'Save as draft' }).click()
      await form.getByText('a template named in_use_text already exists').waitFor()
      await form.getByRole('alert').getByText('Please correct the fields below.').waitFor()
      await watched.assertAccessible('new template, a name already taken')

      await form.getByLabel('Name', { exact: true }).fill('markup_as_text')
      await form.getByRole('button', { name: 'Save as draft' }).click()
      await page.waitForURL('**/whatsapp-templates/markup_as_text', { waitUntil: 'commit' })
      const edit = page.getByRole('form', { name: 'Edit markup_as_text' })
      assert.equal(await edit.getByLabel('Message').inputValue(), markup)
      assert.equal(await preview(page).innerText(), markup.replace('{{1}}', '<i>Jane</i>'))
      assert.equal(await preview(page).locator('b, i, img, script').count(), 0)
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined)
      watched.assertClean()
    } finally {
      await watched.close('whatsapp-templates-markup')
    }
  })

  test('a rejected template shows WhatsApp\'s reason, is edited into a draft again, and resubmitted', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await openList(page)
      await page.getByRole('row', { name: /was_rejected/ }).getByText('Rejected', { exact: true }).waitFor()
      await page.getByRole('link', { name: 'was_rejected' }).click()
      await page.getByRole('heading', { name: 'was_rejected', level: 1 }).waitFor()
      await page.getByText('WhatsApp rejected this template: INVALID_FORMAT. Edit it and submit it again.').waitFor()
      const edit = page.getByRole('form', { name: 'Edit was_rejected' })
      // Saying early what Meta's review objects to: a message starting with a variable.
      await edit.getByText('WhatsApp usually rejects a template that starts or ends with a variable.').waitFor()
      await watched.assertAccessible('a rejected template, editable')

      await edit.getByLabel('Message').fill('Hi {{1}}, your order is ready. Reply here to chat.')
      await edit.getByText('WhatsApp usually rejects').waitFor({ state: 'detached' })
      await edit.getByRole('button', { name: 'Save changes' }).click()
      await page.getByRole('status').getByText('was_rejected is saved as a draft').waitFor()
      await page.getByText(/WhatsApp rejected this template/).waitFor({ state: 'detached' })
      assert.equal(await statusOf('was_rejected'), 'DRAFT')

      await page.getByRole('button', { name: 'Submit for approval' }).click()
      await page.getByRole('status').getByText('was_rejected is approved by the sandbox').waitFor()
      assert.equal(await page.getByRole('textbox').count(), 0)
      assert.equal(await preview(page).innerText(), 'Hi Jane, your order is ready. Reply here to chat.')
      watched.assertClean()
    } finally {
      await watched.close('whatsapp-templates-rejected')
    }
  })

  test('deleting: refused with the handoff\'s name while a handoff uses the template; an unused draft is deleted after confirming', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await openList(page)

      const inUse = page.getByRole('row', { name: /in_use_text/ })
      await inUse.getByRole('button', { name: 'Delete in_use_text' }).click()
      await inUse.getByText('Delete in_use_text? This cannot be undone.').waitFor()
      await watched.assertAccessible('templates, confirming a deletion')
      watched.expected.push({ status: 409, path: '/whatsapp-templates/in_use_text' })
      await inUse.getByRole('button', { name: 'Yes, delete' }).click()
      await inUse
        .getByRole('alert')
        .getByText(`in_use_text cannot be deleted: the template is used by handoff "${IN_USE_HANDOFF}" (${inUseHandoffId}): change or delete it first.`)
        .waitFor()
      await inUse.getByRole('button', { name: 'Delete in_use_text' }).waitFor()
      assert.equal(await statusOf('in_use_text'), 'APPROVED', 'still there')
      await watched.assertAccessible('templates, a deletion refused')

      // No keeps the template and gives the focus back to Delete; Yes deletes it.
      const unused = page.getByRole('row', { name: /unused_draft/ })
      await unused.getByRole('button', { name: 'Delete unused_draft' }).click()
      await unused.getByRole('button', { name: 'No' }).click()
      const deleteButton = unused.getByRole('button', { name: 'Delete unused_draft' })
      await deleteButton.waitFor()
      assert.equal(await deleteButton.evaluate((button) => button === document.activeElement), true, 'the focus is back on Delete')
      await deleteButton.click()
      await unused.getByRole('button', { name: 'Yes, delete' }).click()
      await unused.waitFor({ state: 'detached' })
      assert.equal(await statusOf('unused_draft'), undefined)
      await watched.assertAccessible('templates after a deletion')
      watched.assertClean()
    } finally {
      await watched.close('whatsapp-templates-delete')
    }
  })

  test('a long template name keeps the list within 1024 px', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await page.setViewportSize({ width: 1024, height: 800 })
      await signIn(watched, demo.admin)
      await openList(page)
      await page.getByRole('row', { name: new RegExp(LONG_NAME) }).waitFor()
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1024, 'the list is no wider than the window')
      await page.getByRole('row', { name: new RegExp(LONG_NAME) }).getByRole('button', { name: /^Delete/ }).click()
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1024, 'the delete question is no wider than the window')
      await page.getByRole('link', { name: LONG_NAME }).click()
      await page.getByRole('heading', { name: LONG_NAME, level: 1 }).waitFor()
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1024, 'the template page is no wider than the window')
      watched.assertClean()
    } finally {
      await watched.close('whatsapp-templates-long-name')
    }
  })

  test('a template named "new" has its own page: the new-template page lives at an address no name can take', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await openList(page)
      await page.getByRole('link', { name: 'new', exact: true }).click()
      await page.waitForURL('**/whatsapp-templates/new', { waitUntil: 'commit' })
      await page.getByRole('heading', { name: 'new', level: 1, exact: true }).waitFor()
      watched.assertClean()
    } finally {
      await watched.close('whatsapp-templates-named-new')
    }
  })

  test('an agent manager reads the approved templates only, without any write control', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, MANAGER)
      await page.waitForURL('**/workspace', { waitUntil: 'commit' })
      const entry = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'WhatsApp templates' })
      assert.equal(await entry.getAttribute('href'), '/whatsapp-templates')
      // Opened by its address: leaving the workspace in the page closes its live stream, which the browser reports as an aborted request.
      await page.goto('/whatsapp-templates')
      await page.getByRole('row', { name: /ivr_followup/ }).waitFor()
      await page.getByText('You can read the approved templates').waitFor()
      const rows = page.getByRole('table', { name: 'Templates' }).getByRole('row')
      const names = (await rows.allInnerTexts()).slice(1).map((text) => text.split('\t')[0]!.trim())
      assert.ok(names.includes('ivr_followup') && names.includes('in_use_text'), names.join(', '))
      for (const draft of ['unused_draft', 'lpa_sees_draft', LONG_NAME]) assert.equal(names.includes(draft), false, `${draft} is not listed`)
      assert.ok((await rows.filter({ hasNotText: 'Approved' }).count()) === 1, 'every row but the header says Approved')
      assert.equal(await page.getByRole('link', { name: 'New template' }).count(), 0)
      assert.equal(await page.getByLabel('Show').count(), 0, 'no status filter: there is only one status to show')
      assert.equal(await page.locator('main').getByRole('button').count(), 0, 'no write control')
      await watched.assertAccessible('templates, read by an agent manager')

      await page.getByRole('link', { name: 'in_use_text' }).click()
      await page.getByRole('heading', { name: 'in_use_text', level: 1 }).waitFor()
      await page.getByRole('region', { name: 'Template' }).getByText('Approved templates cannot be edited').waitFor()
      assert.equal(await preview(page).innerText(), 'Hi Jane, your order is ready. Reply here to chat.')
      assert.equal(await page.locator('main').getByRole('button').count(), 0, 'no write control')
      assert.equal(await page.getByRole('textbox').count(), 0)
      await watched.assertAccessible('an approved template, read by an agent manager')

      // A draft is not theirs to read: the service answers 404, the page says there is none.
      watched.expected.push({ status: 404, path: '/whatsapp-templates/unused_draft' })
      await page.goto('/whatsapp-templates/unused_draft')
      await page.getByText('There is no template named unused_draft').waitFor()
      // Nor to write: the new-template address leads to their landing page.
      await page.goto('/whatsapp-templates/new-template')
      await page.waitForURL('**/workspace', { waitUntil: 'commit' })
      watched.assertClean()
    } finally {
      await watched.close('whatsapp-templates-agent-manager')
    }
  })

  test('an LPA user reads the templates without any write control, and the server refuses its writes with 403 1101', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, LPA)
      await openList(page)
      await page.getByText('You can read the templates').waitFor()
      assert.equal(await page.getByRole('link', { name: 'New template' }).count(), 0)
      assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0)
      await watched.assertAccessible('templates, read by an LPA user')

      // The new-template address leads home.
      await page.goto('/whatsapp-templates/new-template')
      await page.waitForURL((url) => url.pathname === '/')
      await openList(page)

      // A draft is read-only for them too.
      await page.getByRole('link', { name: 'lpa_sees_draft' }).click()
      await page.getByRole('heading', { name: 'lpa_sees_draft', level: 1 }).waitFor()
      await page.getByRole('region', { name: 'Template' }).getByText('Draft', { exact: true }).waitFor()
      assert.equal(await preview(page).innerText(), 'Hi Jane, your order is ready. Reply here to chat.')
      assert.equal(await page.getByRole('button').filter({ hasNotText: 'Sign out' }).count(), 0, 'no button but Sign out')
      assert.equal(await page.getByRole('textbox').count(), 0)
      await watched.assertAccessible('a draft, read by an LPA user')

      // The server refuses every write of their session, with its valid CSRF token.
      for (const path of ['/whatsapp-templates', '/whatsapp-templates/lpa_sees_draft', '/whatsapp-templates/lpa_sees_draft/submit', '/whatsapp-templates/lpa_sees_draft/sync']) {
        watched.expected.push({ status: 403, path })
      }
      const template = { name: 'lpa_made', category: 'UTILITY', language: 'en_US', wabaId: '100000000000001', phoneNumber: '+18005550100', body: 'Hi {{1}}, reply here.', examples: ['Jane'] }
      const calls: Array<[string, string, unknown]> = [
        ['POST', '/whatsapp-templates', template],
        ['PUT', '/whatsapp-templates/lpa_sees_draft', { ...template, name: 'lpa_sees_draft' }],
        ['POST', '/whatsapp-templates/lpa_sees_draft/submit', undefined],
        ['POST', '/whatsapp-templates/lpa_sees_draft/sync', undefined],
        ['DELETE', '/whatsapp-templates/lpa_sees_draft', undefined],
      ]
      for (const [method, path, body] of calls) {
        const answer = await requestFromPage(page, demo.accountId, method, path, body)
        assert.deepEqual({ status: answer.status, errorCode: answer.body.errorCode }, { status: 403, errorCode: 1101 }, `${method} ${path}`)
      }
      assert.equal(await statusOf('lpa_sees_draft'), 'DRAFT')
      assert.equal(await statusOf('lpa_made'), undefined)
      watched.assertClean()
    } finally {
      await watched.close('whatsapp-templates-lpa')
    }
  })
})
