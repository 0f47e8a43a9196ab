import http from 'node:http'
import https from 'node:https'
import { DeliveryError } from './channel-adapter.ts'
import { type Endpoint, RefusedEndpointError, brandEndpointAgent, brandUrlRefusal } from './provider-url.ts'

/** How long a provider call may take: keep well inside the dispatcher's lease (DELIVERY_LEASE_SECONDS, 30 s by default). */
export const PROVIDER_TIMEOUT_MS = 10_000

/**
 * The provider-call timeout under a dispatcher lease: at most PROVIDER_TIMEOUT_MS, and a third of
 * the lease, so that a send — FCM makes two calls in a row, a token then the pushes — ends while
 * the claim still holds and no other dispatcher can send the same message.
 */
export function providerTimeoutFor(leaseSeconds: number): number {
  return Math.min(PROVIDER_TIMEOUT_MS, Math.floor((leaseSeconds * 1000) / 3))
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** One provider call: bodies are always whole strings (JSON or a form). */
export interface ProviderRequest {
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
}

/** The most of a provider's answer that is read; a longer one counts as no answer (no provider API answers that much). */
const MAX_RESPONSE_BYTES = 1024 * 1024

/**
 * Calls a provider at `endpoint` + `path`. A brand-chosen endpoint is checked again (allow-list,
 * address literal) and connected through `brandEndpointAgent`, whose lookup refuses non-public
 * addresses; a refused endpoint is a permanent failure. A call that gets no HTTP answer (timeout,
 * refused, reset) may be retried. Redirects are answers like any other, never followed.
 */
export async function providerFetch(provider: string, endpoint: Endpoint, path: string, init: ProviderRequest, timeoutMs: number = PROVIDER_TIMEOUT_MS): Promise<Response> {
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    if (endpoint.brandAllowlist) {
      const refusal = brandUrlRefusal(new URL(endpoint.url), endpoint.brandAllowlist)
      if (refusal) throw new RefusedEndpointError(`${endpoint.url} ${refusal}`)
    }
    return await request(new URL(endpoint.url + path), init, signal, endpoint.brandAllowlist ? brandEndpointAgent : undefined)
  } catch (error) {
    if (error instanceof RefusedEndpointError) throw new DeliveryError('permanent', 'endpoint_refused', `${provider} not called: ${error.message}`)
    const reason = signal.aborted ? 'timeout' : 'network'
    throw new DeliveryError('transient', reason, `${provider} did not answer: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function request(url: URL, init: ProviderRequest, signal: AbortSignal, agent: https.Agent | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : Buffer.from(init.body)
    const headers = { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) }
    const client = url.protocol === 'https:' ? https : http
    const outgoing = client.request(url, { method: init.method ?? 'GET', headers, signal, ...(agent ? { agent } : {}) }, (incoming) => {
      const chunks: Buffer[] = []
      let size = 0
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_RESPONSE_BYTES) return incoming.destroy(new Error(`answered more than ${MAX_RESPONSE_BYTES} bytes`))
        chunks.push(chunk)
      })
      incoming.on('error', reject)
      incoming.on('close', () => {
        if (!incoming.complete) reject(new Error('the connection closed before the answer ended'))
      })
      incoming.on('end', () => {
        try {
          const status = incoming.statusCode ?? 0
          const responseHeaders = new Headers()
          for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) responseHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!)
          const empty = status === 204 || status === 205 || status === 304
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders }))
        } catch (error) {
          // A status outside 200–599 or a header no Response can hold: not an answer.
          reject(error)
        }
      })
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** 429 and 5xx are worth retrying (honouring Retry-After); any other 4xx is final. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500
}
