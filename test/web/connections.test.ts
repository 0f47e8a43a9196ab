import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { TestApp } from '../helper.ts'
import { TwilioFake } from '../fakes/twilio.fake.ts'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import { WatchedPage, type Webtool, ivrRequest, requestAs, signInThroughPages, skipReason, startWebtool } from './browser.ts'

const CAMPAIGN_MANAGER = { login: 'campaigns', password: 'campaigns-password-1' }
const LPA = { login: 'lpa-reader', password: 'lpa-reader-password-1' }
const AGENT = { login: 'agent-only', password: 'agent-only-password-1' }
const TWILIO = { accountSid: 'AC' + '0123456789abcdef'.repeat(2), authToken: 'tw-secret-auth-token-4321' }

// The provider connections page in a real browser, the service's Twilio endpoint pointed at the
// fake on loopback: the demo admin connects Twilio, the secret is shown masked only, the invite a
// brand's IVR sends afterwards reaches "Twilio" with those credentials; the webhook URL is copied;
// SMS goes to sandbox and back; disconnecting asks first. An LPA user reads only.
describe('Provider connections in a real browser', { skip: skipReason }, () => {
  let t: TestApp
  let base: string
  let browser: Browser
  let web: Webtool
  let demo: DemoCredentials
  let twilio: TwilioFake

  before(async () => {
    twilio = await TwilioFake.start({ [TWILIO.accountSid]: TWILIO.authToken })
    web = await startWebtool(undefined, { TWILIO_API_URL: twilio.baseUrl, TWILIO_LOOKUP_URL: twilio.baseUrl }, async (t, demo) => {
      for (const [person, role] of [
        [CAMPAIGN_MANAGER, 'campaign-manager'],
        [LPA, 'lpa'],
        [AGENT, 'agent'],
      ] as const) {
        await createUser(t.runtime, { accountId: demo.accountId, login: person.login, role, skills: role === 'agent' ? ['support'] : [], password: person.password })
      }
    })
    ;({ t, base, browser, demo } = web)
  })
  after(async () => {
    await web?.close()
    await twilio?.close()
  })

  const signIn = (watched: WatchedPage, person: { login: string; password: string }) => signInThroughPages(watched, demo.accountId, person)

  const ivr = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', resource: string, body?: unknown) => ivrRequest(web, method, resource, body)

  async function smsMode(): Promise<string> {
    const modes = await ivr('GET', 'channel-modes')
    return modes.body.items.find((m: { channel: string }) => m.channel === 'sms').mode
  }

  async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
    const until = Date.now() + ms
    while (!check()) {
      if (Date.now() > until) assert.fail(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  test('the admin connects Twilio, sees the secret masked only, copies a webhook URL, switches SMS to sandbox and back, and disconnects', async () => {
    const watched = await WatchedPage.open(browser, base)
    await watched.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
    try {
      const { page } = watched
      await signIn(watched, demo.admin)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Provider connections' }).click()
      await page.waitForURL('**/connections')
      await page.getByRole('heading', { name: 'Provider connections', level: 1 }).waitFor()
      const section = page.getByRole('region', { name: 'Twilio' })
      await section.getByText('Twilio is not connected.').waitFor()
      // No PUBLIC_URL in this service: the page says the URLs are this address's.
      await page.getByText('PUBLIC_URL is not set:').waitFor()
      await page.getByRole('region', { name: 'WhatsApp' }).getByText('WhatsApp is not connected.').waitFor()
      await page.getByRole('region', { name: 'Firebase Cloud Messaging' }).getByText('FCM calls no webhook.').waitFor()
      // SMS is in sandbox, and live needs the connection first.
      const smsLive = section.getByRole('group', { name: 'SMS mode' }).getByRole('radio', { name: 'Live' })
      const smsSandbox = section.getByRole('group', { name: 'SMS mode' }).getByRole('radio', { name: 'Sandbox' })
      assert.equal(await smsSandbox.isChecked(), true)
      assert.equal(await smsLive.isDisabled(), true)
      await watched.assertAccessible('Provider connections, nothing connected')

      // The webhook URL is there before connecting: copied in one press.
      const inboundUrl = `${base}/webhooks/twilio/${demo.accountId}/inbound`
      await section.getByText(inboundUrl, { exact: true }).waitFor()
      await section.getByRole('button', { name: 'Copy the Twilio A message comes in URL' }).click()
      await section.getByRole('status').filter({ hasText: 'Copied' }).waitFor()
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), inboundUrl)

      // A malformed Account SID: the server's refusal is shown next to that field.
      watched.expected.push({ status: 400, path: '/channels/twilio' })
      await section.getByLabel('Account SID').fill('AC123')
      await section.getByLabel('Auth token').fill(TWILIO.authToken)
      await section.getByRole('button', { name: 'Connect Twilio' }).click()
      await section.getByRole('alert').getByText('Please correct the fields below.').waitFor()
      const sidError = section.getByText('An Account SID is AC followed by 32 hexadecimal characters.')
      await sidError.waitFor()
      assert.equal(await section.getByLabel('Account SID').getAttribute('aria-invalid'), 'true')
      assert.equal(await section.getByLabel('Auth token').getAttribute('type'), 'password')
      await watched.assertAccessible('Provider connections, a field refused')

      await section.getByLabel('Account SID').fill(TWILIO.accountSid)
      // The error goes as the field is corrected, not when it loses focus (which would move the button under the pointer).
      assert.equal(await sidError.count(), 0)
      await section.getByRole('button', { name: 'Connect Twilio' }).click()
      await section.getByText(/^Connected since /).waitFor()
      await section.getByText('Connected', { exact: true }).waitFor()
      // Only the masked token is shown back; the secret is nowhere in the page, not even in a form.
      await section.getByRole('definition').filter({ hasText: '••••4321' }).waitFor()
      await section.getByRole('definition').filter({ hasText: TWILIO.accountSid }).waitFor()
      assert.equal((await page.content()).includes(TWILIO.authToken), false, 'the auth token is not in the page')
      assert.equal(await section.getByLabel('Auth token').count(), 0, 'the form is gone once saved')
      // Connecting took SMS live.
      assert.equal(await smsLive.isChecked(), true)
      assert.equal(await smsMode(), 'live')
      await watched.assertAccessible('Provider connections, Twilio connected')
      await page.screenshot({ path: 'test-results/screenshots/connections-connected.png', fullPage: true })

      // The credentials typed in the page are the ones Twilio gets: the IVR's invite is sent through the fake.
      const eligibility = await ivr('POST', 'eligibility?v=2.0', { consumerPhoneNumber: '+14259571234', handoffId: demo.handoffId, skill: 'support' })
      assert.equal(eligibility.status, 200, JSON.stringify(eligibility.body))
      assert.equal(eligibility.body.eligible, true, JSON.stringify(eligibility.body))
      const invite = await ivr('POST', 'invite?v=2.0', { callId: eligibility.body.callId })
      assert.equal(invite.status, 200, JSON.stringify(invite.body))
      await waitFor('the SMS at the Twilio fake', () => twilio.messages.length === 1)
      assert.equal(twilio.messages[0]!.account_sid, TWILIO.accountSid)
      assert.equal(twilio.messages[0]!.to, '+14259571234')

      // Sandbox, then live again: each choice is the server's at once.
      await smsSandbox.click()
      await section.getByText('SMS messages land in the consumer simulator; nothing reaches a real phone.').waitFor()
      assert.equal(await smsSandbox.isChecked(), true)
      assert.equal(await smsMode(), 'sandbox')
      await watched.assertAccessible('Provider connections, SMS in sandbox')
      await smsLive.click()
      await section.getByText('SMS messages go through Twilio.').waitFor()
      assert.equal(await smsMode(), 'live')

      // Replacing the credentials starts from the stored values, the secret left empty; Cancel changes nothing.
      await section.getByRole('button', { name: 'Replace the credentials' }).click()
      assert.equal(await section.getByLabel('Account SID').inputValue(), TWILIO.accountSid)
      assert.equal(await section.getByLabel('Auth token').inputValue(), '')
      await watched.assertAccessible('Provider connections, replacing the credentials')
      await section.getByRole('button', { name: 'Cancel' }).click()

      // Disconnecting asks first, inline; No keeps the connection.
      await section.getByRole('button', { name: 'Disconnect Twilio' }).click()
      await section.getByText('SMS stays live and stops being offered until you connect again or switch it to sandbox.').waitFor()
      await watched.assertAccessible('Provider connections, confirming a disconnection')
      await section.getByRole('button', { name: 'No' }).click()
      await section.getByRole('button', { name: 'Disconnect Twilio' }).waitFor()
      assert.equal(await section.getByText('Connected', { exact: true }).count(), 1)

      await section.getByRole('button', { name: 'Disconnect Twilio' }).click()
      await section.getByRole('button', { name: 'Yes, disconnect' }).click()
      await section.getByText('Twilio is not connected.').waitFor()
      // Live without a connection: said plainly, and sandbox is the way back.
      await section.getByText('SMS is live without a Twilio connection').waitFor()
      await watched.assertAccessible('Provider connections, live without a connection')
      await smsSandbox.click()
      await section.getByText('SMS messages land in the consumer simulator; nothing reaches a real phone.').waitFor()
      assert.equal(await section.getByText('SMS is live without a Twilio connection').count(), 0)
      assert.equal(await smsMode(), 'sandbox')
      assert.equal((await ivr('GET', 'channels')).body.items[0].connected, false)

      assert.equal((await page.content()).includes(TWILIO.authToken), false)
      watched.assertClean()
    } finally {
      await watched.close('connections')
    }
  })

  test('an LPA user reads the connections, masked, without a control; the server refuses its writes (403 1101)', async () => {
    const whatsapp = { phoneNumberId: '106540352242922', wabaId: '102290129340398', accessToken: 'EAAG-lpa-test-token-8765', appSecret: 'app-secret-lpa-5555', verifyToken: 'verify-lpa-7777' }
    assert.equal((await ivr('PUT', 'channels/whatsapp', whatsapp)).status, 200)
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, LPA)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Provider connections' }).click()
      await page.waitForURL('**/connections')
      const section = page.getByRole('region', { name: 'WhatsApp' })
      await section.getByText(/^Connected since /).waitFor()
      await section.getByText('••••8765').waitFor()
      await section.getByText(`${base}/webhooks/whatsapp/${demo.accountId}`, { exact: true }).waitFor()
      await section.getByText('Mode: Live').waitFor()
      await page.getByText('You can read these connections; an admin or a campaign manager changes them.').waitFor()
      // Reading only: no form, no mode switch, no disconnect anywhere.
      assert.equal(await page.getByRole('radio').count(), 0)
      assert.equal(await page.getByRole('textbox').count(), 0)
      assert.equal(await page.getByRole('button', { name: /^(Connect|Disconnect|Replace)/ }).count(), 0)
      assert.equal((await page.content()).includes(whatsapp.accessToken), false)
      await watched.assertAccessible('Provider connections, read only')

      // Hiding is not the defence: the LPA user's own session is refused every write.
      for (const [method, resource, body] of [
        ['PUT', 'channels/twilio', TWILIO],
        ['DELETE', 'channels/whatsapp', undefined],
        ['PUT', 'channel-modes/wa', { mode: 'sandbox' }],
      ] as const) {
        const res = await fetchAs(LPA, method, resource, body)
        assert.equal(res.status, 403, `${method} ${resource}`)
        assert.equal(res.body.errorCode, 1101)
      }
      watched.assertClean()
    } finally {
      await watched.close('connections-lpa')
    }
  })

  test('a campaign manager may change connections (FCM with its key file); an agent cannot open the page', async () => {
    const watched = await WatchedPage.open(browser, base)
    try {
      const { page } = watched
      await signIn(watched, CAMPAIGN_MANAGER)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Provider connections' }).click()
      await page.waitForURL('**/connections')
      await page.getByRole('region', { name: 'Twilio' }).getByRole('group', { name: 'SMS mode' }).waitFor()

      // FCM takes the key file as downloaded, read in the browser: a file that is not JSON is refused at once.
      const fcm = page.getByRole('region', { name: 'Firebase Cloud Messaging' })
      const keyInput = fcm.getByLabel('Service account key (JSON file)')
      await fcm.getByLabel('Firebase project ID').fill('demo-project-1')
      await keyInput.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not json') })
      await fcm.getByText('notes.txt is not a JSON key file.').waitFor()
      await watched.assertAccessible('Provider connections, a key file refused')
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
      const keyFile = { type: 'service_account', project_id: 'demo-project-1', private_key_id: 'key-id-42', private_key: privateKey, client_email: 'push@demo-project-1.iam.gserviceaccount.com' }
      await keyInput.setInputFiles({ name: 'service-account.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(keyFile)) })
      await fcm.getByText('its service account is push@demo-project-1.iam.gserviceaccount.com').waitFor()
      await fcm.getByRole('button', { name: 'Connect Firebase Cloud Messaging' }).click()
      await fcm.getByText(/^Connected since /).waitFor()
      await fcm.getByRole('definition').filter({ hasText: 'push@demo-project-1.iam.gserviceaccount.com' }).waitFor()
      await fcm.getByRole('definition').filter({ hasText: 'key-id-42' }).waitFor()
      assert.equal((await page.content()).includes(privateKey.split('\n')[1]!), false, 'the private key is not in the page')
      assert.equal(await fcm.getByRole('group', { name: 'App Messaging mode' }).getByRole('radio', { name: 'Live' }).isChecked(), true)
      watched.assertClean()
    } finally {
      await watched.close('connections-campaign-manager')
    }

    const agent = await WatchedPage.open(browser, base)
    try {
      const { page } = agent
      await signIn(agent, AGENT)
      await page.waitForURL('**/workspace', { waitUntil: 'commit' })
      assert.equal(await page.getByRole('link', { name: 'Provider connections' }).count(), 0)
      await page.goto('/connections')
      await page.waitForURL('**/workspace', { waitUntil: 'commit' })
      assert.equal(await page.getByRole('heading', { name: 'Provider connections' }).count(), 0)
      agent.assertClean()
    } finally {
      await agent.close('connections-agent')
    }
  })

  const fetchAs = (person: { login: string; password: string }, method: 'PUT' | 'DELETE', resource: string, body?: unknown) => requestAs(web, person, method, resource, body)
})
