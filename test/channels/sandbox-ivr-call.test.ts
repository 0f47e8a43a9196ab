import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { dialects, json, startApp, type TestApp } from '../helper.ts'
import { type BrandFixture, brandFixture } from '../fixtures/brand.ts'
import { personOf, type Session } from '../fixtures/people.ts'
import { setChannelMode } from '../../src/brand-config/channel-mode.repository.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'

// POST …/sandbox/ivr-call: the simulator's IVR call, for a signed-in admin or campaign manager,
// answered as the C2M API's Eligibility and Invite would have answered an IVR.

const ACCOUNT = '4301'
const SMS_NUMBER = '+18005550100'
const APP_ID = 'com.brand.ios'

type Answer = { status: number; body: Record<string, unknown> }

/** An answer with its call id (a fresh one per call) masked, to compare two calls. */
function masked(answer: Answer | null): Answer | null {
  if (!answer) return null
  return { status: answer.status, body: 'callId' in answer.body ? { ...answer.body, callId: '<callId>' } : answer.body }
}

for (const dialect of dialects) {
  describe(`the simulator's IVR call (${dialect.name})`, () => {
    let t: TestApp
    let brand: BrandFixture<'sms' | 'inapp'>
    let admin: Session
    let manager: Session
    let phoneCounter = 1000

    const nextPhone = () => `+1425955${String(phoneCounter++).padStart(4, '0')}`

    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false' })
      brand = await brandFixture(t, ACCOUNT, {
        skills: ['sales', 'support', 'unrouted'],
        numbers: [{ number: SMS_NUMBER, channel: 'sms' }],
        apps: [{ appId: APP_ID, platform: 'ios', name: 'Brand iOS' }],
        settings: { channels: [{ name: 'sms', enabled: true }, { name: 'inapp', enabled: true }], deviceCheck: false, routing: { skills: ['sales', 'support'], defaultSkill: 'support' } },
        handoffs: {
          sms: { channels: ['sms'], sms: { fromNumber: SMS_NUMBER, message: 'Hello {{1}}, text us back' } },
          inapp: { channels: ['inapp'], inapp: { appIds: [APP_ID], message: 'Open the app to continue' } },
        },
      })
      admin = await personOf(t, ACCOUNT, 'admin')
      manager = await personOf(t, ACCOUNT, 'campaign-manager')
    })
    after(() => t.close())

    const ivrCall = (session: Session, body: unknown) => session.request('POST', 'sandbox/ivr-call', body)

    /** What the C2M API answers an IVR that sends eligibility and, when eligible, invite. */
    async function c2mAnswers(body: Record<string, unknown>): Promise<{ eligibility: Answer; invite: Answer | null }> {
      const res = await brand.request('POST', 'eligibility?v=2.0', body)
      const eligibility = { status: res.statusCode, body: json(res) }
      if (res.statusCode !== 200 || json(res).eligible !== true) return { eligibility, invite: null }
      const inv = await brand.invite(json(res).callId)
      return { eligibility, invite: { status: inv.statusCode, body: json(inv) } }
    }

    test('an admin places a call: eligible, invited, and the invitation is in the outbox with the template variables filled', async () => {
      const res = await ivrCall(admin, { consumerPhoneNumber: nextPhone(), handoffId: brand.handoffs.sms, skill: 'sales', templateVariables: { '1': 'Jane' } })
      assert.equal(res.statusCode, 200, res.body)
      const answer = json(res)
      assert.equal(answer.eligibility.status, 200)
      assert.equal(answer.eligibility.body.eligible, true)
      assert.deepEqual(answer.eligibility.body.availableChannels, ['sms'])
      assert.equal(answer.invite.status, 200)
      assert.equal(answer.invite.body.callId, answer.eligibility.body.callId)
      const message = await findOutboxByCall(t.runtime.db, answer.invite.body.callId)
      assert.ok(message, 'the invitation is queued')
      assert.match(JSON.stringify(message), /Hello Jane, text us back/)
    })

    test('a campaign manager may too, and the skill defaults to the brand\'s default skill', async () => {
      const res = await ivrCall(manager, { consumerPhoneNumber: nextPhone(), handoffId: brand.handoffs.sms })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(json(res).invite.status, 200)
    })

    test('other roles, no session, and a missing CSRF token are refused', async () => {
      const body = { consumerPhoneNumber: nextPhone(), handoffId: brand.handoffs.sms, skill: 'sales' }
      for (const role of ['lpa', 'agent', 'agent-manager'] as const) {
        const res = await ivrCall(await personOf(t, ACCOUNT, role, role === 'agent' ? ['sales'] : []), body)
        assert.equal(res.statusCode, 403, `${role}: ${res.body}`)
        assert.equal(json(res).errorCode, 1101)
      }
      const noCsrf = await admin.request('POST', 'sandbox/ivr-call', body, { csrf: null })
      assert.equal(noCsrf.statusCode, 403)
      const anonymous = await t.app.inject({ method: 'POST', url: `/api/account/${ACCOUNT}/sandbox/ivr-call`, payload: body })
      assert.equal(anonymous.statusCode, 401)
      assert.equal(json(anonymous).errorCode, 1100)
    })

    test('hostile bodies are 400s in our shape, never a 500', async () => {
      const handoffId = brand.handoffs.sms
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [String(i), 'x']))
      for (const body of [
        [],
        null,
        {},
        { consumerPhoneNumber: '+14259549855' },
        { consumerPhoneNumber: 'x'.repeat(65), handoffId },
        { consumerPhoneNumber: '+14259549855', handoffId: 'H'.repeat(17) },
        { consumerPhoneNumber: '+14259549855', handoffId, skill: '' },
        { consumerPhoneNumber: '+14259549855', handoffId, skill: 's'.repeat(256) },
        { consumerPhoneNumber: '+14259549855', handoffId, extra: true },
        { consumerPhoneNumber: '+14259549855', handoffId, templateVariables: many },
        { consumerPhoneNumber: '+14259549855', handoffId, templateVariables: { '1': { nested: true } } },
        { consumerPhoneNumber: '+14259549855', handoffId, templateVariables: { '1': 'x'.repeat(1601) } },
        { consumerPhoneNumber: 14259549855, handoffId },
      ]) {
        const res = await ivrCall(admin, body)
        assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.body}`)
        assert.equal(json(res).errorCode, 1000)
      }
      const notJson = await ivrCall(admin, 'a string')
      assert.equal(notJson.statusCode, 415, notJson.body)
      assert.equal(json(notJson).errorCode, 1015)
    })

    test('its answers are the C2M API\'s answers, errors included', async () => {
      const cases: Array<Record<string, unknown>> = [
        { handoffId: brand.handoffs.sms, skill: 'support', templateVariables: { '1': 'Sam' } },
        { handoffId: brand.handoffs.sms, skill: 'unrouted' },
        { handoffId: 'H000000000000000', skill: 'sales' },
        { handoffId: brand.handoffs.inapp, skill: 'sales' },
        { handoffId: brand.handoffs.inapp, skill: 'sales', consumerId: 'jane-without-a-device' },
      ]
      for (const extra of cases) {
        const ours = json(await ivrCall(admin, { consumerPhoneNumber: nextPhone(), ...extra }))
        const theirs = await c2mAnswers({ consumerPhoneNumber: nextPhone(), ...extra })
        assert.deepEqual({ eligibility: masked(ours.eligibility), invite: masked(ours.invite) }, { eligibility: masked(theirs.eligibility), invite: masked(theirs.invite) }, JSON.stringify(extra))
      }
      for (const phone of ['4259549855', '+1', '+1425954985512345678']) {
        const ours = json(await ivrCall(admin, { consumerPhoneNumber: phone, handoffId: brand.handoffs.sms, skill: 'sales' }))
        const theirs = await c2mAnswers({ consumerPhoneNumber: phone, handoffId: brand.handoffs.sms, skill: 'sales' })
        assert.deepEqual(ours, theirs, phone)
        assert.equal(ours.eligibility.body.errorCode, 1001)
      }
    })

    test('a second call to a consumer in a conversation is refused by invite, as the C2M API refuses it', async () => {
      const phone = nextPhone()
      const first = json(await ivrCall(admin, { consumerPhoneNumber: phone, handoffId: brand.handoffs.sms, skill: 'sales' }))
      assert.equal(first.invite.status, 200)
      await brand.call('POST', 'sandbox/inbound', { channel: 'sms', from: phone, to: SMS_NUMBER, text: 'Yes please' }, 201)
      const ours = json(await ivrCall(admin, { consumerPhoneNumber: phone, handoffId: brand.handoffs.sms, skill: 'sales' }))
      const theirs = await c2mAnswers({ consumerPhoneNumber: phone, handoffId: brand.handoffs.sms, skill: 'sales' })
      assert.deepEqual({ eligibility: masked(ours.eligibility), invite: masked(ours.invite) }, { eligibility: masked(theirs.eligibility), invite: masked(theirs.invite) })
    })

    test('a handoff with a live channel is 409: the simulator never texts a real person', async () => {
      await setChannelMode(t.runtime.db, ACCOUNT, 'sms', 'live', t.clock.now().toISOString())
      try {
        const phone = nextPhone()
        const res = await ivrCall(admin, { consumerPhoneNumber: phone, handoffId: brand.handoffs.sms, skill: 'sales' })
        assert.equal(res.statusCode, 409, res.body)
        assert.equal(json(res).errorCode, 1009)
        // In-app is still in the sandbox: its handoff may still be simulated.
        const inapp = await ivrCall(admin, { consumerPhoneNumber: phone, handoffId: brand.handoffs.inapp, skill: 'sales', consumerId: 'jane' })
        assert.equal(inapp.statusCode, 200, inapp.body)
      } finally {
        await setChannelMode(t.runtime.db, ACCOUNT, 'sms', 'sandbox', t.clock.now().toISOString())
      }
    })
  })
}
