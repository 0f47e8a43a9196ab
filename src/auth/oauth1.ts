import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { NonceStore } from './nonce-store.ts'

/** The protocol parameters of an `Authorization: OAuth …` header, percent-decoded. */
export interface OAuthParams {
  /** `oauth_consumer_key`: the API key's appKey. */
  consumerKey: string
  /** `oauth_token`: the API key's accessToken; undefined when the client sent none. */
  token: string | undefined
  /** `oauth_signature`: the base64 HMAC-SHA1 the client computed. */
  signature: string
  /** `oauth_timestamp`, in seconds since the epoch. */
  timestamp: number
  /** `oauth_nonce`. */
  nonce: string
  /** Every `oauth_*` parameter except `oauth_signature`, in header order: the header's share of the signed parameters. */
  signedParams: Array<[string, string]>
}

/** One incoming request, as far as its OAuth signature covers it. */
export interface OAuthRequest {
  /** HTTP method as received. */
  method: string
  /** Absolute URL the client used, including the query string: origin as the client saw it, not as the proxy forwarded it. */
  publicUrl: string
  /** The raw Authorization header, undefined when absent. */
  authorization: string | undefined
  /** The verifier's clock, in seconds since the epoch. */
  nowSeconds: number
}

/** The secrets that sign requests for one consumer key and token. */
export interface OAuthCredentials {
  /** The API key's secret. */
  consumerSecret: string
  /** The API key's accessTokenSecret; empty when the request carries no token. */
  tokenSecret: string
}

/** What the verifier needs from the rest of the service. */
export interface OAuthVerifierDeps {
  /** Secrets of an active API key; null when the key is unknown, revoked, or the token does not belong to it. */
  lookupCredentials(consumerKey: string, token: string | undefined): Promise<OAuthCredentials | null>
  /** Where nonces of correctly signed requests are remembered. */
  nonces: NonceStore
  /** How far `oauth_timestamp` may differ from `nowSeconds`, either way. */
  timestampWindowSeconds: number
}

/** The verdict on one request; `reason` is for logs only and never holds a secret. */
export type OAuthVerification =
  | { ok: true; consumerKey: string; token: string | undefined }
  | { ok: false; reason: string }

const REQUIRED = ['oauth_consumer_key', 'oauth_signature_method', 'oauth_signature', 'oauth_timestamp', 'oauth_nonce'] as const

// Values are percent-encoded (RFC 5849 §3.5.1), so a quoted-string never needs escapes; refusing them keeps parsing unambiguous.
const PARAM = /([A-Za-z0-9._~%-]+)[ \t]*=[ \t]*"([^"\\\x00-\x1F\x7F]*)"/g
const SCHEME = /^[ \t]*OAuth[ \t]/i
const HEADER = new RegExp(String.raw`^[ \t]*OAuth[ \t]+${PARAM.source}(?:[ \t]*,[ \t]*${PARAM.source})*[ \t]*$`, 'i')
const UNRESERVED = new Set(Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'))

/** Parses an `OAuth` Authorization header per RFC 5849 §3.5.1 and checks it carries what HMAC-SHA1 verification needs. */
export function parseAuthorizationHeader(header: string): { ok: true; params: OAuthParams } | { ok: false; reason: string } {
  if (!SCHEME.test(header)) return { ok: false, reason: 'not an OAuth authorization header' }
  if (!HEADER.test(header)) return { ok: false, reason: 'malformed OAuth header' }

  const raw = new Map<string, string>()
  // HEADER has validated the whole list, so consecutive PARAM matches are exactly its parameters.
  for (const [, encodedName = '', value = ''] of header.matchAll(PARAM)) {
    const name = percentDecode(encodedName)
    if (name === undefined) return { ok: false, reason: 'malformed percent-encoding in OAuth header' }
    if (raw.has(name)) return { ok: false, reason: `duplicated OAuth parameter ${name}` }
    raw.set(name, value)
  }

  const params = new Map<string, string>()
  for (const [name, value] of raw) {
    // realm is a plain quoted-string, not percent-encoded, and it is never signed: it is dropped before decoding.
    if (name === 'realm') continue
    if (!name.startsWith('oauth_')) return { ok: false, reason: `unexpected parameter ${name} in OAuth header` }
    const decoded = percentDecode(value)
    if (decoded === undefined) return { ok: false, reason: `malformed percent-encoding in ${name}` }
    params.set(name, decoded)
  }

  for (const name of REQUIRED) {
    if (!params.get(name)) return { ok: false, reason: `missing or empty ${name}` }
  }
  if (params.get('oauth_signature_method') !== 'HMAC-SHA1') return { ok: false, reason: 'unsupported oauth_signature_method' }
  const version = params.get('oauth_version')
  if (version !== undefined && version !== '1.0') return { ok: false, reason: 'unsupported oauth_version' }
  const timestampText = params.get('oauth_timestamp') ?? ''
  const timestamp = Number(timestampText)
  if (!/^[0-9]+$/.test(timestampText) || !Number.isSafeInteger(timestamp)) return { ok: false, reason: 'oauth_timestamp is not an integer' }

  return {
    ok: true,
    params: {
      consumerKey: params.get('oauth_consumer_key') ?? '',
      token: params.get('oauth_token'),
      signature: params.get('oauth_signature') ?? '',
      timestamp,
      nonce: params.get('oauth_nonce') ?? '',
      signedParams: [...params].filter(([name]) => name !== 'oauth_signature'),
    },
  }
}

/** RFC 3986 percent-encoding as RFC 5849 §3.6 requires it: only unreserved characters stay, UTF-8 bytes as uppercase %XX. */
export function percentEncode(s: string): string {
  // encodeURIComponent leaves five reserved characters as they are; it throws on a lone surrogate,
  // which the byte loop below encodes as U+FFFD, as Buffer.from does.
  try {
    return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  } catch {
    return percentEncodeBytes(s)
  }
}

function percentEncodeBytes(s: string): string {
  let encoded = ''
  for (const byte of Buffer.from(s, 'utf8')) {
    encoded += UNRESERVED.has(byte) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return encoded
}

/** Normalized request parameters per RFC 5849 §3.4.1.3.2. */
export function normalizeParameters(params: Array<[string, string]>): string {
  return params
    .map(([name, value]): [string, string] => [percentEncode(name), percentEncode(value)])
    // Encoded strings are ASCII, so code-unit comparison is the byte order the RFC asks for (localeCompare is not).
    .sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
}

/**
 * Signature base string per RFC 5849 §3.4.1. Any query or fragment in `baseUri` is left out: the
 * query's parameters belong in `params`, with body parameters when a form body is signed.
 *
 * @throws TypeError when `baseUri` is not an absolute http or https URL
 */
export function signatureBaseString(method: string, baseUri: string, params: Array<[string, string]>): string {
  const url = parseHttpUrl(baseUri)
  if (!url) throw new TypeError('base string URI must be an absolute http or https URL')
  return baseStringOf(method, url, params)
}

function baseStringOf(method: string, url: URL, params: Array<[string, string]>): string {
  // WHATWG URL already lowercases scheme and host and drops the default port, as RFC 5849 §3.4.1.2 requires.
  const uri = `${url.protocol}//${url.host}${url.pathname}`
  return [method.toUpperCase(), percentEncode(uri), percentEncode(normalizeParameters(params))].join('&')
}

/** HMAC-SHA1 signature per RFC 5849 §3.4.2, base64 encoded. */
export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret: string): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`
  return createHmac('sha1', key).update(baseString, 'utf8').digest('base64')
}

/**
 * Verifies an OAuth 1.0a HMAC-SHA1 signed request. The body is never signed: the API only takes JSON.
 * Rejects (rather than resolving `ok: false`) when a dependency fails, so the caller can answer 5xx instead of 401.
 */
export async function verifyOAuth1Request(input: OAuthRequest, deps: OAuthVerifierDeps): Promise<OAuthVerification> {
  if (input.authorization === undefined) return { ok: false, reason: 'missing Authorization header' }
  const parsed = parseAuthorizationHeader(input.authorization)
  if (!parsed.ok) return parsed
  const { consumerKey, token, signature, timestamp, nonce, signedParams } = parsed.params

  const window = deps.timestampWindowSeconds
  if (timestamp < input.nowSeconds - window) return { ok: false, reason: 'oauth_timestamp too old' }
  if (timestamp > input.nowSeconds + window) return { ok: false, reason: 'oauth_timestamp in the future' }

  const credentials = await deps.lookupCredentials(consumerKey, token)
  if (!credentials) return { ok: false, reason: 'unknown or revoked consumer key or token' }

  const url = parseHttpUrl(input.publicUrl)
  if (!url) return { ok: false, reason: 'request URL is not an absolute http or https URL' }
  const signatureOver = (query: URLSearchParams) => hmacSha1Signature(baseStringOf(input.method, url, [...signedParams, ...query]), credentials.consumerSecret, credentials.tokenSecret)
  // URLSearchParams decodes as application/x-www-form-urlencoded, as RFC 5849 §3.4.1.3.1 specifies for the query.
  let valid = equalInConstantTime(signature, signatureOver(url.searchParams))
  // The C2M spec's Node snippet (oauth-1.0a) signs a `+` of the query as a plus, where the RFC reads
  // a space: IVRs built from the spec do that, so a signature computed either way is accepted.
  if (!valid && url.search.includes('+')) valid = equalInConstantTime(signature, signatureOver(new URLSearchParams(url.search.replace(/\+/g, '%2B'))))
  if (!valid) return { ok: false, reason: 'signature mismatch' }

  // Only a correctly signed request may spend a nonce, or anyone could burn a client's nonces in advance.
  // The TTL spans the whole period during which the same timestamp is still acceptable.
  const fresh = await deps.nonces.remember(nonceKey(consumerKey, nonce), 2 * window)
  if (!fresh) return { ok: false, reason: 'nonce already used' }

  return { ok: true, consumerKey, token }
}

function parseHttpUrl(uri: string): URL | undefined {
  const url = URL.canParse(uri) ? new URL(uri) : undefined
  return url?.protocol === 'http:' || url?.protocol === 'https:' ? url : undefined
}

function percentDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function equalInConstantTime(provided: string, expected: string): boolean {
  const a = Buffer.from(provided, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  // timingSafeEqual throws on unequal lengths; a length difference only reveals that the signature is not base64 HMAC-SHA1.
  return a.length === b.length && timingSafeEqual(a, b)
}

function nonceKey(consumerKey: string, nonce: string): string {
  // Hashing keeps arbitrary client bytes out of Redis key names; JSON keeps the two fields from running into each other.
  return createHash('sha256').update(JSON.stringify([consumerKey, nonce])).digest('hex')
}
