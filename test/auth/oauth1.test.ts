import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import OAuth from 'oauth-1.0a'
import { MemoryNonceStore } from '../../src/auth/nonce-store.ts'
import {
  hmacSha1Signature,
  normalizeParameters,
  parseAuthorizationHeader,
  percentEncode,
  signatureBaseString,
  verifyOAuth1Request,
  type OAuthVerifierDeps,
} from '../../src/auth/oauth1.ts'
import { getOauthToHeaders } from '../fixtures/spec-node-snippet.ts'

const URL_USED = 'https://c2m.example.com/api/account/12345678/eligibility?v=2.0'
// The spec's Java snippet needs a JRE. Without one its test says so and is skipped; .ci/run
// installs one, so CI always runs it.
const NO_JRE = spawnSync('java', ['-version'], { stdio: 'ignore' }).error
  ? 'no JRE: `java` is not on the PATH, so the spec\'s Java snippet cannot run (.ci/run installs default-jre-headless)'
  : undefined
const WINDOW = 300
const NOW = 1_700_000_000

const site = {
  appKey: '8f3c2a1b9d7e4f60a5b3c1d2e9f08a7b',
  secret: '4b1e9c7a2d5f8e30',
  accessToken: 'c9a1e7f2b4d8436a9e0f1b2c3d4e5f6a',
  accessTokenSecret: '7e2a9c4b1f6d3e80',
}

function makeDeps(overrides: Partial<OAuthVerifierDeps> = {}): OAuthVerifierDeps {
  return {
    async lookupCredentials(consumerKey, token) {
      return consumerKey === site.appKey && token === site.accessToken
        ? { consumerSecret: site.secret, tokenSecret: site.accessTokenSecret }
        : null
    },
    nonces: new MemoryNonceStore(),
    timestampWindowSeconds: WINDOW,
    ...overrides,
  }
}

interface SigningOptions {
  url?: string
  timestamp?: number
  nonce?: string
  secret?: string
  accessTokenSecret?: string
  signatureMethod?: string
}

// Deterministic headers from the independent oauth-1.0a implementation, so rejections are pinned to one cause.
function signedHeader(options: SigningOptions = {}): string {
  const oauth = new OAuth({
    consumer: { key: site.appKey, secret: options.secret ?? site.secret },
    signature_method: options.signatureMethod ?? 'HMAC-SHA1',
    hash_function(baseString, key) {
      return crypto.createHmac('sha1', key).update(baseString).digest('base64')
    },
  })
  oauth.getTimeStamp = () => options.timestamp ?? NOW
  oauth.getNonce = () => options.nonce ?? 'fixedNonce0123456789'
  const token = { key: site.accessToken, secret: options.accessTokenSecret ?? site.accessTokenSecret }
  return oauth.toHeader(oauth.authorize({ url: options.url ?? URL_USED, method: 'POST' }, token)).Authorization
}

function verify(authorization: string | undefined, deps = makeDeps(), publicUrl = URL_USED) {
  return verifyOAuth1Request({ method: 'POST', publicUrl, authorization, nowSeconds: NOW }, deps)
}

async function rejectionReason(authorization: string | undefined, deps = makeDeps(), publicUrl = URL_USED): Promise<string> {
  const result = await verify(authorization, deps, publicUrl)
  assert.ok(!result.ok, 'expected a rejection')
  return result.reason
}

describe('RFC 5849 examples', () => {
  // §3.4.1.1; the query comes from the request URI, the form body is passed explicitly.
  const params: Array<[string, string]> = [
    ...new URL('http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b').searchParams,
    ...new URLSearchParams('c2&a3=2+q'),
    ['oauth_consumer_key', '9djdj82h48djs9d2'],
    ['oauth_token', 'kkk9d7dh3k39sjv7'],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', '137131201'],
    ['oauth_nonce', '7d8f3e4a'],
  ]

  it('reproduces the §3.4.1.1 signature base string', () => {
    const expected = [
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q',
      '%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_',
      'key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m',
      'ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk',
      '9d7dh3k39sjv7',
    ].join('')
    assert.equal(signatureBaseString('POST', 'http://example.com/request', params), expected)
  })

  it('reproduces the §3.4.1.3.2 normalized parameters', () => {
    const expected = [
      'a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9dj',
      'dj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1',
      '&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7',
    ].join('')
    assert.equal(normalizeParameters(params), expected)
  })

  it('builds the §3.4.1.2 base string URIs', () => {
    assert.equal(signatureBaseString('get', 'http://EXAMPLE.COM:80/r%20v/X?id=123', []), `GET&${percentEncode('http://example.com/r%20v/X')}&`)
    assert.equal(signatureBaseString('GET', 'https://www.example.net:8080/?q=1', []), `GET&${percentEncode('https://www.example.net:8080/')}&`)
  })

  it('percent-encodes per §3.6: unreserved kept, UTF-8 bytes as uppercase %XX', () => {
    assert.equal(percentEncode("AZaz09-._~ !*'()+/=%&ü€"), 'AZaz09-._~%20%21%2A%27%28%29%2B%2F%3D%25%26%C3%BC%E2%82%AC')
  })

  it('keys HMAC-SHA1 with the encoded secrets joined by &', () => {
    const expected = crypto.createHmac('sha1', 'a%26b%20c&d%2Be').update('base').digest('base64')
    assert.equal(hmacSha1Signature('base', 'a&b c', 'd+e'), expected)
  })
})

describe('parseAuthorizationHeader', () => {
  it('reads the RFC 5849 §3.5.1 example, scheme case-insensitive and realm ignored', () => {
    const header = [
      'oauth realm="Example",',
      '  oauth_consumer_key="0685bd9184jfhq22",',
      '  oauth_token="ad180jjd733klru7",',
      '  oauth_signature_method="HMAC-SHA1",',
      '  oauth_signature="wOJIO9A2W5mFwDgiDvZbTSMK%2FPY%3D",',
      '  oauth_timestamp="137131200",',
      '  oauth_nonce="4572616e48616d6d65724c61686176",',
      '  oauth_version="1.0"',
    ].join('\t')
    const parsed = parseAuthorizationHeader(header)
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason)
    assert.equal(parsed.params.consumerKey, '0685bd9184jfhq22')
    assert.equal(parsed.params.token, 'ad180jjd733klru7')
    assert.equal(parsed.params.signature, 'wOJIO9A2W5mFwDgiDvZbTSMK/PY=')
    assert.equal(parsed.params.timestamp, 137131200)
    assert.equal(parsed.params.nonce, '4572616e48616d6d65724c61686176')
    assert.deepEqual(
      parsed.params.signedParams.map(([name]) => name),
      ['oauth_consumer_key', 'oauth_token', 'oauth_signature_method', 'oauth_timestamp', 'oauth_nonce', 'oauth_version'],
    )
  })

  it('rejects an oauth_version other than 1.0 and a non-integer timestamp', () => {
    const valid = signedHeader()
    assert.equal(parseAuthorizationHeader(valid.replace('oauth_version="1.0"', 'oauth_version="2.0"')).ok, false)
    assert.equal(parseAuthorizationHeader(valid.replace(`oauth_timestamp="${NOW}"`, `oauth_timestamp="${NOW}.5"`)).ok, false)
    assert.equal(parseAuthorizationHeader(valid.replace(`oauth_timestamp="${NOW}"`, 'oauth_timestamp="-1"')).ok, false)
  })

  it('rejects a missing required parameter', () => {
    const parsed = parseAuthorizationHeader(signedHeader().replace(/oauth_nonce="[^"]*", /, ''))
    assert.deepEqual(parsed, { ok: false, reason: 'missing or empty oauth_nonce' })
  })
})

describe('verifyOAuth1Request accepts', () => {
  it("headers made by the spec's Node snippet (oauth-1.0a)", async () => {
    const deps = makeDeps()
    for (let i = 0; i < 5; i++) {
      const { Authorization } = getOauthToHeaders(site, URL_USED, 'POST')
      const result = await verifyOAuth1Request(
        { method: 'POST', publicUrl: URL_USED, authorization: Authorization, nowSeconds: Math.floor(Date.now() / 1000) },
        deps,
      )
      assert.deepEqual(result, { ok: true, consumerKey: site.appKey, token: site.accessToken }, Authorization)
    }
  })

  it("headers made by the spec's Java snippet", async (t) => {
    if (NO_JRE) return t.skip(NO_JRE)
    const fixture = fileURLToPath(new URL('../fixtures/OAuthAuthenticator.java', import.meta.url))
    const path = '/api/account/12345678/eligibility'
    const args = [fixture, 'c2m.example.com', path, site.appKey, site.secret, site.accessToken, site.accessTokenSecret, '20']
    // stderr is piped so javac's deprecation note about URLEncoder.encode(String) does not clutter the test output.
    const output = execFileSync('java', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    const headers = output.trim().split('\n')
    assert.equal(headers.length, 20)
    // 20 signatures hold a base64 '+' or '/' all but certainly (p ≈ 4e-8 of none), so those encodings are exercised.
    assert.ok(headers.some((header) => /oauth_signature="[^"]*%2[BF]/.test(header)))

    const deps = makeDeps()
    for (const authorization of headers) {
      const result = await verifyOAuth1Request(
        { method: 'POST', publicUrl: URL_USED, authorization, nowSeconds: Math.floor(Date.now() / 1000) },
        deps,
      )
      assert.deepEqual(result, { ok: true, consumerKey: site.appKey, token: site.accessToken }, authorization)
    }
  })

  it('a URL differing only in scheme and host case and an explicit default port', async () => {
    const result = await verify(signedHeader(), makeDeps(), 'HTTPS://C2M.Example.COM:443/api/account/12345678/eligibility?v=2.0')
    assert.equal(result.ok, true)
  })

  it('a query with UTF-8, reserved characters and a repeated name', async () => {
    const url = 'https://c2m.example.com/api/account/12345678/eligibility?v=2.0&name=J%C3%BCrgen%20O%27Neil&tag=b&tag=a'
    assert.equal((await verify(signedHeader({ url }), makeDeps(), url)).ok, true)
  })

  it('a + in the query signed as a plus (the spec\'s Node snippet) or as a space (RFC 5849), and nothing else', async () => {
    const url = 'https://c2m.example.com/api/account/12345678/sandbox/messages?consumer=+14259549855'
    assert.equal((await verify(signedHeader({ url, nonce: 'plus' }), makeDeps(), url)).ok, true)
    // oauth-1.0a reads %20 as a space: the RFC's reading of the +.
    assert.equal((await verify(signedHeader({ url: url.replace('+', '%20'), nonce: 'space' }), makeDeps(), url)).ok, true)
    assert.equal(await rejectionReason(signedHeader({ url: url.replace('+', ''), nonce: 'none' }), makeDeps(), url), 'signature mismatch')
  })

  it('secrets that need percent-encoding in the signing key', async () => {
    const secrets = { consumerSecret: 'se&cr et+/ü', tokenSecret: '%to=ken' }
    const deps = makeDeps({ lookupCredentials: async () => secrets })
    const header = signedHeader({ secret: secrets.consumerSecret, accessTokenSecret: secrets.tokenSecret })
    assert.equal((await verify(header, deps)).ok, true)
  })

  it('timestamps at both edges of the window', async () => {
    assert.equal((await verify(signedHeader({ timestamp: NOW - WINDOW, nonce: 'a' }))).ok, true)
    assert.equal((await verify(signedHeader({ timestamp: NOW + WINDOW, nonce: 'b' }))).ok, true)
  })
})

describe('verifyOAuth1Request rejects', () => {
  it('a changed byte in the path', async () => {
    assert.equal(await rejectionReason(signedHeader(), makeDeps(), URL_USED.replace('12345678', '12345679')), 'signature mismatch')
  })

  it('a changed byte in the query', async () => {
    assert.equal(await rejectionReason(signedHeader(), makeDeps(), URL_USED.replace('v=2.0', 'v=2.1')), 'signature mismatch')
  })

  it('a wrong consumer secret', async () => {
    assert.equal(await rejectionReason(signedHeader({ secret: `${site.secret}x` })), 'signature mismatch')
  })

  it('a wrong token secret', async () => {
    assert.equal(await rejectionReason(signedHeader({ accessTokenSecret: `${site.accessTokenSecret}x` })), 'signature mismatch')
  })

  it('a signature of a different length without throwing', async () => {
    assert.equal(await rejectionReason(signedHeader().replace(/oauth_signature="[^"]*"/, 'oauth_signature="AAAA"')), 'signature mismatch')
  })

  it('a stale timestamp, before looking up credentials', async () => {
    let lookups = 0
    const deps = makeDeps({
      async lookupCredentials() {
        lookups++
        return null
      },
    })
    assert.equal(await rejectionReason(signedHeader({ timestamp: NOW - WINDOW - 1 }), deps), 'oauth_timestamp too old')
    assert.equal(lookups, 0)
  })

  it('a future timestamp', async () => {
    assert.equal(await rejectionReason(signedHeader({ timestamp: NOW + WINDOW + 1 })), 'oauth_timestamp in the future')
  })

  it('a replayed nonce, remembered for twice the window', async () => {
    const remembered: Array<[string, number]> = []
    const store = new MemoryNonceStore(() => NOW * 1000)
    const deps = makeDeps({
      nonces: {
        remember(key, ttlSeconds) {
          remembered.push([key, ttlSeconds])
          return store.remember(key, ttlSeconds)
        },
      },
    })
    const header = signedHeader()
    assert.equal((await verify(header, deps)).ok, true)
    assert.equal(await rejectionReason(header, deps), 'nonce already used')
    assert.equal(remembered[0]?.[1], 2 * WINDOW)
    assert.match(remembered[0]?.[0] ?? '', /^[0-9a-f]{64}$/)
  })

  it('a wrong signature without spending its nonce', async () => {
    const deps = makeDeps()
    assert.equal(await rejectionReason(signedHeader({ secret: 'wrong' }), deps), 'signature mismatch')
    assert.equal((await verify(signedHeader(), deps)).ok, true)
  })

  it('a duplicated oauth parameter', async () => {
    assert.equal(await rejectionReason(`${signedHeader()}, oauth_nonce="another"`), 'duplicated OAuth parameter oauth_nonce')
  })

  it('an unknown consumer key', async () => {
    const deps = makeDeps({ lookupCredentials: async () => null })
    assert.equal(await rejectionReason(signedHeader(), deps), 'unknown or revoked consumer key or token')
  })

  it('an unsupported signature method', async () => {
    assert.equal(await rejectionReason(signedHeader({ signatureMethod: 'PLAINTEXT' })), 'unsupported oauth_signature_method')
  })

  it('a malformed header', async () => {
    assert.equal(await rejectionReason('OAuth oauth_consumer_key=unquoted, oauth_nonce="x"'), 'malformed OAuth header')
    assert.equal(await rejectionReason(signedHeader().replace(', ', ' ')), 'malformed OAuth header')
    assert.equal(await rejectionReason(signedHeader().replace('oauth_nonce="', 'oauth_nonce="%zz')), 'malformed percent-encoding in oauth_nonce')
    assert.equal(await rejectionReason(`Basic ${Buffer.from('user:pass').toString('base64')}`), 'not an OAuth authorization header')
  })

  it('a missing header', async () => {
    assert.equal(await rejectionReason(undefined), 'missing Authorization header')
  })
})
