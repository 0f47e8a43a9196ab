import dns from 'node:dns'
import https from 'node:https'
import net from 'node:net'
import type { Config } from '../config.ts'

// Provider endpoints are the operator's configuration (TWILIO_API_URL…): trusted as configured,
// loopback included, which is how tests reach their fakes. A brand may name another host in its
// connection (Twilio's regional edges, e.g. api.dublin.ie1.twilio.com) only when it is on the
// operator's PROVIDER_URL_ALLOWLIST, over https on the default port, and only while every address
// it resolves to is a public one: checked when the connection is saved, and again on the very
// connection each request opens (a pinned lookup), so DNS cannot change the answer in between.
// Redirects are never followed.

/** The provider endpoints of the service's configuration. */
export type ProviderEndpoints = Pick<Config, 'twilioApiUrl' | 'twilioLookupUrl' | 'whatsappApiUrl' | 'fcmApiUrl' | 'fcmTokenUrl' | 'providerUrlAllowlist'>

/** Where one provider's calls go: the operator's URL, or the URL a brand chose and the checks it must pass on every call. */
export interface Endpoint {
  /** An origin (or a full URL, for a token endpoint) without a trailing slash. */
  url: string
  /** Set when the brand chose the URL: the operator's allow-list it must still match. */
  brandAllowlist?: readonly string[]
}

export function endpointOf(operatorUrl: string, brandUrl: string | undefined, allowlist: readonly string[]): Endpoint {
  return brandUrl ? { url: brandUrl, brandAllowlist: allowlist } : { url: operatorUrl }
}

/** A brand-chosen endpoint that must not be called. */
export class RefusedEndpointError extends Error {
  override name = 'RefusedEndpointError'
}

type Range = readonly [address: string, prefix: number]

/**
 * Address ranges no brand-chosen endpoint may reach, by why: everything that is not a public
 * unicast address (RFC 6890 and the IANA special-purpose registries).
 */
const REFUSED: ReadonlyArray<{ reason: string; v4?: readonly Range[]; v6?: readonly Range[] }> = [
  { reason: 'unspecified', v4: [['0.0.0.0', 8]], v6: [['::', 128]] },
  { reason: 'loopback', v4: [['127.0.0.0', 8]], v6: [['::1', 128]] },
  { reason: 'private', v4: [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]], v6: [['fc00::', 7], ['fec0::', 10]] },
  // 169.254.169.254 and fd00:ec2::254 answer cloud metadata requests.
  { reason: 'link-local', v4: [['169.254.0.0', 16]], v6: [['fe80::', 10]] },
  { reason: 'multicast', v4: [['224.0.0.0', 4]], v6: [['ff00::', 8]] },
  { reason: 'reserved', v4: [['240.0.0.0', 4], ['192.0.0.0', 24], ['198.18.0.0', 15]], v6: [['100::', 64], ['2001::', 23]] },
  { reason: 'documentation', v4: [['192.0.2.0', 24], ['198.51.100.0', 24], ['203.0.113.0', 24]], v6: [['2001:db8::', 32]] },
]

const BLOCKS = REFUSED.map(({ reason, v4 = [], v6 = [] }) => {
  const list = new net.BlockList()
  for (const [address, prefix] of v4) list.addSubnet(address, prefix, 'ipv4')
  for (const [address, prefix] of v6) list.addSubnet(address, prefix, 'ipv6')
  return { reason, list }
})

/**
 * Why a brand-chosen endpoint may not connect to this address (`loopback`, `private`…), or
 * undefined for a public one. Takes any form an address is written in — `127.1`, `0x7f000001`,
 * `2130706433`, `[::1]`, `::ffff:127.0.0.1` — and judges an IPv6 address that carries an IPv4
 * one (mapped, compatible, NAT64, 6to4) by the IPv4 address too. Anything else is refused.
 */
export function addressRefusal(address: string): string | undefined {
  const ip = canonicalAddress(address)
  if (!ip) return 'not an IP address'
  const family = net.isIPv4(ip) ? 'ipv4' : 'ipv6'
  for (const { reason, list } of BLOCKS) if (list.check(ip, family)) return reason
  const embedded = family === 'ipv6' ? embeddedIPv4(ip) : undefined
  if (embedded) {
    for (const { reason, list } of BLOCKS) if (list.check(embedded, 'ipv4')) return reason
  }
  return undefined
}

/** The address as dotted IPv4 or compressed IPv6, as WHATWG URLs normalise hosts; undefined when it is not one. */
function canonicalAddress(input: string): string | undefined {
  const bare = input.trim().replace(/^\[(.*)\]$/, '$1')
  if (bare === '' || /[/?#@\s[\]%]/.test(bare)) return undefined
  try {
    const host = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname
    const unbracketed = host.replace(/^\[(.*)\]$/, '$1')
    return net.isIP(unbracketed) ? unbracketed : undefined
  } catch {
    return undefined
  }
}

/** The IPv4 address inside an IPv6 one that routes to it, if any. */
function embeddedIPv4(ipv6: string): string | undefined {
  const groups = expandIPv6(ipv6)
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0)
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), 64:ff9b::a.b.c.d (NAT64).
  if (zero(0, 5) && (groups[5] === 0xffff || groups[5] === 0)) return v4(groups[6]!, groups[7]!)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6)) return v4(groups[6]!, groups[7]!)
  // 2002:AABB:CCDD::/48 (6to4).
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!)
  return undefined
}

/** The eight 16-bit groups of a canonical (compressed, no embedded dotted quad) IPv6 address. */
function expandIPv6(ipv6: string): number[] {
  const [head = '', tail] = ipv6.split('::')
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)))
  const left = parse(head)
  const right = tail === undefined ? [] : parse(tail)
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
}

/** Whether a host name is on the allow-list: `*` (any), `*.example.com` (any name under it) or the exact name. */
export function hostAllowed(hostname: string, allowlist: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  return allowlist.some((pattern) => pattern === '*' || (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern))
}

/**
 * Why a brand may not use this URL for a provider, judged from the URL alone (scheme, port,
 * credentials, allow-list, an address literal), or undefined. The addresses a name resolves to
 * are judged by `brandUrlProblem` at save time and by the pinned lookup at each connection.
 */
export function brandUrlRefusal(url: URL, allowlist: readonly string[]): string | undefined {
  if (url.protocol !== 'https:') return 'must use https'
  if (url.username || url.password) return 'must not carry credentials'
  if (url.port) return 'must use the default https port'
  if (url.search || url.hash) return 'must not carry a query or fragment'
  if (!hostAllowed(url.hostname, allowlist)) return `${url.hostname} is not among the provider hosts this service allows (${allowlist.join(', ')}; the operator's PROVIDER_URL_ALLOWLIST)`
  const literal = canonicalAddress(url.hostname)
  if (literal) {
    const reason = addressRefusal(literal)
    if (reason) return `${url.hostname} is a ${reason} address`
  }
  return undefined
}

/** How long saving a connection waits on DNS; past it, the check at each connection decides. */
const SAVE_LOOKUP_TIMEOUT_MS = 2000

/**
 * The URL as a brand's connection stores it (`origin`, or `origin` and path for a token
 * endpoint), or why it cannot be stored: `brandUrlRefusal`, then every address the name resolves
 * to now. A name that does not resolve now is stored: it reaches nothing, and each connection is
 * checked again when it is opened.
 */
export async function checkBrandUrl(raw: string, allowlist: readonly string[], keepPath: boolean): Promise<{ url: string } | { problem: string }> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { problem: 'must be an absolute https URL' }
  }
  const refusal = brandUrlRefusal(url, allowlist)
  if (refusal) return { problem: refusal }
  if (!keepPath && url.pathname !== '/') return { problem: 'must be an origin, without a path' }
  const host = url.hostname.replace(/\.$/, '')
  if (!canonicalAddress(host)) {
    const addresses = await resolveWithin(host, SAVE_LOOKUP_TIMEOUT_MS)
    for (const { address } of addresses) {
      const reason = addressRefusal(address)
      if (reason) return { problem: `${url.hostname} resolves to ${address}, a ${reason} address` }
    }
  }
  return { url: keepPath ? (url.origin + url.pathname).replace(/\/+$/, '') : url.origin }
}

/** The addresses `host` resolves to now; none when it does not resolve within `timeoutMs`. */
export async function resolveWithin(host: string, timeoutMs: number): Promise<dns.LookupAddress[]> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<dns.LookupAddress[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs)
  })
  try {
    return await Promise.race([dns.promises.lookup(host, { all: true, verbatim: true }).catch(() => []), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `lookup` for the sockets of brand-chosen endpoints: resolves as usual, and fails the connection
 * when any address of the name is not a public one, so the address connected to is one checked.
 */
export const publicOnlyLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0)
    for (const { address } of addresses) {
      const reason = addressRefusal(address)
      if (reason) return callback(Object.assign(new RefusedEndpointError(`${hostname} resolves to ${address}, a ${reason} address`), { code: 'EREFUSEDADDRESS' }), '', 0)
    }
    const first = addresses[0]
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0)
    if ((options as dns.LookupOptions).all) return (callback as unknown as (error: null, addresses: dns.LookupAddress[]) => void)(null, addresses)
    callback(null, first.address, first.family)
  })
}

/** The agent for brand-chosen endpoints: its own pool, every socket opened through `publicOnlyLookup`. */
export const brandEndpointAgent = new https.Agent({ keepAlive: true, lookup: publicOnlyLookup })
