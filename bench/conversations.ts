// The conversation benchmarks of issue 9, driven by bench/run.ts against the service it started:
// consumers' SMS arriving as signed Twilio webhooks, each one starting a conversation (or adding to
// one), and how soon the ring of a new conversation reaches the agent's live event stream.
//
// The brand is prepared through the API as a brand and its people would: Twilio connected, the ring
// timeout set, agents added (users API), signed in and set online from their own sessions. Only the
// agents' capacity is written into the store directly: the API allows at most 100 conversations
// per agent, and every conversation of the run must ring, however many the run creates.
import crypto from 'node:crypto'
import http from 'node:http'
import type autocannon from 'autocannon'
import twilio from 'twilio'
import { inboundSmsParams, messageSid } from '../test/fakes/twilio.fake.ts'
import { Recorder } from './measure.ts'

/** What the benchmarks need of the running service. */
export interface ServiceUnderTest {
  origin: string
  accountId: string
  /** The Authorization header of the demo API key (privileges management and conversations) for one request. */
  sign: (method: string, url: string) => string
  /** The service's SQLite file. */
  storeFile: string
}

/** The brand prepared for conversations: the Twilio credentials its webhooks are signed with. */
export interface TwilioInbound {
  accountSid: string
  authToken: string
  /** The webhook's URL as Twilio calls it, and signs it (the service has no PUBLIC_URL: its own origin). */
  url: string
  path: string
}

/** An agent signed in: their session cookie and its CSRF token. */
export interface Agent {
  login: string
  cookie: string
  csrfToken: string
}

const AGENTS = 4
/** The demo brand's default skill: a consumer writing in without an invitation queues there. */
const AGENT_SKILL = 'support'
/** So high that every conversation rings an agent, however many the run creates. */
const AGENT_CAPACITY = 1_000_000
/** Longer than any run, so no ring expires and moves on while the load runs. */
const RING_TIMEOUT_SECONDS = 3600
/** The demo brand's SMS number (src/demo/seed.ts). */
const BRAND_NUMBER = '+18005550100'
/** Not a keyword (STOP, HELP…): it joins or starts a conversation. */
const CONSUMER_TEXT = 'Hi, my order has not arrived yet'

/** Connects Twilio (its channel goes live), sets the ring timeout, adds the agents (still offline) with room for every conversation, and signs them in. */
export async function prepareConversations(service: ServiceUnderTest): Promise<{ inbound: TwilioInbound; agents: Agent[] }> {
  const base = `${service.origin}/api/account/${service.accountId}`
  // Invitations still queued would go through Twilio once it is connected: the sandbox delivers them first.
  await outboxDrained(service.storeFile, 60_000)
  const accountSid = 'AC' + crypto.randomBytes(16).toString('hex')
  const authToken = crypto.randomBytes(16).toString('hex')
  await signedCall(service, 'PUT', `${base}/channels/twilio`, { accountSid, authToken })
  await signedCall(service, 'PUT', `${base}/conversation-settings`, { ringTimeoutSeconds: RING_TIMEOUT_SECONDS, autoAccept: false })

  const agents: Agent[] = []
  const ids: string[] = []
  for (let i = 1; i <= AGENTS; i++) {
    const login = `bench-agent-${i}`
    const password = crypto.randomBytes(12).toString('base64url')
    const user = (await signedCall(service, 'POST', `${base}/users`, { login, role: 'agent', skills: [AGENT_SKILL], maxConversations: 100, password })) as { id: string }
    ids.push(user.id)
    const response = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) })
    if (!response.ok) throw new Error(`${login}: login answered ${response.status} ${await response.text()}`)
    const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('c2m_session='))
    if (!cookie) throw new Error(`${login}: login set no session cookie`)
    const { csrfToken } = (await response.json()) as { csrfToken: string }
    agents.push({ login, cookie, csrfToken })
  }
  const { default: SQLite } = await import('better-sqlite3')
  const db = new SQLite(service.storeFile, { fileMustExist: true, timeout: 10_000 })
  try {
    const update = db.prepare('update users set max_conversations = ? where account_id = ? and id = ?')
    for (const id of ids) update.run(AGENT_CAPACITY, service.accountId, id)
  } finally {
    db.close()
  }
  const webhookPath = `/webhooks/twilio/${service.accountId}/inbound`
  return { inbound: { accountSid, authToken, url: service.origin + webhookPath, path: webhookPath }, agents }
}

/** Resolves once no outbox row waits for the dispatcher; throws after `timeoutMs`. */
async function outboxDrained(storeFile: string, timeoutMs: number): Promise<void> {
  const { default: SQLite } = await import('better-sqlite3')
  const db = new SQLite(storeFile, { readonly: true, fileMustExist: true, timeout: 10_000 })
  try {
    const waiting = db.prepare("select count(*) as n from outbox where status in ('pending', 'sending')")
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const { n } = waiting.get() as { n: number }
      if (n === 0) return
      if (Date.now() > deadline) throw new Error(`${n} outbox rows still undelivered after ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  } finally {
    db.close()
  }
}

/** The agent sets their own availability, from their session (PUT /agents/me/status). */
export async function setAgentStatus(service: ServiceUnderTest, agent: Agent, status: 'online' | 'away' | 'offline'): Promise<void> {
  const url = `${service.origin}/api/account/${service.accountId}/agents/me/status`
  const response = await fetch(url, { method: 'PUT', headers: { cookie: agent.cookie, 'x-csrf-token': agent.csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ status }) })
  if (!response.ok) throw new Error(`${agent.login}: status ${status} answered ${response.status} ${await response.text()}`)
}

/** A request signed with the demo API key; answers the JSON response. */
async function signedCall(service: ServiceUnderTest, method: string, url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method, headers: { authorization: service.sign(method, url), 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status} ${await response.text()}`)
  return response.json()
}

/**
 * The consumers who write in: `fresh` is a number never seen before (a new conversation), `again`
 * one of those already used, in turn (a message added to their conversation, still waiting or ringing).
 */
export class Consumers {
  #used = 0
  #cursor = 0

  fresh(): string {
    return consumerNumber(this.#used++)
  }

  again(): string {
    if (this.#used === 0) throw new Error('no consumer has written yet')
    return consumerNumber(this.#cursor++ % this.#used)
  }

  get used(): number {
    return this.#used
  }
}

/** +1 206 200-0000 onwards: distinct, well-formed North American numbers. */
function consumerNumber(n: number): string {
  return `+1206${2_000_000 + n}`
}

/** One webhook as Twilio posts it: its form body and `X-Twilio-Signature` over the URL and the parameters. */
export function signedInbound(inbound: TwilioInbound, from: string): { body: string; signature: string } {
  const params = inboundSmsParams(inbound.accountSid, { sid: messageSid(), from, to: BRAND_NUMBER, body: CONSUMER_TEXT })
  return { body: new URLSearchParams(params).toString(), signature: twilio.getExpectedTwilioSignature(inbound.authToken, inbound.url, params) }
}

export const WEBHOOK_HEADERS = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'user-agent': 'TwilioProxy/1.1' }

/** An autocannon request whose every send is another message, from `from()`, signed anew (the signature covers the MessageSid and the sender). */
export function inboundRequest(inbound: TwilioInbound, from: () => string): autocannon.Request {
  return {
    method: 'POST',
    path: inbound.path,
    setupRequest: (request) => {
      const { body, signature } = signedInbound(inbound, from())
      request.body = body
      request.headers = { ...request.headers, 'x-twilio-signature': signature }
      return request
    },
  }
}

// ---------------------------------------------------------------------------------------------
// From a consumer's message to the ring on the live stream.

export type RingLatency =
  | { available: false; reason: string }
  | {
      available: true
      /** From sending the webhook to the ring event's arrival on the stream, ms. */
      ring: { count: number; p50: number; p99: number; max: number }
      /** The webhook's own response time in the same samples, ms. */
      response: { count: number; p50: number; p99: number }
      /** Samples whose ring did not come within the timeout. */
      missed: number
    }

interface StreamEvent {
  type: string
  data: string
  /** performance.now() when the chunk carrying it arrived. */
  at: number
}

/** An open `text/event-stream`, parsed (https://html.spec.whatwg.org/multipage/server-sent-events.html) as it comes. */
class EventStream {
  #buffer = ''
  #listener: ((event: StreamEvent) => void) | undefined

  private constructor(private readonly request: http.ClientRequest) {}

  /** Opens the stream; answers the HTTP status instead when it is not a 200 event stream. */
  static open(url: string, headers: Record<string, string>): Promise<EventStream | { status: number; body: string }> {
    return new Promise((resolve, reject) => {
      // Until the headers come; once open, a quiet stream is normal and is not timed.
      const timer = setTimeout(() => request.destroy(new Error(`${url}: no answer within 10 s`)), 10_000)
      const request = http.get(url, { headers: { ...headers, accept: 'text/event-stream' } }, (response) => {
        clearTimeout(timer)
        response.setEncoding('utf8')
        if (response.statusCode !== 200 || !response.headers['content-type']?.startsWith('text/event-stream')) {
          let body = ''
          response.on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, body }))
          return
        }
        const stream = new EventStream(request)
        response.on('data', (chunk: string) => stream.#receive(chunk, performance.now()))
        resolve(stream)
      })
      request.on('error', reject)
    })
  }

  onEvent(listener: (event: StreamEvent) => void): void {
    this.#listener = listener
  }

  close(): void {
    this.request.destroy()
  }

  #receive(chunk: string, at: number): void {
    this.#buffer += chunk
    const blocks = this.#buffer.split(/\r?\n\r?\n/)
    this.#buffer = blocks.pop() ?? ''
    for (const block of blocks) {
      let type = 'message'
      const data: string[] = []
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) type = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      }
      if (data.length > 0) this.#listener?.({ type, data: data.join('\n'), at })
    }
  }
}

/**
 * `samples` consumers write in one after another, each once the previous one's ring has arrived,
 * on the stream of `agent`, signed in (with their session cookie) and the only agent online, so
 * every ring is theirs. A ring is matched to its message by time: the first ring of a conversation
 * queued after the message was sent. One at a time, so this is the path's own latency, not
 * queueing behind other load.
 */
export async function ringLatency(service: ServiceUnderTest, inbound: TwilioInbound, agent: Agent, consumers: Consumers, samples: number, warmup: number, timeoutMs = 5_000): Promise<RingLatency> {
  const url = `${service.origin}/api/account/${service.accountId}/events`
  const opened = await EventStream.open(url, { cookie: agent.cookie })
  if (!(opened instanceof EventStream)) {
    return { available: false, reason: `GET ${url} answered ${opened.status}${opened.status === 404 ? ': this build has no live event stream' : ` ${opened.body.slice(0, 200)}`}` }
  }
  let waiting: { since: string; resolve: (at: number) => void } | undefined
  opened.onEvent((event) => {
    if (event.type !== 'ring' || !waiting) return
    const { conversation } = JSON.parse(event.data) as { conversation?: { queuedAt?: string } }
    if ((conversation?.queuedAt ?? '') < waiting.since) return
    waiting.resolve(event.at)
    waiting = undefined
  })
  const ring = new Recorder()
  const response = new Recorder()
  let missed = 0
  try {
    for (let i = 0; i < warmup + samples; i++) {
      const { body, signature } = signedInbound(inbound, consumers.fresh())
      const sentAt = performance.now()
      const rung = new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs)
        const since = new Date().toISOString()
        waiting = {
          since,
          resolve: (at) => {
            clearTimeout(timer)
            resolve(at)
          },
        }
      })
      const answer = await fetch(inbound.url, { method: 'POST', headers: { ...WEBHOOK_HEADERS, 'x-twilio-signature': signature }, body })
      const answeredAt = performance.now()
      await answer.text()
      if (answer.status !== 200) throw new Error(`ring latency: the webhook answered ${answer.status}`)
      const rungAt = await rung
      waiting = undefined
      if (i < warmup) continue
      response.add(answeredAt - sentAt)
      if (rungAt === undefined) missed++
      else ring.add(rungAt - sentAt)
    }
  } finally {
    opened.close()
  }
  const rings = ring.summary()
  return { available: true, ring: { ...rings, max: ring.max }, response: response.summary(), missed }
}

/** The conversations the run left in the store, by state: each fresh consumer's webhook started one. */
export async function conversationsSummary(storeFile: string): Promise<string> {
  const { default: SQLite } = await import('better-sqlite3')
  const db = new SQLite(storeFile, { readonly: true, fileMustExist: true })
  try {
    const states = db.prepare('select state, count(*) as n from conversations group by state order by state').all() as Array<{ state: string; n: number }>
    const messages = db.prepare("select count(*) as n from conversation_messages where author = 'consumer'").get() as { n: number }
    return `${states.map((s) => `${s.state} ${s.n}`).join(', ') || 'none'}; consumer messages in transcripts: ${messages.n}`
  } catch (error) {
    return `could not read: ${(error as Error).message}`
  } finally {
    db.close()
  }
}
