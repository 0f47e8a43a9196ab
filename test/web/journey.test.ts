import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { dialects, type TestApp } from '../helper.ts'
import type { DemoCredentials } from '../../src/demo/seed.ts'
import { WatchedPage, type Webtool, signInThroughPages, skipReason, startWebtool } from './browser.ts'

// The whole journey, in one test, as a new user runs it in a browser with no provider account: the
// demo admin places an IVR call in the simulator, the simulated phone receives the text, the consumer
// replies, the agent's workspace (another browser, another person) rings live, the agent accepts and
// answers, the phone shows the answer, the agent closes, and the CX widget still shows the first
// outbound message. On SQLite and on PostgreSQL.

const CONSUMER = '+14259557001'
const INVITATION = 'Hi Jane, thanks for calling Demo Brand. Reply here to keep talking with us by text.'
const ANSWER = 'Hello Jane, I can see your call. How can I help?'

for (const dialect of dialects) {
  // The README's pictures are the SQLite run's.
  const readme = dialect.name === 'sqlite'

  describe(`the journey in a real browser: IVR call → text → reply → the agent rings, accepts, answers → close → CX widget (${dialect.name})`, { skip: skipReason }, () => {
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

    test('the demo admin calls from the simulator and the support agent answers in the workspace, live', async () => {
      const agent = demo.agents.find((a) => a.skill === 'support')
      assert.ok(agent, 'the demo brand has a support agent')
      const admin = await WatchedPage.open(browser, base)
      const desk = await WatchedPage.open(browser, base)
      try {
        // The agent signs in and goes online: nothing rings yet.
        await signInThroughPages(desk, demo.accountId, agent)
        const workspace = desk.page
        await workspace.waitForURL((url) => url.pathname === '/workspace', { waitUntil: 'commit' })
        await workspace.getByText('Live', { exact: true }).waitFor()
        await workspace.getByRole('radio', { name: 'Online' }).click()
        await workspace.getByText('Nothing is ringing.', { exact: false }).waitFor()

        // The admin places the IVR call: eligibility, then invite, both answers shown.
        await signInThroughPages(admin, demo.accountId, demo.admin)
        const simulator = admin.page
        await simulator.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Consumer simulator' }).click()
        await simulator.waitForURL('**/simulator')
        await simulator.getByLabel('Variable {{1}}').waitFor()
        await simulator.getByLabel('Consumer phone number').fill(CONSUMER)
        await simulator.getByLabel('Handoff').selectOption({ label: 'Demo SMS handoff (sms)' })
        await simulator.getByLabel('Skill').selectOption('support')
        await simulator.getByLabel('Variable {{1}}').fill('Jane')
        await simulator.getByRole('button', { name: 'Place the call' }).click()
        await simulator.getByRole('region', { name: 'Eligibility answer' }).getByText('HTTP 200').waitFor()
        await simulator.getByRole('region', { name: 'Invite answer' }).getByText('HTTP 200').waitFor()

        // The simulated phone receives the text the dispatcher delivered.
        const phone = simulator.getByRole('region', { name: `Phone ${CONSUMER}` })
        await phone.getByRole('listitem').filter({ hasText: INVITATION }).waitFor({ timeout: 15_000 })

        // The consumer replies: the agent's workspace rings, without a reload.
        t.clock.advance(1000)
        await phone.getByLabel(`Reply from ${CONSUMER}`).fill('Yes, I would rather text')
        await phone.getByRole('button', { name: 'Send' }).click()
        await phone.getByRole('listitem').filter({ hasText: 'Yes, I would rather text' }).waitFor()
        const rings = workspace.getByRole('region', { name: 'Ringing for you' })
        await rings.getByRole('button', { name: /^Accept the support conversation on SMS/ }).click()

        // Accepted: the transcript holds the invitation and the reply; the CX widget the first outbound message.
        const transcript = workspace.getByRole('region', { name: 'Transcript' })
        await transcript.getByText('Yes, I would rather text').waitFor()
        const widget = workspace.getByRole('region', { name: 'CX widget' })
        await widget.getByText(INVITATION, { exact: false }).first().waitFor()
        await widget.getByText(demo.handoffId).first().waitFor()

        // The agent answers; the simulated phone shows the answer.
        t.clock.advance(1000)
        await workspace.getByLabel('Your reply to the consumer').fill(ANSWER)
        await workspace.getByRole('button', { name: 'Send reply' }).click()
        await transcript.getByText(ANSWER).waitFor()
        await desk.assertAccessible('the workspace during the journey')
        if (readme) await desk.readmeShot('workspace-cx-widget')
        await phone.getByRole('listitem').filter({ hasText: ANSWER }).waitFor({ timeout: 15_000 })
        await admin.assertAccessible('the simulator during the journey')
        if (readme) await admin.readmeShot('simulator')

        // The agent closes: the conversation ends, and the CX widget still shows the first outbound message.
        await workspace.getByRole('button', { name: 'Close conversation' }).click()
        await workspace.getByText('Closed at', { exact: false }).waitFor()
        await widget.getByText(INVITATION, { exact: false }).first().waitFor()
        const closed = await t.runtime.db.selectFrom('conversations').select(['id', 'state', 'source', 'skill']).where('account_id', '=', demo.accountId).where('consumer', '=', CONSUMER).execute()
        assert.equal(closed.length, 1)
        assert.deepEqual({ state: closed[0]!.state, source: closed[0]!.source, skill: closed[0]!.skill }, { state: 'closed', source: 'ivr-deflection', skill: 'support' })

        // The standalone CX widget page, as a desk would frame it, shows the same first message.
        await workspace.goto(`/cx-widget?account=${encodeURIComponent(demo.accountId)}&conversation=${encodeURIComponent(closed[0]!.id)}`)
        await workspace.getByRole('region', { name: 'CX widget' }).getByText(INVITATION, { exact: false }).first().waitFor()
        await desk.assertAccessible('the CX widget page after the journey')

        admin.assertClean()
        desk.assertClean()
      } finally {
        await admin.close(`journey-simulator-${dialect.name}`)
        await desk.close(`journey-workspace-${dialect.name}`)
      }
    })
  })
}
