import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { approvedTemplate, dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

// Every handoff rule of the configuration API, exercised over signed HTTP against a real store.

const SMS_ONLY = '+18005550101'
const WA_ONLY = '+18005550102'
const BOTH = '+18005550100'
const UNREGISTERED = '+18005550199'
const APPS = ['com.acme.ios', 'com.acme.android', 'com.acme.watch', 'com.acme.tv']
const ID_PATTERN = /^H\d{15}$/
const MINUTE = 60_000

const handoffsPath = (account: string, rest = '') => `/api/account/${account}/handoffs${rest}`

type Body = Record<string, unknown>

function smsHandoff(title: string, extra: Body = {}): Body {
  return { title, lookbackMinutes: 120, channels: ['sms'], sms: { fromNumber: SMS_ONLY, message: 'Hi from Acme, reply here to keep talking.' }, ...extra }
}

function waHandoff(title: string, extra: Body = {}): Body {
  return { title, lookbackMinutes: 120, channels: ['wa'], wa: { fromNumber: WA_ONLY, templateName: 'ivr_followup', language: 'en_US', variables: { '1': 'Ana' } }, ...extra }
}

function inappHandoff(title: string, appIds: string[] = [APPS[0]!], extra: Body = {}): Body {
  return { title, lookbackMinutes: 120, channels: ['inapp'], inapp: { appIds, message: 'Continue in the Acme app.' }, ...extra }
}

/** A 400 1000 whose `fields` name exactly these fields, each with a message. */
function assertInvalid(res: LightMyRequestResponse, fields: string[]): void {
  assert.equal(res.statusCode, 400, res.body)
  const body = json(res)
  assert.equal(body.errorCode, 1000)
  assert.equal(body.errorMessage, 'Invalid request')
  assert.ok(Array.isArray(body.fields), 'the error lists its fields')
  for (const entry of body.fields as Array<{ field: string; message: string }>) {
    assert.equal(typeof entry.message, 'string')
    assert.ok(entry.message.length > 0, `a message for ${entry.field}`)
  }
  const named = [...new Set((body.fields as Array<{ field: string }>).map((f) => f.field))].sort()
  assert.deepEqual(named, [...fields].sort())
}

function assertNotFound(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 404, res.body)
  assert.deepEqual(json(res), { errorCode: 1004, errorMessage: 'Not Found' })
}

/** A brand (management key) with its catalogue registered through the API: skills, sending numbers, apps, one approved template. */
async function catalogued(t: TestApp, account: string, skills = ['sales', 'support']): Promise<IssuedApiKey> {
  const brand = await brandFixture(t, account, {
    privileges: ['management'],
    skills,
    numbers: [
      { number: SMS_ONLY, channel: 'sms' },
      { number: WA_ONLY, channel: 'wa' },
      { number: BOTH, channel: 'sms' },
      { number: BOTH, channel: 'wa' },
    ],
    apps: APPS.map((appId, i) => ({ appId, platform: i % 2 === 0 ? 'ios' : 'android', name: `Acme ${appId}` })),
    templates: [{ name: 'ivr_followup', phoneNumber: WA_ONLY, body: 'Hi {{1}}, thanks for calling Acme. Reply to keep talking.' }],
  })
  return brand.key
}

for (const dialect of dialects) {
  describe(`handoffs API (${dialect.name})`, () => {
    const A = '3101'
    const B = '3102'
    let t: TestApp
    let keyA: IssuedApiKey
    let keyB: IssuedApiKey

    const post = (body: unknown, account = A, key = keyA) => signedRequest(t, key, 'POST', handoffsPath(account), body)
    const put = (id: string, body: unknown, account = A, key = keyA) => signedRequest(t, key, 'PUT', handoffsPath(account, `/${id}`), body)
    const get = (id: string, account = A, key = keyA) => signedRequest(t, key, 'GET', handoffsPath(account, `/${id}`))
    const del = (id: string, account = A, key = keyA) => signedRequest(t, key, 'DELETE', handoffsPath(account, `/${id}`))

    async function create(body: Body, account = A, key = keyA): Promise<any> {
      const res = await post(body, account, key)
      assert.equal(res.statusCode, 201, res.body)
      return json(res)
    }

    before(async () => {
      t = await startApp(dialect)
      keyA = await catalogued(t, A)
      keyB = await catalogued(t, B, ['vip'])
    })
    after(() => t.close())

    describe('ids', () => {
      test('the service generates the id: H followed by 15 digits, unique', async () => {
        const ids: string[] = []
        for (let i = 0; i < 8; i++) ids.push((await create(smsHandoff(`Id check ${i}`))).id)
        for (const id of ids) assert.match(id, ID_PATTERN)
        assert.equal(new Set(ids).size, ids.length)
      })

      test('a client cannot choose the id', async () => {
        assertInvalid(await post(smsHandoff('Chosen id', { id: 'H123456789012345' })), ['id'])
      })
    })

    describe('title', () => {
      test('is required', async () => {
        const { title: _title, ...untitled } = smsHandoff('x')
        assertInvalid(await post(untitled), ['title'])
        assertInvalid(await post(smsHandoff('')), ['title'])
        assertInvalid(await post(smsHandoff('   ')), ['title'])
      })

      test('is unique within the brand, case-insensitively', async () => {
        const first = await create(smsHandoff('Spring Promo'))
        assert.equal(first.title, 'Spring Promo')
        for (const title of ['Spring Promo', 'SPRING promo', 'spring promo', '  Spring Promo  ']) {
          const res = await post(smsHandoff(title))
          assertInvalid(res, ['title'])
          assert.match(json(res).fields[0].message, /already has this title/)
        }
      })

      test('the same title is allowed in another brand', async () => {
        await create(smsHandoff('Shared Title'))
        const other = await create(smsHandoff('shared title'), B, keyB)
        assert.equal(other.title, 'shared title')
      })

      test('on PUT, keeping its own title (or recasing it) is allowed, taking another handoff\'s is not', async () => {
        const summer = await create(smsHandoff('Summer'))
        await create(smsHandoff('Autumn'))
        const same = await put(summer.id, smsHandoff('Summer', { lookbackMinutes: 240 }))
        assert.equal(same.statusCode, 200, same.body)
        assert.equal(json(same).lookbackMinutes, 240)
        const recased = await put(summer.id, smsHandoff('SUMMER'))
        assert.equal(recased.statusCode, 200, recased.body)
        assert.equal(json(recased).title, 'SUMMER')
        assertInvalid(await put(summer.id, smsHandoff('autumn')), ['title'])
        assert.equal(json(await get(summer.id)).title, 'SUMMER')
      })

      test('< and > are rejected', async () => {
        for (const title of ['<b>Promo</b>', 'Promo <', 'Promo > sale']) {
          const res = await post(smsHandoff(title))
          assertInvalid(res, ['title'])
          assert.match(json(res).fields[0].message, /< or >/)
        }
      })

      test('letters, digits, spaces and ordinary punctuation are accepted', async () => {
        const titles = ['Spring sale: 20% off (new customers), today & tomorrow!', "Q&A #1 - it's \"free\"", 'Billing/Support [EU] @ 9am; ok?', 'Café Crème 2026', 'C:\\promo_v2 {x} *+=|~^$`', 'Summer’s deal – 20 € / £15 «VIP»']
        for (const title of titles) {
          const created = await create(smsHandoff(title))
          assert.equal(created.title, title)
          assert.equal(json(await get(created.id)).title, title)
        }
      })
    })

    describe('lookback', () => {
      test('both bounds (60 minutes and 30 days) are accepted', async () => {
        assert.equal((await create(smsHandoff('Lookback min', { lookbackMinutes: 60 }))).lookbackMinutes, 60)
        assert.equal((await create(smsHandoff('Lookback max', { lookbackMinutes: 43200 }))).lookbackMinutes, 43200)
      })

      test('59 and 43201 are rejected', async () => {
        assertInvalid(await post(smsHandoff('Lookback 59', { lookbackMinutes: 59 })), ['lookbackMinutes'])
        assertInvalid(await post(smsHandoff('Lookback 43201', { lookbackMinutes: 43201 })), ['lookbackMinutes'])
        assertInvalid(await post(smsHandoff('Lookback frac', { lookbackMinutes: 90.5 })), ['lookbackMinutes'])
      })
    })

    describe('channels', () => {
      test('at least one channel is required', async () => {
        assertInvalid(await post(smsHandoff('No channel', { channels: [] })), ['channels'])
      })

      test('a channel may not be repeated', async () => {
        assertInvalid(await post(smsHandoff('Twice sms', { channels: ['sms', 'sms'] })), ['channels'])
      })

      test('an unknown channel is rejected', async () => {
        assertInvalid(await post(smsHandoff('Email', { channels: ['sms', 'email'] })), ['channels.1'])
      })

      test('inapp cannot be combined with sms or wa', async () => {
        const inapp = { appIds: [APPS[0]], message: 'Continue in the app.' }
        const sms = { fromNumber: SMS_ONLY, message: 'Hi' }
        const wa = { fromNumber: WA_ONLY, templateName: 'ivr_followup', language: 'en_US' }
        assertInvalid(await post({ title: 'Mixed 1', lookbackMinutes: 60, channels: ['inapp', 'sms'], inapp, sms }), ['channels'])
        assertInvalid(await post({ title: 'Mixed 2', lookbackMinutes: 60, channels: ['wa', 'inapp'], inapp, wa }), ['channels'])
      })

      test('the order given is the priority kept', async () => {
        const sms = { fromNumber: BOTH, message: 'Hi' }
        const wa = { fromNumber: BOTH, templateName: 'ivr_followup', language: 'en_US' }
        const waFirst = await create({ title: 'WA first', lookbackMinutes: 60, channels: ['wa', 'sms'], sms, wa })
        assert.deepEqual(waFirst.channels, ['wa', 'sms'])
        const smsFirst = await create({ title: 'SMS first', lookbackMinutes: 60, channels: ['sms', 'wa'], sms, wa })
        assert.deepEqual(smsFirst.channels, ['sms', 'wa'])
        assert.deepEqual(json(await get(waFirst.id)).channels, ['wa', 'sms'])
      })
    })

    describe('in-app', () => {
      test('1 to 3 registered apps are accepted', async () => {
        assert.deepEqual((await create(inappHandoff('App one', [APPS[0]!]))).inapp, { appIds: [APPS[0]], message: 'Continue in the Acme app.' })
        assert.deepEqual((await create(inappHandoff('App three', APPS.slice(0, 3)))).inapp.appIds, APPS.slice(0, 3))
      })

      test('0 and 4 apps are rejected', async () => {
        assertInvalid(await post(inappHandoff('App zero', [])), ['inapp.appIds'])
        assertInvalid(await post(inappHandoff('App four', APPS)), ['inapp.appIds'])
      })

      test('an app that is not registered for this brand is rejected', async () => {
        assertInvalid(await post(inappHandoff('App unknown', [APPS[0]!, 'com.other.app'])), ['inapp.appIds.1'])
      })

      test('the inapp block is required when inapp is chosen', async () => {
        const { inapp: _inapp, ...without } = inappHandoff('App missing')
        assertInvalid(await post(without), ['inapp'])
      })
    })

    describe('sending numbers', () => {
      test('sms.fromNumber must be a registered sms number', async () => {
        assert.equal((await create(smsHandoff('From both', { sms: { fromNumber: BOTH, message: 'Hi' } }))).sms.fromNumber, BOTH)
        assertInvalid(await post(smsHandoff('From wa-only', { sms: { fromNumber: WA_ONLY, message: 'Hi' } })), ['sms.fromNumber'])
        assertInvalid(await post(smsHandoff('From nowhere', { sms: { fromNumber: UNREGISTERED, message: 'Hi' } })), ['sms.fromNumber'])
      })

      test('wa.fromNumber must be a registered wa number: an sms-only number is rejected', async () => {
        const wa = { fromNumber: SMS_ONLY, templateName: 'ivr_followup', language: 'en_US' }
        assertInvalid(await post(waHandoff('WA from sms-only', { wa })), ['wa.fromNumber'])
        assertInvalid(await post(waHandoff('WA from nowhere', { wa: { ...wa, fromNumber: UNREGISTERED } })), ['wa.fromNumber'])
      })

      test('another brand\'s number is not this brand\'s', async () => {
        await signedRequest(t, keyB, 'POST', `/api/account/${B}/phone-numbers`, { number: '+18005550150', channel: 'sms' })
        assertInvalid(await post(smsHandoff('B number', { sms: { fromNumber: '+18005550150', message: 'Hi' } })), ['sms.fromNumber'])
      })
    })

    describe('sms message', () => {
      test('is required when sms is chosen', async () => {
        assertInvalid(await post(smsHandoff('No message', { sms: { fromNumber: SMS_ONLY } })), ['sms.message'])
        assertInvalid(await post(smsHandoff('Empty message', { sms: { fromNumber: SMS_ONLY, message: '' } })), ['sms.message'])
        const { sms: _sms, ...without } = smsHandoff('No sms block')
        assertInvalid(await post(without), ['sms'])
      })

      test('1 to 1600 characters; 1601 is rejected', async () => {
        assert.equal((await create(smsHandoff('One char', { sms: { fromNumber: SMS_ONLY, message: 'x' } }))).sms.message, 'x')
        assert.equal((await create(smsHandoff('1600 chars', { sms: { fromNumber: SMS_ONLY, message: 'x'.repeat(1600) } }))).sms.message.length, 1600)
        assertInvalid(await post(smsHandoff('1601 chars', { sms: { fromNumber: SMS_ONLY, message: 'x'.repeat(1601) } })), ['sms.message'])
      })

      test('above 140 characters it is saved with a warning naming sms.message', async () => {
        const res = await post(smsHandoff('141 chars', { sms: { fromNumber: SMS_ONLY, message: 'y'.repeat(141) } }))
        assert.equal(res.statusCode, 201, res.body)
        const body = json(res)
        assert.ok(Array.isArray(body.warnings))
        assert.equal(body.warnings.length, 1)
        assert.equal(body.warnings[0].field, 'sms.message')
        assert.match(body.warnings[0].message, /140/)
        // The warning belongs to the write, not to the stored handoff.
        const stored = json(await get(body.id))
        assert.equal(stored.sms.message.length, 141)
        assert.equal('warnings' in stored, false)
        const updated = await put(body.id, smsHandoff('141 chars', { sms: { fromNumber: SMS_ONLY, message: 'z'.repeat(300) } }))
        assert.equal(updated.statusCode, 200)
        assert.deepEqual(json(updated).warnings.map((w: { field: string }) => w.field), ['sms.message'])
      })

      test('up to 140 characters there are no warnings', async () => {
        const res = await post(smsHandoff('140 chars', { sms: { fromNumber: SMS_ONLY, message: 'y'.repeat(140) } }))
        assert.equal(res.statusCode, 201, res.body)
        assert.equal('warnings' in json(res), false)
      })

      test('optOutText defaults to "Reply STOP to opt out" and is editable', async () => {
        const defaulted = await create(smsHandoff('Opt-out default'))
        assert.equal(defaulted.sms.optOutText, 'Reply STOP to opt out')
        const custom = await create(smsHandoff('Opt-out custom', { sms: { fromNumber: SMS_ONLY, message: 'Hi', optOutText: 'Text END to stop' } }))
        assert.equal(custom.sms.optOutText, 'Text END to stop')
        const edited = await put(defaulted.id, smsHandoff('Opt-out default', { sms: { fromNumber: SMS_ONLY, message: 'Hi', optOutText: 'Send STOP to unsubscribe' } }))
        assert.equal(edited.statusCode, 200, edited.body)
        assert.equal(json(edited).sms.optOutText, 'Send STOP to unsubscribe')
        assert.equal(json(await get(defaulted.id)).sms.optOutText, 'Send STOP to unsubscribe')
      })
    })

    describe('whatsapp', () => {
      test('a complete wa block is stored as given', async () => {
        const created = await create(waHandoff('WA complete'))
        assert.deepEqual(created.wa, { fromNumber: WA_ONLY, templateName: 'ivr_followup', language: 'en_US', variables: { '1': 'Ana' } })
        assert.deepEqual(json(await get(created.id)).wa, created.wa)
      })

      test('template variables are keyed by placeholder number', async () => {
        assertInvalid(await post(waHandoff('WA bad variable', { wa: { fromNumber: WA_ONLY, templateName: 'ivr_followup', language: 'en_US', variables: { '0': 'x' } } })), ['wa.variables.0'])
        assertInvalid(await post(waHandoff('WA named variable', { wa: { fromNumber: WA_ONLY, templateName: 'ivr_followup', language: 'en_US', variables: { name: 'x' } } })), ['wa.variables.name'])
      })

      test('templateName is required when wa is chosen; language defaults to the template\'s', async () => {
        assertInvalid(await post(waHandoff('WA bare', { wa: { fromNumber: WA_ONLY } })), ['wa.templateName'])
        assertInvalid(await post(waHandoff('WA no template', { wa: { fromNumber: WA_ONLY, language: 'en_US', templateName: '' } })), ['wa.templateName'])
        const defaulted = await create(waHandoff('WA no language', { wa: { fromNumber: WA_ONLY, templateName: 'ivr_followup' } }))
        assert.deepEqual(defaulted.wa, { fromNumber: WA_ONLY, templateName: 'ivr_followup', language: 'en_US', variables: {} })
        const { wa: _wa, ...without } = waHandoff('WA no block')
        assertInvalid(await post(without), ['wa'])
      })

      test('only an approved template of the brand, in its language and with its placeholders', async () => {
        const wa = (extra: Body) => ({ wa: { fromNumber: WA_ONLY, templateName: 'ivr_followup', language: 'en_US', ...extra } })
        assertInvalid(await post(waHandoff('WA unknown template', wa({ templateName: 'never_made' }))), ['wa.templateName'])
        // Brand B's template of the same kind is B's alone.
        await approvedTemplate(t, keyB, B, { name: 'b_only', phoneNumber: WA_ONLY, body: 'Hello from B.' })
        assertInvalid(await post(waHandoff('WA template of B', wa({ templateName: 'b_only' }))), ['wa.templateName'])
        assertInvalid(await post(waHandoff('WA other language', wa({ language: 'es_MX' }))), ['wa.language'])
        // ivr_followup has {{1}} only: a value for {{2}} could never be sent.
        assertInvalid(await post(waHandoff('WA extra variable', wa({ variables: { '1': 'Ana', '2': 'Seattle' } }))), ['wa.variables.2'])
        const draft = await signedRequest(t, keyA, 'POST', `/api/account/${A}/whatsapp-templates`, { name: 'not_yet', category: 'UTILITY', language: 'en_US', wabaId: '102290129340398', phoneNumber: WA_ONLY, body: 'Draft text.' })
        assert.equal(draft.statusCode, 201, draft.body)
        const refused = await post(waHandoff('WA draft template', wa({ templateName: 'not_yet' })))
        assertInvalid(refused, ['wa.templateName'])
        assert.match(json(refused).fields[0].message, /DRAFT/)
      })
    })

    describe('skills restriction', () => {
      test('may name the brand\'s skills, or none', async () => {
        assert.deepEqual((await create(smsHandoff('Skills some', { skills: ['sales', 'support'] }))).skills, ['sales', 'support'])
        assert.deepEqual((await create(smsHandoff('Skills none', { skills: [] }))).skills, [])
        assert.deepEqual((await create(smsHandoff('Skills omitted'))).skills, [])
      })

      test('a skill the brand does not have (even another brand\'s) is rejected', async () => {
        assertInvalid(await post(smsHandoff('Skills unknown', { skills: ['sales', 'nope'] })), ['skills.1'])
        assertInvalid(await post(smsHandoff('Skills of B', { skills: ['vip'] })), ['skills.0'])
      })
    })

    describe('request shape', () => {
      test('several bad fields are all listed', async () => {
        const res = await post({
          title: 'Bad <title>',
          lookbackMinutes: 59,
          channels: ['wa', 'sms'],
          skills: ['nope'],
          sms: { fromNumber: WA_ONLY, message: '' },
          wa: { fromNumber: SMS_ONLY },
        })
        assertInvalid(res, ['title', 'lookbackMinutes', 'skills.0', 'sms.fromNumber', 'sms.message', 'wa.fromNumber', 'wa.templateName'])
      })

      test('a taken title is listed with the other bad fields', async () => {
        await create(smsHandoff('Taken and more'))
        assertInvalid(await post(smsHandoff('taken AND more', { lookbackMinutes: 43201 })), ['title', 'lookbackMinutes'])
      })

      test('wrong types are a 400 1000 naming each field', async () => {
        assertInvalid(await post(smsHandoff('Typed', { lookbackMinutes: '120' })), ['lookbackMinutes'])
        assertInvalid(await post({ ...smsHandoff('Typed'), title: 42, channels: 'sms' }), ['title', 'channels'])
        assertInvalid(await post(smsHandoff('Typed', { sms: { fromNumber: 18005550101, message: 'Hi' } })), ['sms.fromNumber'])
        assertInvalid(await post(smsHandoff('Typed', { skills: 'sales' })), ['skills'])
      })

      test('unknown fields are rejected, at the top and inside a block', async () => {
        const top = await post(smsHandoff('Unknown field', { color: 'red' }))
        assertInvalid(top, ['color'])
        assert.equal(json(top).fields[0].message, 'is not a known field')
        assertInvalid(await post(smsHandoff('Unknown nested', { sms: { fromNumber: SMS_ONLY, message: 'Hi', fromName: 'Acme' } })), ['sms.fromName'])
      })

      test('a body that is not a JSON object is rejected', async () => {
        const res = await post([smsHandoff('In an array')])
        assert.equal(res.statusCode, 400)
        assert.equal(json(res).errorCode, 1000)
      })
    })

    describe('read, replace, delete by id', () => {
      test('GET returns the stored handoff', async () => {
        const created = await create(smsHandoff('Readable', { skills: ['sales'] }))
        const res = await get(created.id)
        assert.equal(res.statusCode, 200)
        assert.deepEqual(json(res), created)
      })

      test('PUT replaces the handoff: updatedAt moves, createdAt and id do not', async () => {
        const createdAt = t.clock.now().toISOString()
        const created = await create(smsHandoff('Replaceable'))
        assert.equal(created.createdAt, createdAt)
        assert.equal(created.updatedAt, createdAt)
        t.clock.advance(5 * MINUTE)
        const updatedAt = t.clock.now().toISOString()
        const res = await put(created.id, waHandoff('Replaced', { lookbackMinutes: 600 }))
        assert.equal(res.statusCode, 200, res.body)
        const replaced = json(res)
        assert.equal(replaced.id, created.id)
        assert.equal(replaced.title, 'Replaced')
        assert.deepEqual(replaced.channels, ['wa'])
        assert.equal(replaced.lookbackMinutes, 600)
        // Only the blocks of the chosen channels are kept.
        assert.equal('sms' in replaced, false)
        assert.equal(replaced.createdAt, createdAt)
        assert.equal(replaced.updatedAt, updatedAt)
        assert.deepEqual(json(await get(created.id)), replaced)
      })

      test('what GET returns can be sent back to PUT unchanged', async () => {
        const created = await create(smsHandoff('Round trip'))
        const read = json(await get(created.id))
        t.clock.advance(1000)
        const res = await put(created.id, read)
        assert.equal(res.statusCode, 200)
        assert.equal(json(res).createdAt, read.createdAt)
        assert.notEqual(json(res).updatedAt, read.updatedAt)
      })

      test('PUT validates like POST', async () => {
        const created = await create(smsHandoff('Put validated'))
        assertInvalid(await put(created.id, smsHandoff('Put validated', { lookbackMinutes: 59, channels: [] })), ['lookbackMinutes', 'channels'])
        assertInvalid(await put(created.id, smsHandoff('Put validated', { id: 'H999999999999999' })), ['id'])
        assert.equal(json(await get(created.id)).lookbackMinutes, 120)
      })

      test('DELETE removes the handoff', async () => {
        const created = await create(smsHandoff('Deletable'))
        const res = await del(created.id)
        assert.equal(res.statusCode, 204)
        assert.equal(res.body, '')
        assertNotFound(await get(created.id))
        assertNotFound(await del(created.id))
        // The title is free again.
        await create(smsHandoff('Deletable'))
      })

      test('an unknown id is 404 1004 on GET, PUT and DELETE', async () => {
        const unknown = 'H100000000000000'
        assertNotFound(await get(unknown))
        assertNotFound(await put(unknown, smsHandoff('Nobody')))
        assertNotFound(await del(unknown))
      })

      test('brand A cannot see, replace or delete brand B\'s handoff, even by id', async () => {
        const theirs = await create(smsHandoff('B private'), B, keyB)
        assertNotFound(await get(theirs.id))
        assertNotFound(await put(theirs.id, smsHandoff('Hijacked')))
        assertNotFound(await del(theirs.id))
        const list = json(await signedRequest(t, keyA, 'GET', handoffsPath(A, '?pageSize=100&title=private')))
        assert.equal(list.total, 0)
        // B's handoff is untouched, and A's key on B's path is refused.
        assert.deepEqual(json(await get(theirs.id, B, keyB)), theirs)
        const crossPath = await signedRequest(t, keyA, 'GET', handoffsPath(B, `/${theirs.id}`))
        assert.equal(crossPath.statusCode, 403)
        assert.equal(json(crossPath).errorCode, 1101)
      })
    })

    describe('list', () => {
      const L = '3103'
      let key: IssuedApiKey
      const WORDS = ['alpha', 'Bravo', 'charlie', 'Delta', 'echo', 'Foxtrot', 'golf', 'Hotel', 'india', 'Juliett', 'kilo', 'Lima', 'mike', 'November', 'oscar', 'Papa', 'quebec', 'Romeo', 'sierra', 'Tango', 'uniform', 'Victor', 'whiskey', 'Xray', 'yankee']
      const CHANNELS = [['sms'], ['wa', 'sms'], ['inapp']]
      /** In creation order. */
      let created: Array<{ id: string; title: string; channels: string[]; createdAt: string }> = []
      /** Ids in the order they were last updated. */
      let updateOrder: string[] = []

      const list = (query: string) => signedRequest(t, key, 'GET', handoffsPath(L, query))
      const ids = async (query: string): Promise<string[]> => {
        const res = await list(query)
        assert.equal(res.statusCode, 200, res.body)
        return json(res).items.map((h: { id: string }) => h.id)
      }

      function bodyFor(title: string, k: number, lookbackMinutes = 120): Body {
        const channels = CHANNELS[k % 3]!
        return {
          title,
          lookbackMinutes,
          channels,
          ...(channels.includes('sms') ? { sms: { fromNumber: BOTH, message: 'Hi' } } : {}),
          ...(channels.includes('wa') ? { wa: { fromNumber: BOTH, templateName: 'ivr_followup', language: 'en_US' } } : {}),
          ...(channels.includes('inapp') ? { inapp: { appIds: [APPS[1]], message: 'Open the app' } } : {}),
        }
      }

      before(async () => {
        key = await catalogued(t, L)
        // Creation, title and update orders are three different permutations.
        for (let k = 0; k < 25; k++) {
          t.clock.advance(MINUTE)
          const title = `Offer ${WORDS[(k * 7) % 25]}`
          const res = await signedRequest(t, key, 'POST', handoffsPath(L), bodyFor(title, k))
          assert.equal(res.statusCode, 201, res.body)
          created.push(json(res))
        }
        for (let k = 0; k < 25; k++) {
          t.clock.advance(MINUTE)
          const index = (k * 11) % 25
          const target = created[index]!
          const res = await signedRequest(t, key, 'PUT', handoffsPath(L, `/${target.id}`), bodyFor(target.title, index, 180))
          assert.equal(res.statusCode, 200, res.body)
          updateOrder.push(target.id)
        }
      })

      test('pages: 25 handoffs by 10 are pages of 10, 10 and 5', async () => {
        const seen: string[] = []
        for (const [page, count] of [[1, 10], [2, 10], [3, 5]] as const) {
          const res = await list(`?page=${page}&pageSize=10&sort=createdAt&order=asc`)
          assert.equal(res.statusCode, 200, res.body)
          const body = json(res)
          assert.equal(body.page, page)
          assert.equal(body.pageSize, 10)
          assert.equal(body.total, 25)
          assert.equal(body.items.length, count)
          seen.push(...body.items.map((h: { id: string }) => h.id))
        }
        assert.deepEqual(seen, created.map((h) => h.id))
        const beyond = json(await list('?page=4&pageSize=10'))
        assert.deepEqual(beyond.items, [])
        assert.equal(beyond.total, 25)
      })

      test('defaults: page 1 of 20, newest first', async () => {
        const body = json(await list(''))
        assert.equal(body.page, 1)
        assert.equal(body.pageSize, 20)
        assert.equal(body.total, 25)
        assert.deepEqual(
          body.items.map((h: { id: string }) => h.id),
          created.map((h) => h.id).reverse().slice(0, 20),
        )
      })

      test('items are whole handoffs', async () => {
        const body = json(await list('?pageSize=100'))
        const first = created[0]!
        const item = body.items.find((h: { id: string }) => h.id === first.id)
        assert.deepEqual(item, json(await signedRequest(t, key, 'GET', handoffsPath(L, `/${first.id}`))))
      })

      test('sorts by title, case-insensitively, both ways', async () => {
        const expected = [...created].sort((x, y) => (x.title.toLowerCase() < y.title.toLowerCase() ? -1 : 1)).map((h) => h.id)
        assert.deepEqual(await ids('?pageSize=100&sort=title&order=asc'), expected)
        assert.deepEqual(await ids('?pageSize=100&sort=title&order=desc'), [...expected].reverse())
        assert.notDeepEqual(expected, created.map((h) => h.id))
      })

      test('sorts by id both ways', async () => {
        const expected = created.map((h) => h.id).sort()
        assert.deepEqual(await ids('?pageSize=100&sort=id&order=asc'), expected)
        assert.deepEqual(await ids('?pageSize=100&sort=id&order=desc'), [...expected].reverse())
      })

      test('sorts by createdAt both ways', async () => {
        const expected = created.map((h) => h.id)
        assert.deepEqual(await ids('?pageSize=100&sort=createdAt&order=asc'), expected)
        assert.deepEqual(await ids('?pageSize=100&sort=createdAt&order=desc'), [...expected].reverse())
      })

      test('sorts by updatedAt both ways', async () => {
        assert.notDeepEqual(updateOrder, created.map((h) => h.id))
        assert.deepEqual(await ids('?pageSize=100&sort=updatedAt&order=asc'), updateOrder)
        assert.deepEqual(await ids('?pageSize=100&sort=updatedAt&order=desc'), [...updateOrder].reverse())
      })

      test('a sorted listing pages consistently', async () => {
        const all = await ids('?pageSize=100&sort=title&order=desc')
        const paged = [...(await ids('?pageSize=10&page=1&sort=title&order=desc')), ...(await ids('?pageSize=10&page=2&sort=title&order=desc')), ...(await ids('?pageSize=10&page=3&sort=title&order=desc'))]
        assert.deepEqual(paged, all)
      })

      test('filters by channel: sms, wa, inapp', async () => {
        for (const channel of ['sms', 'wa', 'inapp']) {
          const res = await list(`?pageSize=100&channel=${channel}&sort=createdAt&order=asc`)
          assert.equal(res.statusCode, 200, res.body)
          const body = json(res)
          const expected = created.filter((h) => h.channels.includes(channel)).map((h) => h.id)
          assert.ok(expected.length > 0)
          assert.equal(body.total, expected.length)
          assert.deepEqual(body.items.map((h: { id: string }) => h.id), expected)
        }
        assert.equal(json(await list('?channel=sms')).total, 17)
        assert.equal(json(await list('?channel=wa')).total, 8)
        assert.equal(json(await list('?channel=inapp')).total, 8)
      })

      test('the channel filter and pagination count the filtered set', async () => {
        const body = json(await list('?channel=sms&pageSize=10&page=2'))
        assert.equal(body.total, 17)
        assert.equal(body.items.length, 7)
      })

      test('filters by title substring, case-insensitively, combined with channel', async () => {
        const byTitle = json(await list('?title=OFFER%20AL'))
        assert.deepEqual(byTitle.items.map((h: { title: string }) => h.title), ['Offer alpha'])
        const middle = json(await list('?title=t&pageSize=100&sort=title&order=asc'))
        assert.deepEqual(
          middle.items.map((h: { title: string }) => h.title),
          created.map((h) => h.title).filter((x) => x.toLowerCase().includes('t')).sort((x, y) => (x.toLowerCase() < y.toLowerCase() ? -1 : 1)),
        )
        const combined = json(await list('?title=A&channel=inapp&pageSize=100'))
        assert.ok(combined.total > 0)
        assert.equal(combined.total, created.filter((h) => h.channels.includes('inapp') && h.title.toLowerCase().includes('a')).length)
        for (const item of combined.items) assert.deepEqual(item.channels, ['inapp'])
      })

      test('pageSize above 100 is rejected; 100 is accepted', async () => {
        assertInvalid(await list('?pageSize=101'), ['pageSize'])
        assertInvalid(await list('?pageSize=0'), ['pageSize'])
        assertInvalid(await list('?page=0'), ['page'])
        assertInvalid(await list('?page=two'), ['page'])
        const res = await list('?pageSize=100')
        assert.equal(res.statusCode, 200)
        assert.equal(json(res).items.length, 25)
      })

      test('a bad sort, order or channel is rejected', async () => {
        assertInvalid(await list('?sort=name'), ['sort'])
        assertInvalid(await list('?order=up'), ['order'])
        assertInvalid(await list('?channel=email'), ['channel'])
      })
    })

    describe('title filter with LIKE metacharacters', () => {
      const F = '3104'
      let key: IssuedApiKey
      const TITLES = ['Spring Sale', 'SPRING clearance', 'Autumn sale', '50% off', '500 off', 'Half_price', 'Halfxprice', 'C:\\promo', 'Cxpromo']

      const titles = async (filter: string): Promise<string[]> => {
        const res = await signedRequest(t, key, 'GET', handoffsPath(F, `?pageSize=100&sort=title&title=${encodeURIComponent(filter)}`))
        assert.equal(res.statusCode, 200, res.body)
        const body = json(res)
        assert.equal(body.total, body.items.length)
        return body.items.map((h: { title: string }) => h.title).sort()
      }

      before(async () => {
        key = await catalogued(t, F)
        for (const title of TITLES) {
          const res = await signedRequest(t, key, 'POST', handoffsPath(F), smsHandoff(title))
          assert.equal(res.statusCode, 201, res.body)
        }
      })

      test('matches a substring whatever its case', async () => {
        assert.deepEqual(await titles('spring'), ['SPRING clearance', 'Spring Sale'])
        assert.deepEqual(await titles('SALE'), ['Autumn sale', 'Spring Sale'])
        assert.deepEqual(await titles('nothing like it'), [])
      })

      test('% is a literal percent sign, not a wildcard', async () => {
        assert.deepEqual(await titles('%'), ['50% off'])
        assert.deepEqual(await titles('0%'), ['50% off'])
      })

      test('_ is a literal underscore, not a wildcard', async () => {
        assert.deepEqual(await titles('_'), ['Half_price'])
        assert.deepEqual(await titles('f_p'), ['Half_price'])
      })

      test('a backslash is literal too', async () => {
        assert.deepEqual(await titles('\\'), ['C:\\promo'])
        assert.deepEqual(await titles(':\\p'), ['C:\\promo'])
      })
    })
  })
}
