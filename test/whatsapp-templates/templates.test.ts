import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { dialects, json, provisionBrand, signedRequest, startApp, startSecondInstance, type TestApp } from '../helper.ts'
import { brandFixture, type BrandSpec } from '../fixtures/brand.ts'
import { FakeGraphApi, type FakeTemplate, signWebhook, templateStatusPayload } from '../fakes/graph.fake.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'

// WhatsApp message templates through the configuration API: the user guide's name rules, Meta's
// placeholder numbering, the lifecycle DRAFT → PENDING → APPROVED | REJECTED with Meta played by a
// local fake of the Graph API and its signed webhook, and the rules tying templates to handoffs.

const SANDBOX = '6100'
const CONNECTED = '6200'
const OTHER = '6300'
const WA_NUMBER = '+18005550102'
const SMS_NUMBER = '+18005550101'
const WABA = '102290129340398'
const PHONE_NUMBER_ID = '106540352242922'
const ACCESS_TOKEN = 'EAAG-templates-token'
const APP_SECRET = 'app-secret-of-6200'
const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }

type Body = Record<string, unknown>

function template(name: string, extra: Body = {}): Body {
  return { name, category: 'UTILITY', language: 'en_US', wabaId: WABA, phoneNumber: WA_NUMBER, body: 'Hi {{1}}, your order {{2}} is ready. Reply here to chat.', examples: ['Jane', 'A-17'], ...extra }
}

/** A 400 1000 whose `fields` name exactly these fields. */
function assertInvalid(res: LightMyRequestResponse, fields: string[]): void {
  assert.equal(res.statusCode, 400, res.body)
  const body = json(res)
  assert.equal(body.errorCode, 1000, res.body)
  assert.deepEqual([...new Set((body.fields as Array<{ field: string }>).map((f) => f.field))].sort(), [...fields].sort(), res.body)
}

function assertConflict(res: LightMyRequestResponse, detail: RegExp): void {
  assert.equal(res.statusCode, 409, res.body)
  assert.equal(json(res).errorCode, 1009)
  assert.match(json(res).detail, detail)
}

for (const dialect of dialects) {
  describe(`WhatsApp templates API (${dialect.name})`, () => {
    let t: TestApp
    let graph: FakeGraphApi
    const keys = new Map<string, IssuedApiKey>()

    const call = (account: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', rest = '', body?: unknown) =>
      signedRequest(t, keys.get(account)!, method, `/api/account/${account}/whatsapp-templates${rest}`, body)

    async function create(account: string, body: Body): Promise<any> {
      const res = await call(account, 'POST', '', body)
      assert.equal(res.statusCode, 201, res.body)
      return json(res)
    }

    async function handoff(account: string, templateName: string): Promise<LightMyRequestResponse> {
      return signedRequest(t, keys.get(account)!, 'POST', `/api/account/${account}/handoffs`, {
        title: `WA ${templateName} ${Math.random()}`,
        lookbackMinutes: 120,
        channels: ['wa'],
        wa: { fromNumber: WA_NUMBER, templateName, variables: { '1': 'there' } },
      })
    }

    /** A webhook POST as Meta makes it, signed with the brand's app secret unless told otherwise. */
    function postWebhook(payload: object, secret = APP_SECRET): Promise<LightMyRequestResponse> {
      const raw = JSON.stringify(payload)
      return t.app.inject({ method: 'POST', url: `/webhooks/whatsapp/${CONNECTED}`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(secret, raw) }, payload: raw })
    }

    /** Meta's reviewers decide (the fake holds the verdict) and Meta's webhook tells the brand. */
    async function verdict(name: string, event: string, reason?: string, wabaId = WABA): Promise<void> {
      const held = [...graph.templates.values()].find((x) => x.name === name)!
      if (['PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED'].includes(event)) graph.review(name, event as FakeTemplate['status'], reason)
      const res = await postWebhook(templateStatusPayload(wabaId, held, event, reason))
      assert.equal(res.statusCode, 200, res.body)
    }

    const statusOf = async (account: string, name: string) => json(await call(account, 'GET', `/${name}`)).status

    before(async () => {
      graph = await FakeGraphApi.start({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID, wabaId: WABA })
      t = await startApp(dialect, { ...ENV, WHATSAPP_API_URL: graph.baseUrl })
      const numbers: BrandSpec['numbers'] = [
        { number: WA_NUMBER, channel: 'wa' },
        { number: SMS_NUMBER, channel: 'sms' },
      ]
      for (const account of [SANDBOX, OTHER]) keys.set(account, (await brandFixture(t, account, { skills: ['support'], numbers })).key)
      const connected = await brandFixture(t, CONNECTED, {
        skills: ['support'],
        numbers,
        channels: ['wa'],
        connect: { whatsapp: { phoneNumberId: PHONE_NUMBER_ID, wabaId: WABA, accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-6200' } },
      })
      keys.set(CONNECTED, connected.key)
    })
    after(async () => {
      await t.close()
      await graph.close()
    })
    beforeEach(() => graph.reset())

    describe('names', () => {
      const refused = ['Order_update', 'order update', 'order-update', 'ordér_update', 'order.update', ' order', '']
      for (const name of refused) {
        test(`"${name}" is refused: no spaces, no capital letters, letters, digits and underscores only`, async () => {
          assertInvalid(await call(SANDBOX, 'POST', '', template(name)), ['name'])
        })
      }

      test('lower-case letters, digits and underscores are accepted; the name is unique within the brand only', async () => {
        const made = await create(SANDBOX, template('order_update_2'))
        assert.equal(made.name, 'order_update_2')
        assert.equal(made.status, 'DRAFT')
        assertConflict(await call(SANDBOX, 'POST', '', template('order_update_2', { body: 'Another text.', examples: undefined })), /order_update_2/)
        // Another brand may use the same name.
        await create(OTHER, template('order_update_2'))
      })

      test('a name longer than Meta\'s 512 characters is refused', async () => {
        assertInvalid(await call(SANDBOX, 'POST', '', template('a'.repeat(513))), ['name'])
      })
    })

    describe('placeholders and fields', () => {
      test('numbered {{1}}…{{n}} without gaps; repeats allowed; none at all allowed', async () => {
        assertInvalid(await call(SANDBOX, 'POST', '', template('gap', { body: 'Hi {{1}}, order {{3}} here.', examples: undefined })), ['body'])
        assertInvalid(await call(SANDBOX, 'POST', '', template('no_one', { body: 'Hi {{2}} here.', examples: undefined })), ['body'])
        for (const bad of ['{{0}}', '{{a}}', '{{ 1 }}', '{{}}', '{{01}}']) {
          assertInvalid(await call(SANDBOX, 'POST', '', template('malformed', { body: `Hi ${bad} there.`, examples: undefined })), ['body'])
        }
        assert.equal((await create(SANDBOX, template('repeat', { body: 'Hi {{1}}, yes {{1}}: {{2}} ok.', examples: ['Jane', 'A'] }))).status, 'DRAFT')
        assert.equal((await create(SANDBOX, template('plain', { body: 'Thanks for calling. Reply here.', examples: undefined }))).status, 'DRAFT')
      })

      test('the error names the missing numbers', async () => {
        const res = await call(SANDBOX, 'POST', '', template('gaps', { body: 'A {{1}} b {{4}} c.', examples: undefined }))
        assert.match(json(res).fields[0].message, /\{\{2\}\}, \{\{3\}\} missing/)
      })

      test('examples: one sample per placeholder, none empty', async () => {
        assertInvalid(await call(SANDBOX, 'POST', '', template('few', { examples: ['Jane'] })), ['examples'])
        assertInvalid(await call(SANDBOX, 'POST', '', template('blank', { examples: ['Jane', ' '] })), ['examples.1'])
      })

      test('a placeholder at the start or the end is saved with a warning (Meta usually rejects it)', async () => {
        const made = await create(SANDBOX, template('edge', { body: 'Hello {{1}}', examples: ['Jane'] }))
        assert.deepEqual(made.warnings.map((w: { field: string }) => w.field), ['body'])
        assert.equal(json(await call(SANDBOX, 'GET', '/edge')).warnings, undefined)
      })

      test('category, language, business account and number are checked', async () => {
        assertInvalid(await call(SANDBOX, 'POST', '', template('bad_category', { category: 'PROMO' })), ['category'])
        assertInvalid(await call(SANDBOX, 'POST', '', template('bad_language', { language: 'english' })), ['language'])
        assertInvalid(await call(SANDBOX, 'POST', '', template('bad_waba', { wabaId: 'waba-1' })), ['wabaId'])
        assertInvalid(await call(SANDBOX, 'POST', '', template('sms_number', { phoneNumber: SMS_NUMBER })), ['phoneNumber'])
        const { wabaId: _w, ...noWaba } = template('no_waba')
        assertInvalid(await call(SANDBOX, 'POST', '', noWaba), ['wabaId'])
        assertInvalid(await call(SANDBOX, 'POST', '', { ...template('extra'), colour: 'blue' }), ['colour'])
        assertInvalid(await call(SANDBOX, 'POST', '', template('too_long', { body: 'x'.repeat(1025), examples: undefined })), ['body'])
      })

      test('several bad fields are all listed', async () => {
        assertInvalid(await call(SANDBOX, 'POST', '', template('Bad Name', { language: 'xx', phoneNumber: SMS_NUMBER, body: '{{2}}' })), ['name', 'language', 'phoneNumber', 'body'])
      })
    })

    describe('lifecycle in the sandbox', () => {
      test('draft → edited → submitted → approved at once; then neither editable nor submittable again', async () => {
        const made = await create(SANDBOX, template('lifecycle'))
        assert.equal(made.status, 'DRAFT')
        const edited = await call(SANDBOX, 'PUT', '/lifecycle', { ...made, body: 'Hi {{1}}, your parcel {{2}} left. Reply here.' })
        assert.equal(edited.statusCode, 200, edited.body)
        assert.equal(json(edited).body, 'Hi {{1}}, your parcel {{2}} left. Reply here.')
        const submitted = await call(SANDBOX, 'POST', '/lifecycle/submit')
        assert.equal(submitted.statusCode, 200, submitted.body)
        assert.equal(json(submitted).status, 'APPROVED')
        assert.ok(json(submitted).submittedAt)
        assertConflict(await call(SANDBOX, 'PUT', '/lifecycle', { ...made, body: 'Changed.' }), /approved/)
        assertConflict(await call(SANDBOX, 'POST', '/lifecycle/submit'), /APPROVED/)
        assert.equal(json(await call(SANDBOX, 'GET', '/lifecycle')).body, 'Hi {{1}}, your parcel {{2}} left. Reply here.')
      })

      test('what GET returns can be PUT back as it is; the name cannot change', async () => {
        const made = await create(SANDBOX, template('roundtrip'))
        const got = json(await call(SANDBOX, 'GET', '/roundtrip'))
        assert.equal((await call(SANDBOX, 'PUT', '/roundtrip', got)).statusCode, 200)
        assertInvalid(await call(SANDBOX, 'PUT', '/roundtrip', { ...made, name: 'renamed' }), ['name'])
      })

      test('list by name, filtered by status', async () => {
        await create(SANDBOX, template('zz_listed'))
        const all = json(await call(SANDBOX, 'GET')).items.map((x: { name: string }) => x.name)
        assert.deepEqual(all, [...all].sort())
        assert.ok(all.includes('zz_listed'))
        const approved = json(await call(SANDBOX, 'GET', '?status=APPROVED')).items
        assert.ok(approved.every((x: { status: string }) => x.status === 'APPROVED'))
        assertInvalid(await call(SANDBOX, 'GET', '?status=GOOD'), ['status'])
      })

      test('unknown templates are 404; another brand\'s are invisible', async () => {
        await create(SANDBOX, template('mine_only'))
        for (const [method, rest] of [['GET', '/mine_only'], ['DELETE', '/mine_only'], ['POST', '/mine_only/submit'], ['POST', '/mine_only/sync']] as const) {
          const res = await call(OTHER, method, rest)
          assert.equal(res.statusCode, 404, `${method} ${rest}: ${res.body}`)
          assert.deepEqual(json(res), { errorCode: 1004, errorMessage: 'Not Found' })
        }
        assert.ok(!json(await call(OTHER, 'GET')).items.some((x: { name: string }) => x.name === 'mine_only'))
        assert.equal((await call(SANDBOX, 'PUT', '/never_made', template('never_made'))).statusCode, 404)
      })

      test('management privilege is required', async () => {
        const ivrOnly = await provisionBrand(t.runtime, '6400', ['ivr-engagement'])
        const res = await signedRequest(t, ivrOnly, 'GET', '/api/account/6400/whatsapp-templates')
        assert.equal(res.statusCode, 403)
        assert.equal(json(res).errorCode, 1101)
      })
    })

    describe('leaving the sandbox', () => {
      test('connecting WhatsApp makes the templates the sandbox approved drafts again, to submit to Meta', async () => {
        const account = '6500'
        const { key } = await brandFixture(t, account, { skills: ['support'], numbers: [{ number: WA_NUMBER, channel: 'wa' }] })
        keys.set(account, key)
        await create(account, template('sandboxed'))
        assert.equal(json(await call(account, 'POST', '/sandboxed/submit')).status, 'APPROVED')
        const connection = { phoneNumberId: PHONE_NUMBER_ID, wabaId: WABA, accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-6500' }
        assert.equal((await signedRequest(t, key, 'PUT', `/api/account/${account}/channels/whatsapp`, connection)).statusCode, 200)
        assert.equal(await statusOf(account, 'sandboxed'), 'DRAFT')
        assertInvalid(await handoff(account, 'sandboxed'), ['wa.templateName'])
        assert.equal(json(await call(account, 'POST', '/sandboxed/submit')).status, 'PENDING')
        assert.equal(graph.templateRequests.length, 1)
        // Saving the connection again (a new token, say) leaves Meta's verdicts alone.
        graph.review('sandboxed', 'APPROVED')
        assert.equal(json(await call(account, 'POST', '/sandboxed/sync')).status, 'APPROVED')
        assert.equal((await signedRequest(t, key, 'PUT', `/api/account/${account}/channels/whatsapp`, { ...connection, accessToken: ACCESS_TOKEN })).statusCode, 200)
        assert.equal(await statusOf(account, 'sandboxed'), 'APPROVED')
      })
    })

    describe('handoffs and templates', () => {
      test('a handoff may use an approved template only; a template in use cannot be deleted', async () => {
        await create(SANDBOX, template('in_use', { body: 'Hi {{1}}, thanks for calling. Reply here.', examples: ['Jane'] }))
        const early = await handoff(SANDBOX, 'in_use')
        assertInvalid(early, ['wa.templateName'])
        assert.match(json(early).fields[0].message, /DRAFT/)
        assert.equal((await call(SANDBOX, 'POST', '/in_use/submit')).statusCode, 200)
        const used = await handoff(SANDBOX, 'in_use')
        assert.equal(used.statusCode, 201, used.body)
        const handoffId = json(used).id
        assertConflict(await call(SANDBOX, 'DELETE', '/in_use'), new RegExp(handoffId))
        assert.equal(await statusOf(SANDBOX, 'in_use'), 'APPROVED')
        assert.equal((await signedRequest(t, keys.get(SANDBOX)!, 'DELETE', `/api/account/${SANDBOX}/handoffs/${handoffId}`)).statusCode, 204)
        assert.equal((await call(SANDBOX, 'DELETE', '/in_use')).statusCode, 204)
        assert.equal((await call(SANDBOX, 'GET', '/in_use')).statusCode, 404)
      })

      test('a template no handoff uses is deleted whatever its status', async () => {
        await create(SANDBOX, template('unused'))
        assert.equal((await call(SANDBOX, 'POST', '/unused/submit')).statusCode, 200)
        assert.equal((await call(SANDBOX, 'DELETE', '/unused')).statusCode, 204)
      })
    })

    describe('review by Meta (a brand with a WhatsApp connection)', () => {
      test('submit sends the template to the business account → PENDING; Meta\'s approval makes it usable and sendable', async () => {
        // The business account defaults to the connection's.
        const { wabaId: _w, ...body } = template('shipping_update')
        assert.equal((await create(CONNECTED, body)).wabaId, WABA)
        const submitted = await call(CONNECTED, 'POST', '/shipping_update/submit')
        assert.equal(submitted.statusCode, 200, submitted.body)
        assert.equal(json(submitted).status, 'PENDING')
        assert.equal(graph.templateRequests.length, 1)
        const sent = graph.templateRequests[0]!
        assert.equal(sent.method, 'POST')
        assert.equal(sent.path, `/v21.0/${WABA}/message_templates`)
        assert.equal(sent.authorization, `Bearer ${ACCESS_TOKEN}`)
        assert.deepEqual(sent.body, {
          name: 'shipping_update',
          language: 'en_US',
          category: 'UTILITY',
          components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} is ready. Reply here to chat.', example: { body_text: [['Jane', 'A-17']] } }],
        })

        assertInvalid(await handoff(CONNECTED, 'shipping_update'), ['wa.templateName'])
        assertConflict(await call(CONNECTED, 'POST', '/shipping_update/submit'), /in review/)
        assertConflict(await call(CONNECTED, 'PUT', '/shipping_update', template('shipping_update')), /in review/)

        await verdict('shipping_update', 'APPROVED')
        assert.equal(await statusOf(CONNECTED, 'shipping_update'), 'APPROVED')
        const used = await handoff(CONNECTED, 'shipping_update')
        assert.equal(used.statusCode, 201, used.body)

        // The journey on to WhatsApp: the send names the approved template with its two values.
        const key = keys.get(CONNECTED)!
        const eligibility = await signedRequest(t, key, 'POST', `/api/account/${CONNECTED}/eligibility?v=2.0`, { consumerPhoneNumber: '+14259541200', handoffId: json(used).id, skill: 'support', templateVariables: { '2': 'A-17' } })
        assert.equal(eligibility.statusCode, 200, eligibility.body)
        const { callId } = json(eligibility)
        assert.equal((await signedRequest(t, key, 'POST', `/api/account/${CONNECTED}/invite?v=2.0`, { callId })).statusCode, 200)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal(graph.requests.length, 1)
        assert.deepEqual((graph.requests[0]!.body as { template: unknown }).template, {
          name: 'shipping_update',
          language: { code: 'en_US' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'there' }, { type: 'text', text: 'A-17' }] }],
        })
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
      })

      test('rejected with Meta\'s reason; edited back to a draft; resubmitted as an edit of Meta\'s template; approved', async () => {
        await create(CONNECTED, template('rejected_once'))
        assert.equal(json(await call(CONNECTED, 'POST', '/rejected_once/submit')).status, 'PENDING')
        await verdict('rejected_once', 'REJECTED', 'INVALID_FORMAT')
        const rejected = json(await call(CONNECTED, 'GET', '/rejected_once'))
        assert.equal(rejected.status, 'REJECTED')
        assert.equal(rejected.rejectedReason, 'INVALID_FORMAT')

        const edited = await call(CONNECTED, 'PUT', '/rejected_once', { ...rejected, body: 'Hello {{1}}, order {{2}} is on its way. Reply to chat.' })
        assert.equal(edited.statusCode, 200, edited.body)
        assert.equal(json(edited).status, 'DRAFT')
        assert.equal(json(edited).rejectedReason, undefined)
        // A late verdict on the old text does not touch the draft.
        await verdict('rejected_once', 'REJECTED', 'TAG_CONTENT_MISMATCH')
        assert.equal(await statusOf(CONNECTED, 'rejected_once'), 'DRAFT')

        const held = [...graph.templates.values()].find((x) => x.name === 'rejected_once')!
        const resubmitted = await call(CONNECTED, 'POST', '/rejected_once/submit')
        assert.equal(resubmitted.statusCode, 200, resubmitted.body)
        assert.equal(json(resubmitted).status, 'PENDING')
        const edit = graph.templateRequests.at(-1)!
        assert.equal(edit.path, `/v21.0/${held.id}`)
        assert.deepEqual(edit.body, { category: 'UTILITY', components: [{ type: 'BODY', text: 'Hello {{1}}, order {{2}} is on its way. Reply to chat.', example: { body_text: [['Jane', 'A-17']] } }] })
        assert.equal(graph.templates.size, 1, 'no second template at Meta')
        await verdict('rejected_once', 'APPROVED')
        assert.equal(await statusOf(CONNECTED, 'rejected_once'), 'APPROVED')
      })

      test('Meta pauses or disables an approved template; flagged keeps it approved; reinstated approves it again', async () => {
        await create(CONNECTED, template('quality'))
        await call(CONNECTED, 'POST', '/quality/submit')
        await verdict('quality', 'APPROVED')
        const used = await handoff(CONNECTED, 'quality')
        assert.equal(used.statusCode, 201, used.body)
        const offered = async () => {
          const res = await signedRequest(t, keys.get(CONNECTED)!, 'POST', `/api/account/${CONNECTED}/eligibility?v=2.0`, { consumerPhoneNumber: '+14259541300', handoffId: json(used).id, skill: 'support' })
          assert.equal(res.statusCode, 200, res.body)
          return json(res).availableChannels
        }
        assert.deepEqual(await offered(), ['wa'])
        await verdict('quality', 'FLAGGED')
        assert.equal(await statusOf(CONNECTED, 'quality'), 'APPROVED')
        await verdict('quality', 'PAUSED')
        assert.equal(await statusOf(CONNECTED, 'quality'), 'PAUSED')
        assertInvalid(await handoff(CONNECTED, 'quality'), ['wa.templateName'])
        // WhatsApp would refuse the send: the channel is not offered while the template is paused.
        assert.deepEqual(await offered(), [])
        // The handoff that already uses it can still be edited, with a warning.
        const path = `/api/account/${CONNECTED}/handoffs/${json(used).id}`
        const edited = await signedRequest(t, keys.get(CONNECTED)!, 'PUT', path, { ...(json(used) as Body), title: `${json(used).title} (renamed)`, warnings: undefined })
        assert.equal(edited.statusCode, 200, edited.body)
        assert.deepEqual(json(edited).warnings.map((w: { field: string }) => w.field), ['wa.templateName'])
        await verdict('quality', 'REINSTATED')
        assert.equal(await statusOf(CONNECTED, 'quality'), 'APPROVED')
        assert.deepEqual(await offered(), ['wa'])
        await verdict('quality', 'DISABLED')
        assert.equal(await statusOf(CONNECTED, 'quality'), 'DISABLED')
      })

      test('a verdict with a bad signature, for another business account or of an unknown shape changes nothing', async () => {
        await create(CONNECTED, template('guarded'))
        await call(CONNECTED, 'POST', '/guarded/submit')
        const held = [...graph.templates.values()].find((x) => x.name === 'guarded')!
        const forged = await postWebhook(templateStatusPayload(WABA, held, 'APPROVED'), 'not-the-secret')
        assert.equal(forged.statusCode, 403)
        await verdict('guarded', 'APPROVED', undefined, '999999999999999')
        const odd = await postWebhook({ object: 'whatsapp_business_account', entry: [{ id: WABA, changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_name: 'guarded' } }] }] })
        assert.equal(odd.statusCode, 200)
        assert.equal(await statusOf(CONNECTED, 'guarded'), 'PENDING')
      })

      test('sync reads the verdict from Meta when its webhook is not set up', async () => {
        await create(CONNECTED, template('synced'))
        await call(CONNECTED, 'POST', '/synced/submit')
        const unchanged = await call(CONNECTED, 'POST', '/synced/sync')
        assert.equal(json(unchanged).status, 'PENDING')
        graph.review('synced', 'REJECTED', 'ABUSIVE_CONTENT')
        const synced = await call(CONNECTED, 'POST', '/synced/sync')
        assert.equal(synced.statusCode, 200, synced.body)
        assert.equal(json(synced).status, 'REJECTED')
        assert.equal(json(synced).rejectedReason, 'ABUSIVE_CONTENT')
        const read = graph.templateRequests.at(-1)!
        assert.equal(read.method, 'GET')
        assert.match(read.path, /^\/v21\.0\/\d+\?fields=/)
      })

      test('Meta refusing the template: 400 with Meta\'s words, still a draft', async () => {
        // Meta already holds a template of this name and language (made elsewhere, e.g. in WhatsApp Manager).
        await create(CONNECTED, template('taken_at_meta'))
        await create(OTHER, template('taken_at_meta'))
        await call(CONNECTED, 'POST', '/taken_at_meta/submit')
        await call(CONNECTED, 'DELETE', '/taken_at_meta')
        await create(CONNECTED, template('taken_at_meta'))
        const res = await call(CONNECTED, 'POST', '/taken_at_meta/submit')
        assert.equal(res.statusCode, 400, res.body)
        assert.equal(json(res).errorCode, 1000)
        assert.match(json(res).detail, /already exists/i)
        assert.equal(await statusOf(CONNECTED, 'taken_at_meta'), 'DRAFT')
      })

      test('a rejected template keeps its language: WhatsApp edits it in place', async () => {
        await create(CONNECTED, template('fixed_language'))
        await call(CONNECTED, 'POST', '/fixed_language/submit')
        await verdict('fixed_language', 'REJECTED', 'INVALID_FORMAT')
        assertInvalid(await call(CONNECTED, 'PUT', '/fixed_language', template('fixed_language', { language: 'es_MX' })), ['language'])
        assert.equal((await call(CONNECTED, 'PUT', '/fixed_language', template('fixed_language', { body: 'Hi {{1}}, order {{2}} shipped. Reply here.' }))).statusCode, 200)
      })

      test('samples are required before Meta reviews a template with placeholders; Meta is not called', async () => {
        await create(CONNECTED, template('no_samples', { examples: undefined }))
        assertInvalid(await call(CONNECTED, 'POST', '/no_samples/submit'), ['examples'])
        assert.equal(graph.templateRequests.length, 0)
      })

      test('a template of another business account than the connection\'s is not submitted', async () => {
        await create(CONNECTED, template('foreign_waba', { wabaId: '555' }))
        assertInvalid(await call(CONNECTED, 'POST', '/foreign_waba/submit'), ['wabaId'])
        assert.equal(graph.templateRequests.length, 0)
      })

      test('Meta unavailable (503, 429): 502 Bad Gateway, still a draft; the retry goes through', async () => {
        await create(CONNECTED, template('outage'))
        graph.next({ status: 503 }, { status: 429, retryAfterSeconds: 1 })
        for (let i = 0; i < 2; i++) {
          const res = await call(CONNECTED, 'POST', '/outage/submit')
          assert.equal(res.statusCode, 502, res.body)
          assert.equal(json(res).errorCode, 5002)
          assert.equal(await statusOf(CONNECTED, 'outage'), 'DRAFT')
        }
        assert.equal(json(await call(CONNECTED, 'POST', '/outage/submit')).status, 'PENDING')
      })

      test('Meta not answering: the call times out (a third of the lease), 502, still a draft', async () => {
        await create(CONNECTED, template('hung'))
        // An instance on the same store with a 3 s lease gives provider calls 1 s.
        const quick = await startSecondInstance(t, { ...ENV, WHATSAPP_API_URL: graph.baseUrl, DELIVERY_LEASE_SECONDS: '3' })
        try {
          graph.next({ hang: true })
          const res = await signedRequest(quick, keys.get(CONNECTED)!, 'POST', `/api/account/${CONNECTED}/whatsapp-templates/hung/submit`)
          assert.equal(res.statusCode, 502, res.body)
          assert.match(json(res).detail, /did not answer/)
          assert.equal(await statusOf(CONNECTED, 'hung'), 'DRAFT')
        } finally {
          await quick.close()
        }
      })

      test('Meta unreachable: 502, still a draft', async () => {
        await create(CONNECTED, template('unreachable'))
        const closed = await FakeGraphApi.start({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID })
        const closedUrl = closed.baseUrl
        await closed.close()
        // An instance on the same store whose operator points WHATSAPP_API_URL at a closed port.
        const unreachable = await startSecondInstance(t, { ...ENV, WHATSAPP_API_URL: closedUrl })
        try {
          const res = await signedRequest(unreachable, keys.get(CONNECTED)!, 'POST', `/api/account/${CONNECTED}/whatsapp-templates/unreachable/submit`)
          assert.equal(res.statusCode, 502, res.body)
          assert.equal(await statusOf(CONNECTED, 'unreachable'), 'DRAFT')
        } finally {
          await unreachable.close()
        }
      })
    })
  })
}
