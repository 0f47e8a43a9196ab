import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { WatchedPage, type Webtool, ivrCall, requestAs, skipReason, startWebtool } from './browser.ts'

// The CX widget page in a real browser: the IVR moves a consumer to SMS, the consumer writes, and the
// support agent opens /cx-widget for that conversation — signing in on the page itself, then
// reading the deflection's first outbound message. The brand's admin lets a desk origin frame the
// page: the page's headers say so, and the desk's page (another port on loopback: the same site,
// so the Lax session cookie goes along) shows the widget in its iframe.

const BRAND_NUMBER = '+18005550100'
const CONSUMER = '+14259556101'
const FIRST_OUTBOUND = 'Hi Jane, thanks for calling Demo Brand.'

describe('the CX widget page in a real browser', { skip: skipReason }, () => {
  let base: string
  let browser: Browser
  let web: Webtool
  let demo: DemoCredentials
  let desk: http.Server
  let deskOrigin: string
  let widgetPath = ''

  before(async () => {
    web = await startWebtool()
    ;({ base, browser, demo } = web)
    // The brand's desk: one page that embeds the widget; nothing else (the favicon is an empty answer).
    desk = http.createServer((request, response) => {
      if (request.url !== '/') return void response.writeHead(204).end()
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(`<!doctype html><html lang="en"><title>Desk</title><h1>Desk</h1><iframe title="CX widget" width="1200" height="700" src="${base}${widgetPath}"></iframe></html>`)
    })
    await new Promise<void>((resolve) => desk.listen(0, '127.0.0.1', resolve))
    deskOrigin = `http://127.0.0.1:${(desk.address() as AddressInfo).port}`
  })
  after(async () => {
    await new Promise((resolve) => desk?.close(resolve))
    await web?.close()
  })

  const brand = (method: 'GET' | 'POST', resource: string, body: unknown, status: number) => ivrCall(web, method, resource, body, status)

  /** The brand's admin signs in over the API and sets the origins that may frame the CX widget page. */
  async function adminSetsFrameAncestors(origins: string[]): Promise<void> {
    const put = await requestAs(web, demo.admin, 'PUT', 'conversation-settings', { ringTimeoutSeconds: 60, autoAccept: false, cxWidgetFrameAncestors: origins })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    assert.deepEqual(put.body.cxWidgetFrameAncestors, origins)
  }

  test('an agent signs in on the CX widget page, reads the first outbound message, and the desk frames it', async () => {
    const agent = demo.agents.find((a) => a.skill === 'support')
    assert.ok(agent)
    const { callId } = await brand('POST', 'eligibility?v=2.0', { consumerPhoneNumber: CONSUMER, handoffId: demo.handoffId, skill: 'support', templateVariables: { '1': 'Jane' } }, 200)
    await brand('POST', 'invite?v=2.0', { callId }, 200)
    await brand('POST', 'sandbox/inbound', { channel: 'sms', from: CONSUMER, to: BRAND_NUMBER, text: 'I am here' }, 201)
    const queued = (await brand('GET', 'conversations?state=queued', undefined, 200)).items as Array<{ id: string; callId: string | null }>
    const conversation = queued.find((c) => c.callId === callId)
    assert.ok(conversation, 'the consumer\'s answer waits in the support queue')
    widgetPath = `/cx-widget?account=${demo.accountId}&conversation=${conversation.id}`

    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      watched.expected.push({ status: 401, path: '/session' })
      // Nobody is signed in yet, and no origin may frame the page.
      const first = await page.goto(widgetPath)
      assert.match(first?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none';/)
      assert.equal(first?.headers()['x-frame-options'], 'DENY')
      await page.getByRole('heading', { name: 'Sign in to Connect to Messaging' }).waitFor()
      assert.equal(await page.getByLabel('Account id').inputValue(), demo.accountId)
      assert.equal(await page.getByRole('navigation').count(), 0, 'no app shell')
      await watched.assertAccessible('the CX widget page asking to sign in')
      await page.getByLabel('Login').fill(agent.login)
      await page.getByLabel('Password').fill(agent.password)
      await page.getByRole('button', { name: 'Sign in' }).click()

      // Signed in where it stands: the widget of the conversation, with no navigation.
      await page.getByRole('heading', { name: 'SMS conversation · support · queued' }).waitFor()
      assert.equal(new URL(page.url()).pathname, '/cx-widget')
      const widget = page.getByRole('region', { name: 'CX widget' })
      await widget.getByText(FIRST_OUTBOUND, { exact: false }).first().waitFor()
      await widget.getByText(demo.handoffId).first().waitFor()
      await page.getByText('Live', { exact: true }).waitFor()
      assert.equal(await page.getByRole('navigation').count(), 0, 'no app shell')
      await watched.assertAccessible('the CX widget page')

      // The admin lets the desk frame the page: the page now says so, and drops DENY.
      await adminSetsFrameAncestors([deskOrigin])
      const framed = await page.reload()
      assert.match(framed?.headers()['content-security-policy'] ?? '', new RegExp(`frame-ancestors ${deskOrigin};`))
      assert.equal(framed?.headers()['x-frame-options'], undefined)
      await widget.getByText(FIRST_OUTBOUND, { exact: false }).first().waitFor()
      // Any other page stays unframable.
      const workspace = await page.request.get(`${base}/workspace`)
      assert.match(workspace.headers()['content-security-policy'] ?? '', /frame-ancestors 'none';/)
      assert.equal(workspace.headers()['x-frame-options'], 'DENY')

      // The desk's page shows the widget in its iframe, signed in by the same session.
      await page.goto(`${deskOrigin}/`)
      const frame = page.frameLocator('iframe[title="CX widget"]')
      await frame.getByRole('heading', { name: 'SMS conversation · support · queued' }).waitFor()
      await frame.getByRole('region', { name: 'CX widget' }).getByText(FIRST_OUTBOUND, { exact: false }).first().waitFor()
      watched.assertClean()
    } finally {
      await watched.close('cx-widget-framed')
    }
  })

  test('a link without a conversation, and a conversation of no such id, say so', async () => {
    const agent = demo.agents.find((a) => a.skill === 'support')!
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      watched.expected.push({ status: 401, path: '/session' })
      await page.goto(`/cx-widget?account=${demo.accountId}`)
      await page.getByRole('alert').filter({ hasText: 'This link must name an account and a conversation' }).waitFor()
      await watched.assertAccessible('a CX widget link without a conversation')

      await page.goto(`/cx-widget?account=${demo.accountId}&conversation=0f8fad5b-d9cb-469f-a165-70867728950e`)
      await page.getByLabel('Login').fill(agent.login)
      await page.getByLabel('Password').fill(agent.password)
      watched.expected.push({ status: 404, path: '/conversations/0f8fad5b-d9cb-469f-a165-70867728950e' })
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('alert').filter({ hasText: 'There is no such conversation in this account.' }).waitFor()
      await page.getByRole('button', { name: 'Try again' }).waitFor()
      await watched.assertAccessible('a CX widget of no such conversation')
      watched.assertClean()
    } finally {
      await watched.close('cx-widget-no-conversation')
    }
  })
})
