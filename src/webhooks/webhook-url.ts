import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { addressRefusal, brandEndpointAgent, hostAllowed, resolveWithin } from '../channels/provider-url.ts'

// A webhook URL is a brand's free choice, so it must not make this service call into its own
// network: https, and only public addresses — judged from the URL when it is saved and before each
// attempt, from DNS when it is saved, and on the very connection each attempt opens (the pinned
// lookup of `brandEndpointAgent`), so DNS cannot change the answer in between. The operator may
// trust hosts by name (WEBHOOK_URL_ALLOWLIST): an agent desk inside the network, or the tests'
// fake desk on 127.0.0.1; those are called as configured, over http too. Redirects are never followed.

/** How long saving a URL waits on DNS; past it, the check at each connection decides. */
const SAVE_LOOKUP_TIMEOUT_MS = 2000

/** Whether the operator trusts this URL's host as it is (WEBHOOK_URL_ALLOWLIST). */
export function isTrustedHost(url: URL, trusted: readonly string[]): boolean {
  return trusted.length > 0 && hostAllowed(url.hostname.replace(/^\[(.*)\]$/, '$1'), trusted)
}

/**
 * Why a brand may not send webhooks to this URL, judged from the URL alone (scheme, credentials,
 * an address literal), or undefined. A WHATWG URL writes every form of an IPv4 or IPv6 literal
 * (`127.1`, `0x7f000001`, `[::ffff:127.0.0.1]`) canonically, which `addressRefusal` judges.
 */
export function webhookUrlRefusal(url: URL, trusted: readonly string[]): string | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https'
  if (url.username || url.password) return 'must not carry credentials'
  if (url.hash) return 'must not carry a fragment'
  if (isTrustedHost(url, trusted)) return undefined
  if (url.protocol !== 'https:') return 'must use https'
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (net.isIP(host)) {
    const reason = addressRefusal(host)
    if (reason) return `${url.hostname} is a ${reason} address`
  }
  return undefined
}

/**
 * The URL as it is stored, or why it cannot be: `webhookUrlRefusal`, then every address the name
 * resolves to now. A name that does not resolve now is stored: it reaches nothing, and each
 * connection is checked again when it is opened.
 */
export async function checkWebhookUrl(raw: string, trusted: readonly string[]): Promise<{ url: string } | { problem: string }> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { problem: 'must be an absolute https URL' }
  }
  const refusal = webhookUrlRefusal(url, trusted)
  if (refusal) return { problem: refusal }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '')
  if (!isTrustedHost(url, trusted) && !net.isIP(host)) {
    for (const { address } of await resolveWithin(host, SAVE_LOOKUP_TIMEOUT_MS)) {
      const reason = addressRefusal(address)
      if (reason) return { problem: `${url.hostname} resolves to ${address}, a ${reason} address` }
    }
  }
  return { url: url.href }
}

/** Keep-alive pools for the operator's trusted hosts; every other URL goes through `brandEndpointAgent`. */
const trustedAgents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) }

/** The agent an attempt to `url` connects through. */
export function agentFor(url: URL, trusted: readonly string[]): http.Agent {
  if (!isTrustedHost(url, trusted)) return brandEndpointAgent
  return url.protocol === 'https:' ? trustedAgents.https : trustedAgents.http
}
