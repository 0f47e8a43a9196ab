import { DeliveryError } from './channel-adapter.ts'

/** How long a provider call may take: the dispatcher's lease is 30 s, so keep well inside it. */
export const PROVIDER_TIMEOUT_MS = 10_000

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
