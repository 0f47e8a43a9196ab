import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import { WatchedPage, type Webtool, signInThroughPages, skipReason, startWebtool } from './browser.ts'

// Each role's menu in a real browser, and what happens when a person types the address of a page
// that is not theirs: the page leads to their landing page, and the server refuses the calls the
// page would make (never relying on the hiding).

const PASSWORD = 'role-password-1'
const PEOPLE = {
  'campaign-manager': 'campaigns',
  lpa: 'reviewer',
  'agent-manager': 'lead',
} as const

const MENUS: Record<string, string[]> = {
  admin: ['API handoffs', 'WhatsApp templates', 'Settings', 'Provider connections', 'Consumer simulator', 'Users', 'API keys'],
  'campaign-manager': ['API handoffs', 'WhatsApp templates', 'Settings', 'Provider connections', 'Consumer simulator'],
  lpa: ['API handoffs', 'WhatsApp templates', 'Settings', 'Provider connections'],
  agent: ['Agent workspace'],
  'agent-manager': ['WhatsApp templates', 'Agent workspace'],
}

/** Configuration pages, and a write each would make (agents are refused both the page and the call). */
const CONFIGURATION: Array<{ page: string; read: string; write: { method: 'PUT' | 'POST'; path: string; body: unknown } }> = [
  { page: '/', read: '/handoffs', write: { method: 'POST', path: '/handoffs', body: {} } },
  { page: '/handoffs/new', read: '/phone-numbers', write: { method: 'POST', path: '/phone-numbers', body: { number: '+18005550199', channel: 'sms' } } },
  { page: '/settings', read: '/settings', write: { method: 'POST', path: '/skills', body: { name: 'planted' } } },
  { page: '/whatsapp-templates', read: '/whatsapp-templates', write: { method: 'POST', path: '/whatsapp-templates', body: {} } },
  { page: '/connections', read: '/channels', write: { method: 'PUT', path: '/channel-modes/sms', body: { mode: 'sandbox' } } },
  { page: '/users', read: '/users', write: { method: 'POST', path: '/users', body: {} } },
  { page: '/api-keys', read: '/api-keys', write: { method: 'POST', path: '/api-keys', body: {} } },
]

describe('roles in a real browser: each menu, and the pages a role may not open', { skip: skipReason }, () => {
  let base: string
  let browser: Browser
  let web: Webtool
  let demo: DemoCredentials

  before(async () => {
    web = await startWebtool(undefined, {}, async (t, demo) => {
      for (const [role, login] of Object.entries(PEOPLE)) {
        await createUser(t.runtime, { accountId: demo.accountId, login, role: role as keyof typeof PEOPLE, skills: role === 'agent-manager' ? ['support'] : [], password: PASSWORD })
      }
    })
    ;({ base, browser, demo } = web)
  })
  after(async () => web?.close())

  const person = (role: string) => (role === 'admin' ? demo.admin : role === 'agent' ? demo.agents.find((a) => a.skill === 'support')! : { login: PEOPLE[role as keyof typeof PEOPLE], password: PASSWORD })

  for (const role of Object.keys(MENUS)) {
    test(`${role}: the menu lists exactly the pages of the role`, async () => {
      const watched = await WatchedPage.open(browser, base)
      try {
        await signInThroughPages(watched, demo.accountId, person(role))
        const nav = watched.page.getByRole('navigation', { name: 'Main' })
        await nav.getByRole('link', { name: MENUS[role]![0] }).waitFor()
        assert.deepEqual(await nav.getByRole('link').allTextContents(), MENUS[role])
        watched.assertClean()
      } finally {
        await watched.close(`roles-menu-${role}`)
      }
    })
  }

  test('an agent cannot open configuration: every configuration address leads to the workspace, and the server refuses the calls', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signInThroughPages(watched, demo.accountId, person('agent'))
      for (const { page: address } of CONFIGURATION) {
        await page.goto(address)
        await page.waitForURL((url) => url.pathname === '/workspace', { waitUntil: 'commit' })
        await page.getByRole('heading', { name: 'Agent workspace', level: 1 }).waitFor()
      }
      // The calls the pages would make, from the agent's own session with its CSRF token: 403 1101 each.
      for (const { read, write } of CONFIGURATION) watched.expected.push({ status: 403, path: read }, { status: 403, path: write.path })
      const answers = await page.evaluate(
        async ({ accountId, calls }) => {
          const api = `/api/account/${accountId}`
          const session = (await (await fetch(`${api}/session`)).json()) as { csrfToken: string }
          const results: Array<[string, number, unknown]> = []
          for (const { read, write } of calls) {
            const got = await fetch(api + read)
            results.push([`GET ${read}`, got.status, ((await got.json()) as { errorCode: unknown }).errorCode])
            const sent = await fetch(api + write.path, { method: write.method, headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: JSON.stringify(write.body) })
            results.push([`${write.method} ${write.path}`, sent.status, ((await sent.json()) as { errorCode: unknown }).errorCode])
          }
          return results
        },
        { accountId: demo.accountId, calls: CONFIGURATION },
      )
      for (const [call, status, errorCode] of answers) assert.deepEqual([call, status, errorCode], [call, 403, 1101])
      watched.assertClean()
    } finally {
      await watched.close('roles-agent-refused')
    }
  })
})
