import { DeliveryError } from './channel-adapter.ts'

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

/** A provider call that did not get an HTTP answer (timeout, refused, reset) may be retried. */
export async function providerFetch(provider: string, url: string, init: RequestInit, timeoutMs: number = PROVIDER_TIMEOUT_MS): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network'
    throw new DeliveryError('transient', reason, `${provider} did not answer: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** 429 and 5xx are worth retrying (honouring Retry-After); any other 4xx is final. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500
}
