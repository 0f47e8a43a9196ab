import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { TestApp } from '../helper.ts'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import { WatchedPage, type Webtool, ivrCall, skipReason, startWebtool } from './browser.ts'

// The agent workspace in a real browser: the demo brand's support agent signs in, goes online, is
// rung live by a consumer the IVR moved to SMS, accepts, reads and answers, hears the consumer's
// next message live and closes; the consumer's HTML is shown as text.

const BRAND_NUMBER = '+18005550100'
const CONSUMER = '+14259556001'
const HOSTILE = '<img src=x onerror=alert(1)> is my order late?'

describe('the agent workspace in a real browser', { skip: skipReason }, () => {
  let t: TestApp
  let base: string
  let browser: Browser
  let web: Webtool
  let demo: DemoCredentials

  before(async () => {
    // Sessions outlive the 24 hours the WhatsApp test moves the clock by.
    // The dispatcher runs in the background (DELIVERY_WORKER defaults to true): replies reach the sandbox inbox by themselves.
    web = await startWebtool(undefined, { SESSION_TTL_HOURS: '72' })
    ;({ t, base, browser, demo } = web)
  })
  after(async () => web?.close())

  /** As the IVR calls it, answered `status`. */
  const brand = (method: 'GET' | 'POST', resource: string, body: unknown, status: number) => ivrCall(web, method, resource, body, status)
  const consumerWrites = (text: string) => brand('POST', 'sandbox/inbound', { channel: 'sms', from: CONSUMER, to: BRAND_NUMBER, text }, 201)

  async function inbox(): Promise<Array<{ direction: string; text: string }>> {
    return (await brand('GET', `sandbox/messages?consumer=${encodeURIComponent(CONSUMER)}`, undefined, 200)).items
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await probe()
      if (value !== undefined) return value
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  test('an agent goes online, is rung live, accepts, replies, hears the consumer live and closes; HTML stays text', async () => {
    const agent = demo.agents.find((a) => a.skill === 'support')
    assert.ok(agent)
    // The IVR moves the consumer to SMS on the support skill: the CX widget's first outbound message.
    const { callId } = await brand('POST', 'eligibility?v=2.0', { consumerPhoneNumber: CONSUMER, handoffId: demo.handoffId, skill: 'support', templateVariables: { '1': 'Jane' } }, 200)
    await brand('POST', 'invite?v=2.0', { callId }, 200)
    await until('the invitation in the sandbox inbox', async () => ((await inbox()).some((m) => m.direction === 'outbound') ? true : undefined))

    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await page.goto('/login')
      await page.getByLabel('Account id').fill(demo.accountId)
      await page.getByLabel('Login').fill(agent.login)
      await page.getByLabel('Password').fill(agent.password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL('**/welcome')
      await page.getByRole('heading', { name: 'Your role: Agent' }).waitFor()
      await page.getByRole('button', { name: 'Continue' }).click()

      // The workspace is the agent's landing page and the only page of their navigation.
      await page.waitForURL('**/workspace')
      await page.getByRole('heading', { name: 'Agent workspace' }).waitFor()
      const nav = page.getByRole('navigation', { name: 'Main' })
      assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Agent workspace'])
      await page.getByText('Live', { exact: true }).waitFor()
      await page.getByText('Go online to be offered conversations.').waitFor()

      await page.getByRole('radio', { name: 'Online' }).check()
      await page.getByText('Nothing is ringing.', { exact: false }).waitFor()
      await watched.assertAccessible('workspace, online, nothing ringing')

      // The consumer answers the invitation: the ring appears live, with its countdown.
      await consumerWrites(HOSTILE)
      const rings = page.getByRole('region', { name: 'Ringing for you' })
      await rings.getByRole('button', { name: /^Accept/ }).waitFor()
      await rings.getByText(/\d+ s left/).waitFor()
      await watched.assertAccessible('workspace with a ring')

      await rings.getByRole('button', { name: /^Accept/ }).click()
      const transcript = page.getByRole('region', { name: 'Transcript' })
      await transcript.getByText(HOSTILE).waitFor()
      assert.equal(await page.locator('img').count(), 0, 'the consumer\'s HTML is text, not an image')
      await transcript.getByText('First outbound message (the invitation)').waitFor()
      await transcript.getByText('Hi Jane, thanks for calling Demo Brand.', { exact: false }).waitFor()
      await page.getByRole('region', { name: 'Your open conversations' }).getByRole('button', { name: /SMS · support/ }).waitFor()
      const widget = page.getByRole('region', { name: 'CX widget' })
      await widget.getByText('Hi Jane, thanks for calling Demo Brand.', { exact: false }).first().waitFor()
      await widget.getByText(demo.handoffId).first().waitFor()

      // The reply, with its character count, reaches the consumer's (sandbox) phone.
      const reply = page.getByLabel('Your reply to the consumer')
      await reply.fill('Let me check your order.')
      await page.getByText('24 / 1600 characters', { exact: false }).waitFor()
      await page.getByRole('button', { name: 'Send reply' }).click()
      await transcript.getByText('Let me check your order.').waitFor()
      assert.equal(await reply.inputValue(), '')
      await until('the reply in the sandbox inbox', async () => ((await inbox()).some((m) => m.direction === 'outbound' && m.text.startsWith('Let me check your order.')) ? true : undefined))

      // The consumer writes again: it appears without a reload.
      await consumerWrites('Thanks, order 4711.')
      await transcript.getByText('Thanks, order 4711.').waitFor()
      await watched.assertAccessible('workspace with an open conversation')

      await page.getByRole('button', { name: 'Close conversation' }).click()
      await page.getByText('Closed at', { exact: false }).waitFor()
      await page.getByText('You have no open conversation.').waitFor()
      assert.equal(new URL(page.url()).pathname, '/workspace')
      await widget.getByText(demo.handoffId).first().waitFor()
      watched.assertClean()
    } finally {
      await watched.close('agent-workspace')
    }
  })

  test('an agent manager lands on the workspace and sees every queue and every agent', async () => {
    const password = 'manager-password-1'
    await createUser(t.runtime, { accountId: demo.accountId, login: 'lead', role: 'agent-manager', skills: ['sales'], password })
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await page.goto('/')
      await page.waitForURL('**/login')
      await page.getByLabel('Account id').fill(demo.accountId)
      await page.getByLabel('Login').fill('lead')
      await page.getByLabel('Password').fill(password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.waitForURL('**/workspace')
      const queues = page.getByRole('region', { name: 'All queues' })
      for (const skill of ['billing', 'sales', 'support']) await queues.getByText(`${skill}: nobody waiting`).waitFor()
      const agents = page.getByRole('region', { name: 'Agents' })
      const support = agents.getByRole('row', { name: /agent-support/ })
      await support.getByRole('cell', { name: 'online' }).waitFor()
      await agents.getByRole('row', { name: /agent-billing/ }).getByRole('cell', { name: 'offline' }).waitFor()
      await watched.assertAccessible('the agent manager\'s workspace')
      watched.assertClean()
    } finally {
      await watched.close('agent-manager-workspace')
    }
  })

  test('a WhatsApp reply after 24 hours of silence is refused, and the page explains the template rule', async () => {
    const agent = demo.agents.find((a) => a.skill === 'support')!
    const consumer = '+14259556002'
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await page.goto('/login')
      await page.getByLabel('Account id').fill(demo.accountId)
      await page.getByLabel('Login').fill(agent.login)
      await page.getByLabel('Password').fill(agent.password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL('**/workspace')
      await page.getByText('Live', { exact: true }).waitFor()
      await page.getByRole('radio', { name: 'Online' }).check()

      await brand('POST', 'sandbox/inbound', { channel: 'wa', from: consumer, to: BRAND_NUMBER, text: 'hola' }, 201)
      const rings = page.getByRole('region', { name: 'Ringing for you' })
      await rings.getByRole('button', { name: /^Accept the support conversation on WhatsApp/ }).click()
      await page.getByRole('heading', { name: /WhatsApp conversation with/ }).waitFor()

      t.clock.advance(24 * 3600_000 + 1000)
      watched.expected.push({ status: 400, path: '/messages' })
      await page.getByLabel('Your reply to the consumer').fill('Sorry for the wait!')
      await page.getByRole('button', { name: 'Send reply' }).click()
      await page.getByRole('alert').filter({ hasText: 'only an approved WhatsApp template can be sent' }).waitFor()
      await watched.assertAccessible('a refused WhatsApp reply')
      watched.assertClean()
    } finally {
      await watched.close('agent-workspace-whatsapp-window')
    }
  })
})
