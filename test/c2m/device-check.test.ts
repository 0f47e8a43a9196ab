import assert from 'node:assert/strict'
import type http from 'node:http'
import { after, before, beforeEach, describe, test } from 'node:test'
import { dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { LoopbackServer } from '../fakes/loopback.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { findCall } from '../../src/calls/call.repository.ts'

const ACCOUNT_SID = 'AC' + 'a1'.repeat(16)
const AUTH_TOKEN = 'lookup-auth-token'
const FROM = '+18005550100'
const DAY = 86_400_000

/**
 * Twilio Lookup v2 on 127.0.0.1: `GET /v2/PhoneNumbers/{number}?Fields=line_type_intelligence`
 * with Basic auth, answering the documented shape; or failing, or never answering.
 */
class LookupFake {
  readonly requests: Array<{ path: string; authorization: string | undefined }> = []
  readonly types = new Map<string, string>()
  mode: 'answer' | 'error' | 'hang' = 'answer'
  #http?: LoopbackServer

  async start(): Promise<string> {
    this.#http = await LoopbackServer.start((req, res) => this.#answer(req, res))
    return this.#http.origin
  }

  stop(): Promise<void> {
    return this.#http!.close()
  }

  #answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push({ path: req.url ?? '', authorization: req.headers.authorization })
    if (this.mode === 'hang') return
    if (this.mode === 'error') {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20503, message: 'Service unavailable', status: 503 }))
      return
    }
    const number = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.split('/').pop() ?? '')
    const type = this.types.get(number) ?? 'mobile'
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        calling_country_code: '1',
        country_code: 'US',
        phone_number: number,
        national_format: number,
        valid: true,
        validation_errors: [],
        line_type_intelligence: { carrier_name: 'Fake Carrier', error_code: null, mobile_country_code: '310', mobile_network_code: '456', type },
        url: `https://lookups.twilio.com/v2/PhoneNumbers/${number}`,
      }),
    )
  }
}

for (const dialect of dialects) {
  describe(`device check with Twilio Lookup v2 (${dialect.name})`, () => {
    let t: TestApp
    let key: IssuedApiKey
    let fake: LookupFake
    let brand: BrandFixture<'sms'>
    const account = '7801'
    const path = (p: string) => `/api/account/${account}${p}`

    before(async () => {
      fake = new LookupFake()
      const lookupBaseUrl = await fake.start()
      // The Messages API is never called here: a closed port.
      t = await startApp(dialect, { LOOKUP_TIMEOUT_MS: '200', DELIVERY_WORKER: 'false', TWILIO_API_URL: 'http://127.0.0.1:9', TWILIO_LOOKUP_URL: lookupBaseUrl })
      brand = await brandFixture(t, account, {
        skills: ['support'],
        numbers: [{ number: FROM, channel: 'sms' }],
        settings: { channels: [{ name: 'sms', enabled: true }], deviceCheck: true, routing: { skills: ['support'] } },
        connect: { twilio: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } },
        handoffs: { sms: { title: 'SMS', lookbackMinutes: 60, channels: ['sms'], sms: { fromNumber: FROM, message: 'Hi' } } },
      })
      ;({ key } = brand)
    })
    after(async () => {
      await t.close()
      await fake.stop()
    })
    beforeEach(() => {
      fake.mode = 'answer'
      fake.requests.length = 0
    })

    async function eligibility(phone: string) {
      const res = await brand.eligibility(phone, brand.handoffs.sms)
      assert.equal(res.statusCode, 200, res.body)
      const body = json(res)
      const call = await findCall(t.runtime.db, account, body.callId)
      return { body, call: call! }
    }

    test('the lookup decides: a landline is not offered sms, a mobile is; the request is Twilio\'s', async () => {
      fake.types.set('+14259540001', 'landline')
      const landline = await eligibility('+14259540001')
      assert.equal(landline.body.eligible, false)
      assert.deepEqual(landline.call.checks, { sms: 'landline' })
      assert.deepEqual(landline.call.deviceCheck, { textable: false, lineType: 'landline', source: 'twilio' })
      assert.equal(fake.requests[0]?.path, '/v2/PhoneNumbers/%2B14259540001?Fields=line_type_intelligence')
      assert.equal(fake.requests[0]?.authorization, 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'))

      fake.types.set('+14259540002', 'mobile')
      const mobile = await eligibility('+14259540002')
      assert.deepEqual(mobile.body.availableChannels, ['sms'])
      assert.deepEqual(mobile.call.deviceCheck, { textable: true, lineType: 'mobile', source: 'twilio' })
    })

    test('types that cannot take a text are refused; VoIP, personal and unknown are offered', async () => {
      const expected: Record<string, boolean> = { tollFree: false, premium: false, sharedCost: false, uan: false, voicemail: false, pager: false, fixedVoip: true, nonFixedVoip: true, personal: true, unknown: true }
      let n = 10
      for (const [type, textable] of Object.entries(expected)) {
        const phone = `+142595400${n++}`
        fake.types.set(phone, type)
        assert.equal((await eligibility(phone)).body.eligible, textable, type)
      }
    })

    test('a looked-up type is cached per number, and looked up again after LINE_TYPE_CACHE_DAYS', async () => {
      fake.types.set('+14259540003', 'landline')
      await eligibility('+14259540003')
      const again = await eligibility('+14259540003')
      assert.equal(fake.requests.length, 1, 'the second check used the cache')
      assert.deepEqual(again.call.deviceCheck, { textable: false, lineType: 'landline', source: 'cache' })
      fake.types.set('+14259540003', 'mobile')
      t.clock.advance(31 * DAY)
      const later = await eligibility('+14259540003')
      assert.equal(fake.requests.length, 2)
      assert.deepEqual(later.call.deviceCheck, { textable: true, lineType: 'mobile', source: 'twilio' })
    })

    test('lookup down: the offline metadata decides, and the fallback is recorded', async () => {
      fake.mode = 'error'
      const uk = await eligibility('+442071838750')
      assert.equal(uk.body.eligible, false)
      assert.deepEqual(uk.call.deviceCheck, { textable: false, lineType: 'FIXED_LINE', source: 'offline', fallback: 'Twilio Lookup answered 503' })
      const us = await eligibility('+14259540004')
      assert.equal(us.body.eligible, true, 'FIXED_LINE_OR_MOBILE counts as reachable')
      assert.equal(us.call.deviceCheck?.source, 'offline')
    })

    test('lookup too slow: the caller is answered after LOOKUP_TIMEOUT_MS with the offline verdict', async () => {
      fake.mode = 'hang'
      const uk = await eligibility('+447400123456')
      assert.equal(uk.body.eligible, true)
      assert.equal(uk.call.deviceCheck?.source, 'offline')
      assert.match(uk.call.deviceCheck?.fallback ?? '', /did not answer/)
    })

    test('without a Twilio connection the offline metadata is used directly', async () => {
      const res = await signedRequest(t, key, 'DELETE', path('/channels/twilio'))
      assert.equal(res.statusCode, 204)
      const uk = await eligibility('+442071838750')
      assert.deepEqual(uk.call.deviceCheck, { textable: false, lineType: 'FIXED_LINE', source: 'offline' })
      assert.equal(fake.requests.length, 0)
    })
  })
}
