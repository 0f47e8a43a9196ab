import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { json, provisionBrand, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { ERRORS } from '../../src/shared/errors.ts'
import { LOOKBACK_MAX_MINUTES, LOOKBACK_MIN_MINUTES, SMS_MAX_LENGTH, TITLE_MAX_LENGTH } from '../../src/handoffs/handoff.ts'

// The OpenAPI document as a client generator or a reader of the UI sees it: generated from the
// route schemas, it must state what the service really does. The document does not depend on
// the store, so SQLite is enough.

const ACCOUNT = '4101'
const SMS_NUMBER = '+18005550101'

interface Parameter {
  name: string
  in: string
  required?: boolean
  schema: { default?: unknown }
}
interface Operation {
  description?: string
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema: Schema }> }
  responses: Record<string, unknown>
  security?: unknown[]
}
interface Schema {
  type?: string
  properties?: Record<string, Schema>
  required?: string[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
}
interface Document {
  info: { description: string }
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, { type: string; scheme: string; bearerFormat?: string; description: string }> }
  security: Array<Record<string, unknown>>
}

const operations = (doc: Document) => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })))
const bodySchema = (op: Operation | undefined, type = 'application/json') => op?.requestBody?.content[type]?.schema
const row = (error: { status: number; code: number; message: string }) => `| ${error.status} | ${error.code} | \`${error.message}\` |`

describe('the OpenAPI document', () => {
  let t: TestApp
  let doc: Document
  let call: BrandFixture['call']

  before(async () => {
    t = await startApp()
    const res = await t.app.inject({ method: 'GET', url: '/api/api-docs/json' })
    assert.equal(res.statusCode, 200)
    doc = json(res)
    ;({ call } = await brandFixture(t, ACCOUNT, { privileges: ['management'], numbers: [{ number: SMS_NUMBER, channel: 'sms' }] }))
  })
  after(() => t.close())

  test('no parameter with a default is required', () => {
    const defaulted = operations(doc).flatMap(({ path, method, op }) => (op.parameters ?? []).filter((p) => p.schema.default !== undefined).map((p) => ({ ...p, where: `${method} ${path}` })))
    const names = defaulted.map((p) => `${p.where} ${p.name}`)
    for (const name of ['page', 'pageSize', 'sort', 'order']) assert.ok(names.includes(`get /api/account/{accountId}/handoffs ${name}`), `${name} has its default`)
    assert.ok(names.includes('get /api/account/{accountId}/sandbox/messages limit'))
    for (const p of defaulted) assert.notEqual(p.required, true, `${p.where}: ${p.name} has a default, so it is optional`)
  })

  test('leaving out every defaulted parameter works as documented', async () => {
    const list = await call('GET', 'handoffs', undefined, 200)
    assert.equal(list.page, 1)
    assert.equal(list.pageSize, 20)
  })

  test('the token request is documented as a form and as JSON, and both work', async () => {
    const op = doc.paths['/api/account/{accountId}/app-jwt']?.post
    for (const type of ['application/x-www-form-urlencoded', 'application/json']) {
      assert.deepEqual(bodySchema(op, type)?.required, ['grant_type', 'client_id', 'client_secret'], type)
    }
    const key = await provisionBrand(t.runtime, '4102')
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: key.appKey, client_secret: key.secret }).toString()
    const formAnswer = await t.app.inject({ method: 'POST', url: '/api/account/4102/app-jwt', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form })
    assert.equal(formAnswer.statusCode, 200, formAnswer.body)
    const jsonAnswer = await t.app.inject({ method: 'POST', url: '/api/account/4102/app-jwt', payload: Object.fromEntries(new URLSearchParams(form)) })
    assert.equal(jsonAnswer.statusCode, 200, jsonAnswer.body)
  })

  describe('the handoff limits are the rules enforced', () => {
    const handoff = (title: string, extra: Record<string, unknown> = {}) => ({ title, lookbackMinutes: 120, channels: ['sms'], sms: { fromNumber: SMS_NUMBER, message: 'Hi' }, ...extra })
    let schema: Schema

    before(() => {
      schema = bodySchema(doc.paths['/api/account/{accountId}/handoffs']?.post)!
      assert.deepEqual(bodySchema(doc.paths['/api/account/{accountId}/handoffs/{handoffId}']?.put), schema, 'PUT takes the same body')
    })

    test('the document states the rules\' limits', () => {
      assert.equal(schema.properties!.title!.maxLength, TITLE_MAX_LENGTH)
      assert.equal(schema.properties!.lookbackMinutes!.minimum, LOOKBACK_MIN_MINUTES)
      assert.equal(schema.properties!.lookbackMinutes!.maximum, LOOKBACK_MAX_MINUTES)
      assert.equal(schema.properties!.sms!.properties!.message!.maxLength, SMS_MAX_LENGTH)
      assert.equal(schema.properties!.inapp!.properties!.message!.maxLength, SMS_MAX_LENGTH)
    })

    test('a value at each stated limit is accepted and one beyond it refused', async () => {
      const title = schema.properties!.title!
      const lookback = schema.properties!.lookbackMinutes!
      const message = schema.properties!.sms!.properties!.message!
      await call('POST', 'handoffs', handoff('t'.repeat(title.maxLength!)), 201)
      await call('POST', 'handoffs', handoff('lookback at minimum', { lookbackMinutes: lookback.minimum }), 201)
      await call('POST', 'handoffs', handoff('lookback at maximum', { lookbackMinutes: lookback.maximum }), 201)
      await call('POST', 'handoffs', handoff('message at maximum', { sms: { fromNumber: SMS_NUMBER, message: 'm'.repeat(message.maxLength!) } }), 201)

      const refused = async (body: unknown, field: string) => assert.deepEqual((await call('POST', 'handoffs', body, 400)).fields.map((f: { field: string }) => f.field), [field])
      await refused(handoff('u'.repeat(title.maxLength! + 1)), 'title')
      await refused(handoff('lookback below', { lookbackMinutes: lookback.minimum! - 1 }), 'lookbackMinutes')
      await refused(handoff('lookback above', { lookbackMinutes: lookback.maximum! + 1 }), 'lookbackMinutes')
      await refused(handoff('message above', { sms: { fromNumber: SMS_NUMBER, message: 'm'.repeat(message.maxLength! + 1) } }), 'sms.message')
    })

    test('a body breaking a stated limit and a catalogue rule gets both named in one answer', async () => {
      const body = handoff('v'.repeat(TITLE_MAX_LENGTH + 1), { sms: { fromNumber: '+18005550199', message: 'Hi' } })
      const fields = (await call('POST', 'handoffs', body, 400)).fields.map((f: { field: string }) => f.field)
      assert.deepEqual(fields.sort(), ['sms.fromNumber', 'title'])
    })
  })

  test('the health probes are documented, without credentials', () => {
    for (const path of ['/healthz', '/readyz']) {
      const op = doc.paths[path]?.get
      assert.ok(op, path)
      assert.deepEqual(op.security, [])
      assert.ok(op.responses['200'], path)
    }
    assert.ok(doc.paths['/readyz']!.get!.responses['503'])
  })

  test('the webhooks are documented with the bodies their providers send', () => {
    const inbound = bodySchema(doc.paths['/webhooks/twilio/{accountId}/inbound']?.post, 'application/x-www-form-urlencoded')
    assert.ok(inbound?.properties?.From && inbound.properties.Body && inbound.properties.MessageSid)
    const status = bodySchema(doc.paths['/webhooks/twilio/{accountId}/status']?.post, 'application/x-www-form-urlencoded')
    assert.ok(status?.properties?.MessageStatus)
    const whatsapp = doc.paths['/webhooks/whatsapp/{accountId}']?.post
    assert.deepEqual(bodySchema(whatsapp)?.required?.sort(), ['entry', 'object'])
    assert.match(whatsapp?.description ?? '', /X-Hub-Signature-256/)
    for (const { path, op } of operations(doc).filter(({ path }) => path.startsWith('/webhooks/'))) assert.deepEqual(op.security, [], path)
  })

  test('both security schemes are described, and every API takes either', () => {
    const { oauth1, appJwt } = doc.components.securitySchemes
    assert.equal(oauth1?.type, 'http')
    assert.equal(oauth1.scheme, 'OAuth')
    assert.match(oauth1.description, /RFC 5849/)
    assert.match(oauth1.description, /HMAC-SHA1/)
    assert.match(oauth1.description, /What is signed/)
    assert.match(oauth1.description, /body is not signed/)
    assert.equal(appJwt?.type, 'http')
    assert.equal(appJwt.scheme, 'bearer')
    assert.equal(appJwt.bearerFormat, 'JWT')
    assert.match(appJwt.description, /app-jwt/)
    assert.deepEqual(doc.security, [{ oauth1: [] }, { appJwt: [] }])
  })

  test('the error table is the catalogue: every code, with its status and exact message', () => {
    for (const error of Object.values(ERRORS)) assert.ok(doc.info.description.includes(row(error)), `${error.code} missing from the document's error table`)
  })

  test('Eligibility and Invite list every catalogue error of the statuses they document', () => {
    for (const path of ['/api/account/{accountId}/eligibility', '/api/account/{accountId}/invite']) {
      const op = doc.paths[path]!.post!
      const statuses = new Set(Object.keys(op.responses).map(Number))
      for (const error of Object.values(ERRORS)) {
        assert.equal(op.description?.includes(row(error)), statuses.has(error.status), `${path}: ${error.code}`)
      }
      assert.ok(op.description?.includes(row(ERRORS.noEngagementForSkill)), 'the C2M table\'s 1300 row, with its <<skill>> placeholder')
    }
  })
})
