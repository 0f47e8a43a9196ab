import { createHmac, randomBytes } from 'node:crypto'
import type http from 'node:http'
import { LoopbackServer } from './loopback.ts'

// A stand-in for Meta's Graph API (WhatsApp Cloud API) on 127.0.0.1, speaking its documented
// wire format: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages,
// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates and
// https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes.

/** One request the fake received, as sent. */
export interface GraphRequest {
  method: string
  path: string
  apiVersion: string
  phoneNumberId: string
  authorization: string | undefined
  contentType: string | undefined
  body: unknown
}

/** A Cloud API error the fake can answer with, by its Meta code. */
interface GraphError {
  status: number
  code: number
  title: string
  details: string
}

const ERRORS = {
  131026: { status: 400, code: 131026, title: 'Message undeliverable', details: 'Message Undeliverable.' },
  131047: { status: 400, code: 131047, title: 'Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
  130429: { status: 400, code: 130429, title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  131000: { status: 500, code: 131000, title: 'Something went wrong', details: 'Message failed to send due to an unknown error.' },
} as const satisfies Record<number, GraphError>

/** How the fake answers the next send; after the scripted answers it accepts every valid send. */
export type GraphScript =
  /** Meta's error body for one of its codes (131026, 131047: permanent; 130429: throttling; 131000: a 500). */
  | { error: keyof typeof ERRORS }
  /** A bare HTTP status with Meta's error body: 500, or 429 with `Retry-After` in seconds. */
  | { status: 429 | 500 | 503; retryAfterSeconds?: number }
  /** Never answers: the caller's timeout must fire. */
  | { hang: true }

export interface FakeGraphOptions {
  /** The bearer token a send must carry. */
  accessToken: string
  /** The number a send must be addressed to. */
  phoneNumberId: string
  /** The WhatsApp Business Account templates are created on; any when unset. */
  wabaId?: string
}

/** A template as Meta holds it once created. */
export interface FakeTemplate {
  id: string
  name: string
  language: string
  category: string
  status: 'PENDING' | 'APPROVED' | 'REJECTED' | 'PAUSED' | 'DISABLED'
  rejectedReason: string
  components: unknown
}

/** A template management call the fake received (create, edit or read). */
export interface TemplateRequest {
  method: string
  path: string
  authorization: string | undefined
  body: unknown
}

export class FakeGraphApi {
  readonly requests: GraphRequest[] = []
  readonly templateRequests: TemplateRequest[] = []
  /** Templates by Meta id; a test plays Meta's reviewers with `review`. */
  readonly templates = new Map<string, FakeTemplate>()
  #nextTemplateId = 900_000_000_000_001
  /** The wamids the fake handed out, in order. */
  readonly acceptedIds: string[] = []
  readonly #script: GraphScript[] = []

  #http!: LoopbackServer

  private constructor(private readonly options: FakeGraphOptions) {}

  static async start(options: FakeGraphOptions): Promise<FakeGraphApi> {
    const fake = new FakeGraphApi(options)
    fake.#http = await LoopbackServer.start((request, response, body) => fake.#handle(request, response, body))
    return fake
  }

  /** The origin WHATSAPP_API_URL names. */
  get baseUrl(): string {
    return this.#http.origin
  }

  /** Queues answers for the next sends, in order. */
  next(...answers: GraphScript[]): void {
    this.#script.push(...answers)
  }

  /** Forgets what was received and scripted, between tests. */
  reset(): void {
    this.requests.length = 0
    this.templateRequests.length = 0
    this.templates.clear()
    this.acceptedIds.length = 0
    this.#script.length = 0
  }

  /** Meta's reviewers' verdict on a template, as a later read shows it. */
  review(name: string, status: FakeTemplate['status'], rejectedReason = 'NONE'): FakeTemplate {
    const template = [...this.templates.values()].find((t) => t.name === name)
    if (!template) throw new Error(`the fake holds no template ${name}`)
    Object.assign(template, { status, rejectedReason })
    return template
  }

  close(): Promise<void> {
    return this.#http.close()
  }

  /** Template management: create on a WABA, edit by id (back to review), read by id. */
  #template(request: http.IncomingMessage, response: http.ServerResponse, path: string, body: unknown, wabaId: string | undefined, id: string | undefined): void {
    this.templateRequests.push({ method: request.method ?? '', path: request.url ?? path, authorization: request.headers.authorization, body })
    if (request.headers.authorization !== `Bearer ${this.options.accessToken}`) return sendError(response, 401, 190, 'Invalid OAuth access token - Cannot parse access token', 'Error validating access token')
    const answer = this.#script.shift()
    if (answer && 'hang' in answer) return
    if (answer && 'status' in answer) {
      const headers: Record<string, string> = answer.retryAfterSeconds !== undefined ? { 'retry-after': String(answer.retryAfterSeconds) } : {}
      return sendError(response, answer.status, answer.status === 429 ? 80008 : 1, answer.status === 429 ? 'Too many calls' : 'An unknown error occurred', 'scripted failure', headers)
    }
    if (wabaId !== undefined) {
      if (request.method !== 'POST') return sendError(response, 400, 100, 'Unsupported request', `Unknown path components: ${path}`)
      if (this.options.wabaId !== undefined && wabaId !== this.options.wabaId) return sendError(response, 400, 100, `Unsupported post request. Object with ID '${wabaId}' does not exist`, 'Invalid parameter')
      const problem = invalidTemplate(body, false)
      if (problem) return sendUserError(response, 2388299, 'Invalid parameter', problem)
      const { name, language, category, components } = body as { name: string; language: string; category: string; components: unknown }
      if ([...this.templates.values()].some((t) => t.name === name && t.language === language)) {
        return sendUserError(response, 2388024, 'Content in This Language Already Exists', `There's already content in ${language} for ${name}. Make changes to the existing content or choose a different language.`)
      }
      const template: FakeTemplate = { id: String(this.#nextTemplateId++), name, language, category, status: 'PENDING', rejectedReason: 'NONE', components }
      this.templates.set(template.id, template)
      return sendJson(response, 200, { id: template.id, status: template.status, category })
    }
    const template = this.templates.get(id!)!
    if (request.method === 'GET') {
      return sendJson(response, 200, { id: template.id, name: template.name, language: template.language, status: template.status, category: template.category, rejected_reason: template.rejectedReason })
    }
    if (template.status === 'APPROVED' || template.status === 'PENDING') return sendUserError(response, 2388025, 'Template cannot be edited', `a template that is ${template.status} cannot be edited`)
    const problem = invalidTemplate(body, true)
    if (problem) return sendUserError(response, 2388299, 'Invalid parameter', problem)
    Object.assign(template, { components: (body as { components: unknown }).components, status: 'PENDING', rejectedReason: 'NONE' })
    return sendJson(response, 200, { success: true })
  }

  #handle(request: http.IncomingMessage, response: http.ServerResponse, raw: Buffer): void {
    const path = new URL(request.url ?? '/', 'http://fake').pathname
    const route = /^\/(v\d+\.\d+)\/([^/]+)\/messages$/.exec(path)
    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      body = undefined
    }
    const templates = /^\/v\d+\.\d+\/([^/]+)\/message_templates$/.exec(path)
    const node = /^\/v\d+\.\d+\/([0-9]+)$/.exec(path)
    if (templates || (node && this.templates.has(node[1]!))) return this.#template(request, response, path, body, templates?.[1], node?.[1])
    if (request.method !== 'POST' || !route) return sendError(response, 400, 100, 'Unsupported post request.', `Unknown path components: ${path}`)
    this.requests.push({
      method: request.method,
      path,
      apiVersion: route[1]!,
      phoneNumberId: decodeURIComponent(route[2]!),
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      body,
    })
    if (request.headers.authorization !== `Bearer ${this.options.accessToken}`) return sendError(response, 401, 190, 'Invalid OAuth access token - Cannot parse access token', 'Error validating access token')
    if (decodeURIComponent(route[2]!) !== this.options.phoneNumberId) {
      return sendError(response, 400, 100, `Unsupported post request. Object with ID '${route[2]}' does not exist`, 'Invalid parameter')
    }
    const problem = invalidSend(body)
    if (problem) return sendError(response, 400, 100, '(#100) Invalid parameter', problem)

    const answer = this.#script.shift()
    if (answer && 'hang' in answer) return
    if (answer && 'error' in answer) {
      const error = ERRORS[answer.error]
      return sendError(response, error.status, error.code, `(#${error.code}) ${error.title}`, error.details)
    }
    if (answer) {
      const headers: Record<string, string> = answer.retryAfterSeconds !== undefined ? { 'retry-after': String(answer.retryAfterSeconds) } : {}
      const code = answer.status === 429 ? 130429 : 131000
      return sendError(response, answer.status, code, `(#${code}) ${answer.status === 429 ? 'Rate limit hit' : 'Something went wrong'}`, 'scripted failure', headers)
    }
    const to = (body as { to: string }).to
    const id = `wamid.${randomBytes(24).toString('base64url')}`
    this.acceptedIds.push(id)
    sendJson(response, 200, { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id }] })
  }
}

/** Why a template body is not one Meta would review, or undefined when it is one. */
function invalidTemplate(body: unknown, edit: boolean): string | undefined {
  if (!isObject(body)) return 'the body is not a JSON object'
  if (!edit) {
    if (typeof body.name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(body.name)) return 'name must be lower-case letters, digits and underscores'
    if (typeof body.language !== 'string' || body.language === '') return 'language is required'
  }
  if (!['MARKETING', 'UTILITY', 'AUTHENTICATION'].includes(body.category as string)) return 'category must be MARKETING, UTILITY or AUTHENTICATION'
  if (!Array.isArray(body.components)) return 'components must be an array'
  const main = (body.components as unknown[]).find((c) => isObject(c) && c.type === 'BODY')
  if (!isObject(main) || typeof main.text !== 'string' || main.text === '') return 'a BODY component with text is required'
  const placeholders = new Set([...main.text.matchAll(/\{\{(\d+)\}\}/g)].map((m) => m[1]))
  if (placeholders.size > 0) {
    const samples = isObject(main.example) && Array.isArray(main.example.body_text) ? (main.example.body_text[0] as unknown) : undefined
    if (!Array.isArray(samples) || samples.length !== placeholders.size || samples.some((v) => typeof v !== 'string' || v === '')) return 'example.body_text must give one sample per variable'
  }
  return undefined
}

/**
 * Why a send body is not a template or text message as documented, or undefined when it is one
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).
 */
function invalidSend(body: unknown): string | undefined {
  if (!isObject(body)) return 'the body is not a JSON object'
  if (body.messaging_product !== 'whatsapp') return 'messaging_product must be whatsapp'
  if (typeof body.to !== 'string' || !/^[1-9]\d{1,14}$/.test(body.to)) return 'to must be a phone number in international form without +'
  if (body.type === 'text') {
    const text = body.text
    return isObject(text) && typeof text.body === 'string' && text.body !== '' && text.body.length <= 4096 ? undefined : 'text.body must be 1 to 4096 characters'
  }
  if (body.type !== 'template') return 'type must be template or text'
  const template = body.template
  if (!isObject(template) || typeof template.name !== 'string' || template.name === '') return 'template.name is required'
  if (!isObject(template.language) || typeof template.language.code !== 'string') return 'template.language.code is required'
  if (template.components === undefined) return undefined
  if (!Array.isArray(template.components)) return 'template.components must be an array'
  for (const component of template.components as unknown[]) {
    if (!isObject(component) || component.type !== 'body' || !Array.isArray(component.parameters)) return 'each component must be {type: body, parameters: [...]}'
    for (const parameter of component.parameters as unknown[]) {
      if (!isObject(parameter) || parameter.type !== 'text' || typeof parameter.text !== 'string') return 'each parameter must be {type: text, text}'
    }
  }
  return undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers })
  response.end(JSON.stringify(body))
}

/** Meta's error envelope: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes */
function sendError(response: http.ServerResponse, status: number, code: number, message: string, details: string, headers: Record<string, string> = {}): void {
  sendJson(
    response,
    status,
    { error: { message, type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details }, fbtrace_id: randomBytes(9).toString('base64url') } },
    headers,
  )
}

/** Meta's error envelope for the template API: the user-facing title and message say what to change. */
function sendUserError(response: http.ServerResponse, subcode: number, title: string, message: string): void {
  sendJson(response, 400, { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100, error_subcode: subcode, is_transient: false, error_user_title: title, error_user_msg: message, fbtrace_id: randomBytes(9).toString('base64url') } })
}

/** The `X-Hub-Signature-256` Meta sends with a webhook: HMAC-SHA256 of the body bytes with the app secret. */
export function signWebhook(appSecret: string, body: string | Buffer): string {
  return 'sha256=' + createHmac('sha256', appSecret).update(body).digest('hex')
}

/** Meta's envelope around one `messages` change of a business number. */
export function webhookPayload(phoneNumberId: string, displayPhoneNumber: string, value: { messages?: unknown[]; statuses?: unknown[] }): object {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: { messaging_product: 'whatsapp', metadata: { display_phone_number: displayPhoneNumber, phone_number_id: phoneNumberId }, ...value },
          },
        ],
      },
    ],
  }
}

/** Meta's envelope around one `message_template_status_update` change of a business account. */
export function templateStatusPayload(wabaId: string, template: { id: string; name: string; language: string }, event: string, reason = 'NONE'): object {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: wabaId,
        time: 1790000000,
        changes: [
          {
            field: 'message_template_status_update',
            value: { event, message_template_id: Number(template.id), message_template_name: template.name, message_template_language: template.language, reason, message_template_category: 'UTILITY' },
          },
        ],
      },
    ],
  }
}

/** A `statuses` item as Meta sends it; `failed` ones carry Meta's error. */
export function statusItem(id: string, status: 'sent' | 'delivered' | 'read' | 'failed', recipient: string, error?: keyof typeof ERRORS): object {
  return {
    id,
    status,
    timestamp: '1790000000',
    recipient_id: recipient,
    ...(status === 'failed' && error !== undefined
      ? { errors: [{ code: ERRORS[error].code, title: ERRORS[error].title, message: ERRORS[error].title, error_data: { details: ERRORS[error].details } }] }
      : { conversation: { id: 'CONVERSATION_ID', origin: { type: 'utility' } }, pricing: { billable: true, pricing_model: 'CBP', category: 'utility' } }),
  }
}

/** A consumer's text message as Meta sends it. */
export function textMessageItem(id: string, from: string, text: string): object {
  return { from, id, timestamp: '1790000000', type: 'text', text: { body: text } }
}
