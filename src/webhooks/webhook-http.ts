import http from 'node:http'
import https from 'node:https'

/** How much of a receiver's answer is read (then dropped): a status is all a webhook needs. */
const MAX_ANSWER_BYTES = 4096

/** What a receiver answered: its status and the two headers an attempt's outcome depends on. */
export interface WebhookAnswer {
  status: number
  retryAfter: string | null
  location: string | null
}

/**
 * POSTs one signed webhook through `agent` (whose lookup may refuse the address: see
 * webhook-url.ts) and answers with the status once the answer ended, or its first
 * MAX_ANSWER_BYTES came; the rest is not read. A redirect is an answer like any other, never
 * followed. Rejects when no answer came within `timeoutMs` (refused, reset, timed out).
 */
export function postWebhook(url: URL, headers: Record<string, string>, body: string, agent: http.Agent, timeoutMs: number): Promise<WebhookAnswer> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body)
    const client = url.protocol === 'https:' ? https : http
    const outgoing = client.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(payload.length) }, agent, signal: AbortSignal.timeout(timeoutMs) }, (incoming) => {
      const answer: WebhookAnswer = { status: incoming.statusCode ?? 0, retryAfter: header(incoming, 'retry-after'), location: header(incoming, 'location') }
      let size = 0
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= MAX_ANSWER_BYTES) return
        // Enough read: the socket goes, rather than pulling an unbounded answer through it.
        incoming.destroy()
        resolve(answer)
      })
      incoming.on('end', () => resolve(answer))
      incoming.on('error', reject)
      incoming.on('close', () => {
        if (!incoming.complete && size <= MAX_ANSWER_BYTES) reject(new Error('the connection closed before the answer ended'))
      })
    })
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}

function header(incoming: http.IncomingMessage, name: string): string | null {
  const value = incoming.headers[name]
  return typeof value === 'string' ? value : null
}
