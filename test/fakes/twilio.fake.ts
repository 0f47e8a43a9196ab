import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { LoopbackServer } from './loopback.ts'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import twilio from 'twilio'

// A stand-in for Twilio's Messages API on 127.0.0.1, speaking its documented wire format
// (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource):
// form-encoded parameters, HTTP Basic auth with the Account SID and auth token, a Message
// resource as JSON on 201, and errors as {code, message, more_info, status}.

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string
  path: string
  /** The Authorization header as sent. */
  authorization: string | undefined
  contentType: string | undefined
  /** The form parameters (To, From, Body, StatusCallback …). */
  form: Record<string, string>
}

/** A Message resource, as Twilio answers a create. */
export interface TwilioMessage {
  sid: string
  account_sid: string
  to: string
  from: string
  body: string
  status: string
  [field: string]: unknown
}

/** What the next request gets instead of a 201. */
export type ScriptedResponse =
  /** A Twilio error, e.g. 400 with 21614 ("not a mobile number") or 21610 (unsubscribed recipient). */
  | { kind: 'error'; status: number; code: number; message: string; retryAfter?: string }
  /** Never answers: the caller's timeout has to end it. */
  | { kind: 'hang' }

export class TwilioFake {
  readonly requests: RecordedRequest[] = []
  /** Messages accepted (201), in order. */
  readonly messages: TwilioMessage[] = []
  readonly #script: ScriptedResponse[] = []
  /** Requests held unanswered whose caller is still connected. */
  readonly #held = new Set<ServerResponse>()
  #holdAfter: number | undefined
  readonly #accounts: Map<string, string>
  #http!: LoopbackServer

  private constructor(accounts: Record<string, string>) {
    this.#accounts = new Map(Object.entries(accounts))
  }

  /** Starts the fake on a free loopback port; `accounts` maps each Account SID to its auth token. */
  static async start(accounts: Record<string, string>): Promise<TwilioFake> {
    const fake = new TwilioFake(accounts)
    fake.#http = await LoopbackServer.start((request, response, body) => fake.#handle(request, response, body))
    return fake
  }

  /** `http://127.0.0.1:<port>`: what TWILIO_API_URL (and TWILIO_LOOKUP_URL) name. */
  get baseUrl(): string {
    return this.#http.origin
  }

  /** The responses the next requests get, in order; once used up, requests are accepted again. */
  respondNext(...responses: ScriptedResponse[]): void {
    this.#script.push(...responses)
  }

  /**
   * Once `answered` messages have been accepted, holds every further create: it is recorded in
   * `requests` but never answered, so it is never in `messages` either. A provider that never
   * answered never committed: a held request whose caller goes away was not accepted.
   */
  holdAfter(answered: number): void {
    this.#holdAfter = answered
  }

  /** Answers requests again from now on; those held so far stay unanswered. */
  stopHolding(): void {
    this.#holdAfter = undefined
  }

  /** How many held requests still have their caller connected. */
  get held(): number {
    return this.#held.size
  }

  /** Forgets what was received, any response still scripted and any hold. */
  reset(): void {
    this.requests.length = 0
    this.messages.length = 0
    this.#script.length = 0
    this.#holdAfter = undefined
  }

  close(): Promise<void> {
    return this.#http.close()
  }

  async #handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const contentType = request.headers['content-type']
    const form = Object.fromEntries(new URLSearchParams(body.toString('utf8')))
    const path = new URL(request.url ?? '/', this.baseUrl).pathname
    this.requests.push({ method: request.method ?? '', path, authorization: request.headers.authorization, contentType, form })

    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path)
    if (!match || request.method !== 'POST') return error(response, 404, 20404, 'The requested resource was not found')
    const accountSid = decodeURIComponent(match[1] ?? '')
    const credentials = basicCredentials(request.headers.authorization)
    if (!credentials || credentials.user !== accountSid || this.#accounts.get(accountSid) !== credentials.password) {
      response.setHeader('www-authenticate', 'Basic realm="Twilio API"')
      return error(response, 401, 20003, 'Authenticate')
    }
    if (!contentType?.startsWith('application/x-www-form-urlencoded')) return error(response, 400, 20001, 'Unsupported content type')

    if (this.#holdAfter !== undefined && this.messages.length >= this.#holdAfter) {
      this.#held.add(response)
      response.once('close', () => this.#held.delete(response))
      return
    }
    const scripted = this.#script.shift()
    if (scripted?.kind === 'hang') return
    if (scripted?.kind === 'error') {
      if (scripted.retryAfter !== undefined) response.setHeader('retry-after', scripted.retryAfter)
      return error(response, scripted.status, scripted.code, scripted.message)
    }

    if (!form.To) return error(response, 400, 21604, 'A \'To\' phone number is required.')
    if (!form.From && !form.MessagingServiceSid) return error(response, 400, 21603, 'A \'From\' phone number is required.')
    if (!form.Body && !form.MediaUrl) return error(response, 400, 21602, 'Message body is required.')
    const sid = 'SM' + randomBytes(16).toString('hex')
    const now = new Date().toUTCString().replace('GMT', '+0000')
    const message: TwilioMessage = {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: form.Body ?? '',
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: form.From ?? '',
      messaging_service_sid: form.MessagingServiceSid ?? null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      status: 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to: form.To,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    }
    this.messages.push(message)
    send(response, 201, message)
  }
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '')?.[1]
  if (!encoded) return undefined
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

function error(response: ServerResponse, status: number, code: number, message: string): void {
  send(response, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status })
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  response.end(JSON.stringify(body))
}

/** The parameters Twilio posts to an incoming-message webhook for an SMS. */
export function inboundSmsParams(accountSid: string, message: { sid: string; from: string; to: string; body: string }): Record<string, string> {
  return {
    ToCountry: 'US',
    ToState: 'WA',
    SmsMessageSid: message.sid,
    NumMedia: '0',
    ToCity: 'SEATTLE',
    FromZip: '98101',
    SmsSid: message.sid,
    FromState: 'WA',
    SmsStatus: 'received',
    FromCity: 'SEATTLE',
    Body: message.body,
    FromCountry: 'US',
    To: message.to,
    ToZip: '98101',
    NumSegments: '1',
    MessageSid: message.sid,
    AccountSid: accountSid,
    From: message.from,
    ApiVersion: '2010-04-01',
  }
}

/** The parameters Twilio posts to a message's StatusCallback. */
export function statusCallbackParams(accountSid: string, message: { sid: string; from: string; to: string; status: string; errorCode?: string }): Record<string, string> {
  return {
    SmsSid: message.sid,
    SmsStatus: message.status,
    MessageStatus: message.status,
    To: message.to,
    MessageSid: message.sid,
    AccountSid: accountSid,
    From: message.from,
    ApiVersion: '2010-04-01',
    ...(message.errorCode ? { ErrorCode: message.errorCode } : {}),
  }
}

/** A fresh message SID: `SM` and 32 hex digits. */
export function messageSid(): string {
  return 'SM' + randomBytes(16).toString('hex')
}

export interface WebhookDelivery {
  /** The full URL Twilio calls (and signs): our PUBLIC_URL and the webhook's path. */
  url: string
  params: Record<string, string>
  /** The auth token that signs; omit it for an unsigned request. */
  authToken?: string
  /** What is signed, when a test tampers with what is sent: another URL or other parameters. */
  signedUrl?: string
  signedParams?: Record<string, string>
  /** Replaces the computed signature. */
  signature?: string
}

/**
 * Posts a webhook to the app as Twilio does: the parameters form-encoded, `X-Twilio-Signature`
 * the base64 HMAC-SHA1 of the URL and the sorted parameters, keyed with the auth token.
 */
export function sendTwilioWebhook(app: { inject(options: InjectOptions): Promise<LightMyRequestResponse> }, delivery: WebhookDelivery): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'user-agent': 'TwilioProxy/1.1' }
  const signature = delivery.signature ?? (delivery.authToken !== undefined ? twilio.getExpectedTwilioSignature(delivery.authToken, delivery.signedUrl ?? delivery.url, delivery.signedParams ?? delivery.params) : undefined)
  if (signature !== undefined) headers['x-twilio-signature'] = signature
  const url = new URL(delivery.url)
  return app.inject({ method: 'POST', url: url.pathname + url.search, headers, payload: new URLSearchParams(delivery.params).toString() })
}
