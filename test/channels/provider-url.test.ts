import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { addressRefusal, brandUrlRefusal, checkBrandUrl, hostAllowed } from '../../src/channels/provider-url.ts'

// The rules that keep a brand's provider connection from pointing the service at itself, its
// network or its cloud's metadata service. Plain functions, no store, no HTTP.

const DEFAULT_ALLOWLIST = ['*.twilio.com', 'graph.facebook.com', '*.googleapis.com']

describe('addressRefusal', () => {
  const cases: Array<[address: string, expected: string | undefined]> = [
    // Loopback, in every way an address can be written.
    ['127.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0x7f.0.0.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['017700000001', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    // Unspecified: connecting to it reaches this host.
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['[::]', 'unspecified'],
    ['::ffff:0.0.0.0', 'unspecified'],
    // Private networks.
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['167772161', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.100.100.200', 'private'],
    ['100.127.255.255', 'private'],
    ['fc00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['fec0::1', 'private'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:192.168.0.1', 'private'],
    // Link-local, where the cloud metadata services answer.
    ['169.254.169.254', 'link-local'],
    ['0xa9fea9fe', 'link-local'],
    ['2852039166', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['[fe80::a9fe:a9fe]', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    // Neither unicast nor public.
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001::1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['2001:db8::1', 'documentation'],
    // Public addresses, next to the edges of the ranges above.
    ['8.8.8.8', undefined],
    ['1.1.1.1', undefined],
    ['54.172.60.0', undefined],
    ['172.15.255.255', undefined],
    ['172.32.0.1', undefined],
    ['100.63.255.255', undefined],
    ['100.128.0.1', undefined],
    ['169.253.255.255', undefined],
    ['11.0.0.1', undefined],
    ['2001:4860:4860::8888', undefined],
    ['[2a03:2880:f10c:83:face:b00c:0:25de]', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['64:ff9b::8.8.8.8', undefined],
    // Not an address at all: refused, never guessed at.
    ['api.twilio.com', 'not an IP address'],
    ['localhost', 'not an IP address'],
    ['', 'not an IP address'],
    ['1.2.3.4.5', 'not an IP address'],
    ['127.0.0.1/8', 'not an IP address'],
    ['fe80::1%eth0', 'not an IP address'],
    ['[::1', 'not an IP address'],
    ['256.0.0.1', 'not an IP address'],
  ]
  for (const [address, expected] of cases) {
    test(`${JSON.stringify(address)} → ${expected ?? 'public'}`, () => {
      assert.equal(addressRefusal(address), expected)
    })
  }
})

describe('hostAllowed', () => {
  const cases: Array<[host: string, allowlist: string[], expected: boolean]> = [
    ['api.twilio.com', DEFAULT_ALLOWLIST, true],
    ['api.dublin.ie1.twilio.com', DEFAULT_ALLOWLIST, true],
    ['API.Twilio.COM', DEFAULT_ALLOWLIST, true],
    ['api.twilio.com.', DEFAULT_ALLOWLIST, true],
    ['graph.facebook.com', DEFAULT_ALLOWLIST, true],
    ['oauth2.googleapis.com', DEFAULT_ALLOWLIST, true],
    ['twilio.com', DEFAULT_ALLOWLIST, false],
    ['eviltwilio.com', DEFAULT_ALLOWLIST, false],
    ['api.twilio.com.evil.example', DEFAULT_ALLOWLIST, false],
    ['www.facebook.com', DEFAULT_ALLOWLIST, false],
    ['graph.facebook.com.evil.example', DEFAULT_ALLOWLIST, false],
    ['127.0.0.1', DEFAULT_ALLOWLIST, false],
    ['anything.example', ['*'], true],
    ['anything.example', [], false],
  ]
  for (const [host, allowlist, expected] of cases) {
    test(`${host} on [${allowlist.join(', ')}] → ${expected}`, () => assert.equal(hostAllowed(host, allowlist), expected))
  }
})

describe('brandUrlRefusal', () => {
  const cases: Array<[url: string, allowlist: string[], expected: RegExp | undefined]> = [
    ['https://api.twilio.com', DEFAULT_ALLOWLIST, undefined],
    ['https://api.dublin.ie1.twilio.com', DEFAULT_ALLOWLIST, undefined],
    ['http://api.twilio.com', DEFAULT_ALLOWLIST, /must use https/],
    ['https://api.twilio.com:8443', DEFAULT_ALLOWLIST, /default https port/],
    ['https://user:pass@api.twilio.com', DEFAULT_ALLOWLIST, /credentials/],
    ['https://api.twilio.com/?x=1', DEFAULT_ALLOWLIST, /query/],
    ['https://evil.example', DEFAULT_ALLOWLIST, /evil\.example is not among the provider hosts this service allows \(\*\.twilio\.com, graph\.facebook\.com, \*\.googleapis\.com; the operator's PROVIDER_URL_ALLOWLIST\)/],
    // A broad allow-list still never lets a brand reach the service's own network.
    ['https://127.0.0.1', ['*'], /127\.0\.0\.1 is a loopback address/],
    ['https://127.1', ['*'], /loopback/],
    ['https://2130706433', ['*'], /loopback/],
    ['https://0x7f000001', ['*'], /loopback/],
    ['https://[::1]', ['*'], /loopback/],
    ['https://[::ffff:127.0.0.1]', ['*'], /loopback/],
    ['https://169.254.169.254', ['*'], /169\.254\.169\.254 is a link-local address/],
    ['https://[fd00:ec2::254]', ['*'], /private/],
    ['https://0.0.0.0', ['*'], /unspecified/],
    ['https://10.0.0.5', ['*'], /private/],
    ['https://8.8.8.8', ['*'], undefined],
  ]
  for (const [url, allowlist, expected] of cases) {
    test(`${url} on [${allowlist.join(', ')}]`, () => {
      const refusal = brandUrlRefusal(new URL(url), allowlist)
      if (expected) assert.match(refusal ?? '(allowed)', expected)
      else assert.equal(refusal, undefined)
    })
  }
})

describe('checkBrandUrl (save time, with DNS)', () => {
  test('a name that resolves to loopback is refused even on a broad allow-list', async () => {
    const checked = await checkBrandUrl('https://localhost', ['*'], false)
    assert.ok('problem' in checked, JSON.stringify(checked))
    assert.match(checked.problem, /^localhost resolves to (127\.0\.0\.1|::1), a loopback address$/)
  })

  test('an allowed origin is stored as an origin; a token endpoint keeps its path', async () => {
    // The name may not resolve where the tests run: it is stored, and checked again at each connection.
    assert.deepEqual(await checkBrandUrl('https://api.dublin.ie1.twilio.com/', DEFAULT_ALLOWLIST, false), { url: 'https://api.dublin.ie1.twilio.com' })
    assert.deepEqual(await checkBrandUrl('https://oauth2.googleapis.com/token/', DEFAULT_ALLOWLIST, true), { url: 'https://oauth2.googleapis.com/token' })
  })

  test('an origin field with a path, or what is not a URL, is refused', async () => {
    assert.deepEqual(await checkBrandUrl('https://api.twilio.com/2010-04-01', DEFAULT_ALLOWLIST, false), { problem: 'must be an origin, without a path' })
    assert.deepEqual(await checkBrandUrl('not a url', DEFAULT_ALLOWLIST, false), { problem: 'must be an absolute https URL' })
  })
})
