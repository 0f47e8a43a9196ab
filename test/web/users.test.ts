import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { dialects, type TestApp } from '../helper.ts'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { WatchedPage, type Webtool, requestFromPage, signInThroughPages, skipReason, startWebtool } from './browser.ts'

const NEW_AGENT = { login: 'agent-new', password: 'initial-password-1' }
const RESET_PASSWORD = 'another-password-2'
const LPA = { login: 'reviewer', password: 'reviewer-password-3' }

for (const dialect of dialects) {
  const shot = (name: string) => (dialect.name === 'sqlite' ? name : `${name}-${dialect.name}`)

  describe(`the Users page in a real browser: an admin adds, edits, resets and disables people (${dialect.name})`, { skip: skipReason }, () => {
    let t: TestApp
    let base: string
    let browser: Browser
    let web: Webtool
    let demo: DemoCredentials

    before(async () => {
      web = await startWebtool(dialect)
      ;({ t, base, browser, demo } = web)
    })
    after(async () => web?.close())

    const signIn = (watched: WatchedPage, person: { login: string; password: string }) => signInThroughPages(watched, demo.accountId, person)

    /** A sign-in the service refuses: the login page says so and stays. */
    async function refusedSignIn(watched: WatchedPage, person: { login: string; password: string }) {
      const { page } = watched
      watched.expected.push({ status: 401, path: '/login' })
      await page.goto('/login')
      await page.getByLabel('Account id').fill(demo.accountId)
      await page.getByLabel('Login').fill(person.login)
      await page.getByLabel('Password').fill(person.password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('alert').getByText('The account id, login or password is not right.').waitFor()
      assert.equal(new URL(page.url()).pathname, '/login')
    }

    test('the admin adds an agent who signs in; a reset ends their session; disabling them refuses sign-in', async () => {
      const admin = await WatchedPage.open(browser, base)
      const agent = await WatchedPage.open(browser, base)
      try {
        const { page } = admin
        await signIn(admin, demo.admin)
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click()
        await page.waitForURL('**/users')
        await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor()
        const people = page.getByRole('region', { name: 'People' })
        await people.getByRole('row', { name: /agent-sales/ }).waitFor()
        await admin.assertAccessible('users')

        // A new agent on sales and support, three conversations at once.
        const create = page.getByRole('region', { name: 'Add a person' })
        await create.getByLabel('Login').fill(NEW_AGENT.login)
        await create.getByLabel('Role').selectOption({ label: 'Agent' })
        await create.getByRole('checkbox', { name: 'sales' }).check()
        await create.getByRole('checkbox', { name: 'support' }).check()
        await create.getByLabel('Initial password').fill(NEW_AGENT.password)
        // A capacity of 0: the browser refuses to send the form, and the rule shows next to the field.
        const capacity = create.getByRole('spinbutton', { name: 'Max conversations' })
        await capacity.fill('0')
        await create.getByRole('button', { name: 'Add person' }).click()
        await create.getByText('Enter a whole number from 1 to 100.').waitFor()
        assert.equal(await capacity.getAttribute('aria-invalid'), 'true')
        const capacityHelp = (await capacity.getAttribute('aria-describedby')) ?? ''
        assert.match(await page.locator(`[id="${capacityHelp}"]`).innerText(), /whole number from 1 to 100/)
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'maxConversations')
        await admin.assertAccessible('users, a capacity out of range')
        await capacity.fill('3')
        await create.getByText('Enter a whole number from 1 to 100.').waitFor({ state: 'detached' })
        await create.getByRole('button', { name: 'Add person' }).click()
        await create.getByRole('status').getByText(`${NEW_AGENT.login} was added`).waitFor()
        // The focus is not dropped to the page: the added line has it.
        assert.equal(await page.evaluate(() => document.activeElement !== document.body && document.activeElement?.textContent?.includes('was added')), true)
        const row = people.getByRole('row', { name: new RegExp(NEW_AGENT.login) })
        await row.getByRole('cell', { name: 'sales, support' }).waitFor()
        await row.getByRole('cell', { name: '3', exact: true }).waitFor()
        await row.getByRole('cell', { name: 'Enabled' }).waitFor()
        const stored = await t.runtime.db.selectFrom('users').select(['role', 'max_conversations']).where('login', '=', NEW_AGENT.login).executeTakeFirstOrThrow()
        assert.deepEqual({ ...stored, max_conversations: Number(stored.max_conversations) }, { role: 'agent', max_conversations: 3 })

        // The agent signs in elsewhere with the initial password.
        await signIn(agent, NEW_AGENT)
        await agent.page.waitForURL('**/workspace')

        // The admin resets their password, confirming inline: the agent's session is over.
        await row.getByRole('button', { name: `Edit ${NEW_AGENT.login}` }).click()
        const panel = page.getByRole('region', { name: `Edit ${NEW_AGENT.login}` })
        await panel.getByLabel('New password').fill(RESET_PASSWORD)
        await panel.getByRole('button', { name: 'Reset password' }).click()
        await panel.getByText(`Set this new password for ${NEW_AGENT.login}?`).waitFor()
        await admin.assertAccessible('users, confirming a reset')
        await panel.getByRole('button', { name: 'Confirm reset' }).click()
        await panel.getByRole('status').getByText(`The password of ${NEW_AGENT.login} was reset`).waitFor()

        agent.expected.push({ status: 401, path: '' })
        await agent.page.reload()
        await agent.page.waitForURL('**/login')
        await refusedSignIn(agent, NEW_AGENT)
        await signIn(agent, { login: NEW_AGENT.login, password: RESET_PASSWORD })
        await agent.page.waitForURL('**/workspace')

        // Edited in the panel: one conversation more, no longer on support.
        await panel.getByRole('checkbox', { name: 'support' }).uncheck()
        await panel.getByLabel('Max conversations').fill('4')
        await panel.getByRole('button', { name: 'Save changes' }).click()
        await row.getByRole('cell', { name: 'sales', exact: true }).waitFor()
        await row.getByRole('cell', { name: '4', exact: true }).waitFor()

        // Disabled: the session ends and signing in is refused.
        await panel.getByRole('button', { name: `Disable ${NEW_AGENT.login}` }).click()
        await row.getByRole('cell', { name: 'Disabled' }).waitFor()
        await panel.getByRole('button', { name: `Enable ${NEW_AGENT.login}` }).waitFor()
        await agent.page.reload()
        await agent.page.waitForURL('**/login')
        await refusedSignIn(agent, { login: NEW_AGENT.login, password: RESET_PASSWORD })

        // A taken login: the 409 is said next to the login field.
        admin.expected.push({ status: 409, path: '/users' })
        await create.getByLabel('Login').fill('agent-sales')
        await create.getByLabel('Initial password').fill('some-password-4')
        await create.getByRole('button', { name: 'Add person' }).click()
        const login = create.getByRole('textbox', { name: 'Login' })
        await create.getByText('login agent-sales is taken').waitFor()
        assert.equal(await login.getAttribute('aria-invalid'), 'true')
        const describedBy = (await login.getAttribute('aria-describedby')) ?? ''
        assert.ok(describedBy.length > 0)
        assert.match(await page.locator(describedBy.split(' ').map((id) => `[id="${id}"]`).join(', ')).allInnerTexts().then((t) => t.join(' ')), /is taken/)
        // The server's error goes as soon as the login changes, before the field loses the focus: Enter then adds the person.
        await login.fill('agent-sales-2')
        await create.getByText('login agent-sales is taken').waitFor({ state: 'detached' })
        assert.equal(await login.getAttribute('aria-invalid'), null)
        await login.press('Enter')
        await create.getByRole('status').getByText('agent-sales-2 was added.').waitFor()

        // The brand's last enabled admin cannot disable themselves.
        const adminId = (await t.runtime.db.selectFrom('users').select('id').where('login', '=', 'admin').where('account_id', '=', demo.accountId).executeTakeFirstOrThrow()).id
        admin.expected.push({ status: 409, path: `/users/${adminId}` })
        await people.getByRole('button', { name: 'Edit admin' }).click()
        const self = page.getByRole('region', { name: 'Edit admin' })
        await self.getByText('This is you.').waitFor()
        await self.getByRole('button', { name: 'Disable admin' }).click()
        await self.getByRole('alert').getByText('the brand\'s last enabled admin cannot be demoted or disabled').waitFor()
        await people.getByRole('row', { name: /^admin/ }).getByRole('cell', { name: 'Enabled' }).waitFor()

        await admin.assertAccessible('users after the journey')
        admin.assertClean()
        agent.assertClean()
      } finally {
        await agent.close(shot('users-agent'))
        await admin.close(shot('users'))
      }
    })

    test('a skill of 255 characters and a login of 100 keep the page within 1024 px', async () => {
      const admin = await WatchedPage.open(browser, base)
      try {
        const { page } = admin
        await page.setViewportSize({ width: 1024, height: 800 })
        await signIn(admin, demo.admin)
        const skill = `<b>x</b> ${'y'.repeat(246)}`
        const login = 'w'.repeat(100)
        assert.equal((await requestFromPage(page, demo.accountId, 'POST', '/skills', { name: skill })).status, 201)
        assert.equal((await requestFromPage(page, demo.accountId, 'POST', '/users', { login, role: 'agent', skills: [skill], maxConversations: 2, password: 'long-names-password-1' })).status, 201)
        await page.goto('/users')
        const create = page.getByRole('region', { name: 'Add a person' })
        await create.getByRole('checkbox', { name: skill }).waitFor()
        await page.getByRole('button', { name: `Edit ${login}` }).click()
        await page.getByRole('region', { name: `Edit ${login}` }).getByRole('checkbox', { name: skill }).waitFor()
        assert.equal(await page.locator('main b').count(), 0, 'the skill is shown as text')
        assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1024, 'the users page is no wider than the window')
        admin.assertClean()
      } finally {
        await admin.close(shot('users-long-names'))
      }
    })

    test('an LPA user has no Users page: no menu entry, and its address leads home', async () => {
      const admin = await WatchedPage.open(browser, base)
      const lpa = await WatchedPage.open(browser, base)
      try {
        await signIn(admin, demo.admin)
        await admin.page.goto('/users')
        const create = admin.page.getByRole('region', { name: 'Add a person' })
        await create.getByLabel('Login').fill(LPA.login)
        await create.getByLabel('Role').selectOption({ label: 'LPA user' })
        // Only agents have skills and a capacity.
        assert.equal(await create.getByRole('group', { name: 'Skills' }).count(), 0)
        assert.equal(await create.getByLabel('Max conversations').count(), 0)
        await create.getByLabel('Initial password').fill(LPA.password)
        await create.getByRole('button', { name: 'Add person' }).click()
        const row = admin.page.getByRole('region', { name: 'People' }).getByRole('row', { name: new RegExp(LPA.login) })
        await row.getByRole('cell', { name: 'LPA user' }).waitFor()
        admin.assertClean()

        const { page } = lpa
        await signIn(lpa, LPA)
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API handoffs' }).waitFor()
        assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0)
        await page.goto('/users')
        await page.waitForURL((url) => url.pathname === '/')
        await page.getByRole('heading', { name: 'API handoffs', level: 1 }).waitFor()
        lpa.assertClean()
      } finally {
        await lpa.close(shot('users-lpa'))
        await admin.close(shot('users-lpa-admin'))
      }
    })
  })
}
