import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { redactUrl } from '../../src/http/logging.ts'
import { maskPhone, maskPhonesIn } from '../../src/lib/phone.ts'
import { PUBLIC_ORIGIN, appWithCapturedLog, provisionBrand, signAt, startApp, type TestApp } from '../helper.ts'

// A phone number reaches the log in whatever form the client wrote it: every one of them is
// masked to its last four digits, and nothing that is not a number is touched.

const SANDBOX = '/api/account/7001/sandbox/messages'

describe('phone numbers in logged URLs', () => {
  const masked: Array<[string, string]> = [
    // E.164, as is, percent-encoded, and with the `+` form-decoded into a space.
    [`${SANDBOX}?consumer=+14155550998`, `${SANDBOX}?consumer=+*******0998`],
    [`${SANDBOX}?consumer=%2B14155550998`, `${SANDBOX}?consumer=%2B*******0998`],
    [`${SANDBOX}?consumer=%2b14155550998`, `${SANDBOX}?consumer=%2b*******0998`],
    [`${SANDBOX}?consumer=%2014155550998`, `${SANDBOX}?consumer=%20*******0998`],
    [`${SANDBOX}?consumer=14155550998`, `${SANDBOX}?consumer=*******0998`],
    // Separators: hyphens, spaces (encoded, or a form's `+`), parentheses, dots.
    [`${SANDBOX}?consumer=%2B1-415-555-0998`, `${SANDBOX}?consumer=%2B*-***-***-0998`],
    [`${SANDBOX}?consumer=%2B1%20415%20555%200998`, `${SANDBOX}?consumer=%2B*%20***%20***%200998`],
    [`${SANDBOX}?consumer=%2B1+415+555+0998`, `${SANDBOX}?consumer=%2B*+***+***+0998`],
    [`${SANDBOX}?consumer=+1+415+555+0998`, `${SANDBOX}?consumer=+*+***+***+0998`],
    [`${SANDBOX}?consumer=(415)5550998`, `${SANDBOX}?consumer=(***)***0998`],
    [`${SANDBOX}?consumer=%28415%29%20555-0998`, `${SANDBOX}?consumer=%28***%29%20***-0998`],
    [`${SANDBOX}?consumer=415.555.0998`, `${SANDBOX}?consumer=***.***.0998`],
    [`${SANDBOX}?consumer=1-415-555-0998&limit=5`, `${SANDBOX}?consumer=*-***-***-0998&limit=5`],
    // Fullwidth plus and digits, as is and percent-encoded.
    [`${SANDBOX}?consumer=＋14155550998`, `${SANDBOX}?consumer=＋*******0998`],
    [`${SANDBOX}?consumer=%EF%BC%8B14155550998`, `${SANDBOX}?consumer=%EF%BC%8B*******0998`],
    [`${SANDBOX}?consumer=%EF%BC%8B%EF%BC%91-415-555-0998`, `${SANDBOX}?consumer=%EF%BC%8B*-***-***-0998`],
    [`${SANDBOX}?consumer=１４１５５５５０９９８`, `${SANDBOX}?consumer=*******０９９８`],
    // In a path segment, as a parameter without a value, and inside a longer segment after a plus.
    ['/api/account/7001/phone-numbers/%2B1-800-555-0100', '/api/account/7001/phone-numbers/%2B*-***-***-0100'],
    ['/api/account/7001/phone-numbers/18005550100', '/api/account/7001/phone-numbers/*******0100'],
    ['/api/account/7001/consumers/+44%207400%20123456/devices', '/api/account/7001/consumers/+**%20****%20**3456/devices'],
    [`${SANDBOX}?14155550998`, `${SANDBOX}?*******0998`],
    ['/api/account/7001/x/tel:+1-415-555-0998', '/api/account/7001/x/tel:+*-***-***-0998'],
  ]
  for (const [url, expected] of masked) {
    test(url, () => {
      const logged = redactUrl(url)
      assert.equal(logged, expected)
      assert.doesNotMatch(logged.replace(/%[0-9A-F]{2}/gi, ''), /415|555|800|7400/)
    })
  }

  const kept = [
    // The brand's account id, short numbers, and values that are not numbers.
    '/api/account/14155550998/skills',
    '/webhooks/twilio/14155550998/status',
    `${SANDBOX}?limit=50`,
    `${SANDBOX}?n=+123`,
    '/api/account/7001/handoffs?page=2&pageSize=20&title=Call%20us%20(24h)',
    '/api/account/7001/calls/0f8fad5b-d9cb-469f-a165-70867728950e',
  ]
  for (const url of kept) test(`kept: ${url}`, () => assert.equal(redactUrl(url), url))

  test("Meta's verify token is redacted", () => {
    assert.equal(redactUrl('/webhooks/whatsapp/7001?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=42'), '/webhooks/whatsapp/7001?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=42')
  })
})

describe('maskPhone and maskPhonesIn', () => {
  const cases: Array<[string, string]> = [
    ['+1 (415) 555-0998', '+* (***) ***-0998'],
    ['＋1 415 555 0998', '＋* *** *** 0998'],
    ['%2B44%207911%20123456', '%2B**%20****%20**3456'],
    ['12345', '*2345'],
    ['1234', '****'],
  ]
  for (const [value, expected] of cases) test(`maskPhone(${JSON.stringify(value)})`, () => assert.equal(maskPhone(value), expected))

  test('maskPhonesIn masks plus-led numbers in free text whatever their separators, and leaves the rest', () => {
    assert.equal(maskPhonesIn('call +1 (415) 555-0998 or ＋44 7911 123456 today, ref 2026-11-21'), 'call +* (***) ***-0998 or ＋** **** **3456 today, ref 2026-11-21')
    assert.equal(maskPhonesIn('room +12, floor 3'), 'room +12, floor 3')
  })
})

describe('through the service log', () => {
  let t: TestApp
  before(async () => {
    t = await startApp()
  })
  after(() => t.close())

  test('a consumer number with separators is masked in every request line', async () => {
    const key = await provisionBrand(t.runtime, '7001')
    const { app, lines } = await appWithCapturedLog(t)
    try {
      for (const consumer of ['%2B1-415-555-0998', '%2B1%20415%20555%200998', '(415)5550998', '%EF%BC%8B14155550998']) {
        const url = `${SANDBOX}?consumer=${consumer}`
        await app.inject({ method: 'GET', url, headers: { authorization: signAt(key, 'GET', PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000)) } })
      }
      const urls = lines.map((line) => JSON.parse(line).req?.url).filter(Boolean) as string[]
      assert.equal(urls.length, 4, lines.join('\n'))
      for (const url of urls) {
        assert.match(url, /consumer=.*0998$/, url)
        assert.doesNotMatch(url.replace(/%[0-9A-F]{2}/gi, ''), /415|555/, url)
      }
    } finally {
      await app.close()
    }
  })
})
