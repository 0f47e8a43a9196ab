import { type KeyObject, createPublicKey, randomBytes, verify } from 'node:crypto'
import type http from 'node:http'
import { LoopbackServer } from './loopback.ts'

// Stand-ins on 127.0.0.1 for Google's OAuth 2.0 token endpoint and for FCM HTTP v1, speaking
// their documented wire formats:
// https://developers.google.com/identity/protocols/oauth2/service-account#httprest,
// https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send and
// https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode.

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/** A grant the token fake received, with the assertion's claims as it decoded them. */
export interface TokenRequest {
  contentType: string | undefined
  grantType: string | null
  header: Record<string, unknown> | undefined
  claims: Record<string, unknown> | undefined
  /** The access token it issued, when it issued one. */
  issued: string | undefined
}

/** How the token fake answers the next grant; afterwards it grants every valid one. */
export type TokenScript =
  /** A server error. (Refused grants need no script: the fake checks each assertion as Google does.) */
  | { status: 500 | 503 }
  /** Never answers: the caller's timeout must fire. */
  | { hang: true }

export interface FakeGoogleOAuthOptions {
  /** The service account the fake knows: its email, the public half of its key and that key's id. */
  clientEmail: string
  publicKey: KeyObject | string
  keyId: string
}

export class FakeGoogleOAuth {
  readonly requests: TokenRequest[] = []
  /** The lifetime of the tokens it issues, in seconds (Google's is an hour). */
  expiresInSeconds = 3599
  readonly #issued = new Map<string, { scope: string; expiresAt: number }>()
  readonly #script: TokenScript[] = []
  readonly #publicKey: KeyObject

  #http!: LoopbackServer

  private constructor(private readonly options: FakeGoogleOAuthOptions) {
    this.#publicKey = typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey
  }

  static async start(options: FakeGoogleOAuthOptions): Promise<FakeGoogleOAuth> {
    const fake = new FakeGoogleOAuth(options)
    fake.#http = await LoopbackServer.start((request, response, body) => fake.#handle(request, response, body))
    return fake
  }

  /** The token endpoint's URL (FCM_TOKEN_URL), which a valid assertion names as its audience. */
  get tokenUrl(): string {
    return `${this.#http.origin}/token`
  }

  /** The access tokens issued so far, in order. */
  get issued(): string[] {
    return this.requests.flatMap((r) => (r.issued ? [r.issued] : []))
  }

  /** Whether a bearer token is one this fake issued for the scope, and still valid. */
  accepts(accessToken: string, scope: string): boolean {
    const token = this.#issued.get(accessToken)
    return token !== undefined && token.scope.split(' ').includes(scope) && token.expiresAt > Date.now()
  }

  /** Invalidates every token issued so far, as revoking the service account's key does. */
  revokeAll(): void {
    this.#issued.clear()
  }

  next(...answers: TokenScript[]): void {
    this.#script.push(...answers)
  }

  reset(): void {
    this.requests.length = 0
    this.#script.length = 0
    this.expiresInSeconds = 3599
  }

  close(): Promise<void> {
    return this.#http.close()
  }

  #handle(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): void {
    const path = new URL(request.url ?? '/', 'http://fake').pathname
    if (request.method !== 'POST' || path !== '/token') return sendJson(response, 404, { error: 'not_found' })
    const form = new URLSearchParams(body.toString('utf8'))
    const assertion = decodeJwt(form.get('assertion') ?? '')
    const record: TokenRequest = {
      contentType: request.headers['content-type'],
      grantType: form.get('grant_type'),
      header: assertion?.header,
      claims: assertion?.claims,
      issued: undefined,
    }
    this.requests.push(record)

    const answer = this.#script.shift()
    if (answer && 'hang' in answer) return
    if (answer) return sendJson(response, answer.status, { error: 'internal_failure', error_description: 'Backend Error' })

    if (!/^application\/x-www-form-urlencoded\b/.test(record.contentType ?? '')) return sendJson(response, 400, { error: 'invalid_request', error_description: 'Bad Request' })
    if (record.grantType !== JWT_BEARER) return sendJson(response, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + record.grantType })
    const refusal = assertion ? this.#refusal(assertion) : 'Invalid JWT: could not be decoded.'
    if (refusal || !assertion) return sendJson(response, 400, { error: 'invalid_grant', error_description: refusal })

    const accessToken = `ya29.${randomBytes(32).toString('base64url')}`
    this.#issued.set(accessToken, { scope: String(assertion.claims.scope), expiresAt: Date.now() + this.expiresInSeconds * 1000 })
    record.issued = accessToken
    sendJson(response, 200, { access_token: accessToken, expires_in: this.expiresInSeconds, token_type: 'Bearer' })
  }

  /** Google's checks of a service account's assertion, or undefined when it passes them. */
  #refusal({ header, claims, signedPart, signature }: DecodedJwt): string | undefined {
    if (header.alg !== 'RS256') return 'Invalid JWT: the algorithm must be RS256.'
    // Google picks the public key by the assertion's key id, then checks the signature with it.
    if (header.kid !== undefined && header.kid !== this.options.keyId) return 'Invalid JWT Signature.'
    if (!verify('RSA-SHA256', Buffer.from(signedPart), this.#publicKey, signature)) return 'Invalid JWT Signature.'
    if (claims.iss !== this.options.clientEmail) return 'Invalid JWT: unknown issuer.'
    if (claims.aud !== this.tokenUrl) return 'Invalid JWT: Failed audience check.'
    if (typeof claims.scope !== 'string' || claims.scope === '') return 'Invalid JWT: the scope claim is required.'
    const now = Math.floor(Date.now() / 1000)
    const { iat, exp } = claims
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= iat || exp - iat > 3600 || iat > now + 300 || exp < now) {
      return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.'
    }
    return undefined
  }
}

interface DecodedJwt {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  signedPart: string
  signature: Buffer
}

function decodeJwt(jwt: string): DecodedJwt | undefined {
  const parts = jwt.split('.')
  if (parts.length !== 3) return undefined
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
    return { header, claims, signedPart: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') }
  } catch {
    return undefined
  }
}

/** FCM's error codes, with the HTTP status and canonical status FCM answers them with. */
const FCM_ERRORS = {
  UNREGISTERED: { code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  INVALID_ARGUMENT: { code: 400, status: 'INVALID_ARGUMENT', message: 'The registration token is not a valid FCM registration token' },
  SENDER_ID_MISMATCH: { code: 403, status: 'PERMISSION_DENIED', message: 'SenderId mismatch' },
  QUOTA_EXCEEDED: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded for quota metric \'Send requests\' and limit \'Send requests per minute\'.' },
  UNAVAILABLE: { code: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  INTERNAL: { code: 500, status: 'INTERNAL', message: 'Internal error encountered.' },
  THIRD_PARTY_AUTH_ERROR: { code: 401, status: 'UNAUTHENTICATED', message: 'Auth error from APNS or Web Push Service' },
} as const

export type FcmError = keyof typeof FCM_ERRORS

/** One send the FCM fake received. */
export interface FcmRequest {
  projectId: string
  authorization: string | undefined
  contentType: string | undefined
  body: any
  /** The message name it answered with, when it accepted the send. */
  name: string | undefined
}

/** How the FCM fake answers the next valid send; afterwards it accepts every valid one. */
export type FcmScript =
  /**
   * FCM's error, in Google's envelope; `retryAfterSeconds` adds a `Retry-After` header.
   * `withoutFcmDetail` leaves out FCM's own error detail: the canonical status and message alone.
   */
  | { error: FcmError; retryAfterSeconds?: number; withoutFcmDetail?: boolean }
  /** INVALID_ARGUMENT about the message rather than the token (an oversized payload, say): a BadRequest naming the field. */
  | { invalidField: string; description: string }
  /** Never answers: the caller's timeout must fire. */
  | { hang: true }

export interface FakeFcmOptions {
  projectId: string
  /** Issues the bearer tokens a send must carry. */
  oauth: FakeGoogleOAuth
}

export class FakeFcm {
  readonly requests: FcmRequest[] = []
  readonly #script: FcmScript[] = []
  readonly #unregistered = new Set<string>()
  #sequence = 0

  #http!: LoopbackServer

  private constructor(private readonly options: FakeFcmOptions) {}

  static async start(options: FakeFcmOptions): Promise<FakeFcm> {
    const fake = new FakeFcm(options)
    fake.#http = await LoopbackServer.start((request, response, body) => fake.#handle(request, response, body))
    return fake
  }

  /** The origin FCM_API_URL names. */
  get baseUrl(): string {
    return this.#http.origin
  }

  /** Answers the next valid sends, in the order they arrive. */
  next(...answers: FcmScript[]): void {
    this.#script.push(...answers)
  }

  /** From now on this token is stale, as after the app was uninstalled: 404 UNREGISTERED. */
  unregister(token: string): void {
    this.#unregistered.add(token)
  }

  reset(): void {
    this.requests.length = 0
    this.#script.length = 0
    this.#unregistered.clear()
  }

  close(): Promise<void> {
    return this.#http.close()
  }

  #handle(request: http.IncomingMessage, response: http.ServerResponse, raw: Buffer): void {
    const path = new URL(request.url ?? '/', 'http://fake').pathname
    const route = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path)
    if (request.method !== 'POST' || !route) return sendGoogleError(response, 404, 'NOT_FOUND', `The requested URL ${path} was not found on this server.`)
    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      body = undefined
    }
    const record: FcmRequest = { projectId: decodeURIComponent(route[1]!), authorization: request.headers.authorization, contentType: request.headers['content-type'], body, name: undefined }
    this.requests.push(record)

    const bearer = /^Bearer (\S+)$/.exec(record.authorization ?? '')?.[1]
    if (!bearer || !this.options.oauth.accepts(bearer, 'https://www.googleapis.com/auth/firebase.messaging')) {
      return sendGoogleError(response, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: bearer ? 'ACCESS_TOKEN_EXPIRED' : 'CREDENTIALS_MISSING', domain: 'googleapis.com' },
      ])
    }
    if (record.projectId !== this.options.projectId) return sendGoogleError(response, 403, 'PERMISSION_DENIED', `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${record.projectId}'`)
    if (!/^application\/json\b/.test(record.contentType ?? '')) return sendGoogleError(response, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.')
    const problem = invalidMessage(body)
    if (problem) {
      return sendGoogleError(response, 400, 'INVALID_ARGUMENT', problem, [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'INVALID_ARGUMENT' }])
    }

    const token = (body as { message: { token: string } }).message.token
    const answer: FcmScript | undefined = this.#unregistered.has(token) ? { error: 'UNREGISTERED' } : this.#script.shift()
    if (answer && 'hang' in answer) return
    if (answer && 'invalidField' in answer) {
      return sendGoogleError(response, 400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [
        { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'INVALID_ARGUMENT' },
        { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: answer.invalidField, description: answer.description }] },
      ])
    }
    if (answer) {
      const error = FCM_ERRORS[answer.error]
      const headers: Record<string, string> = answer.retryAfterSeconds !== undefined ? { 'retry-after': String(answer.retryAfterSeconds) } : {}
      const details = answer.withoutFcmDetail ? [] : [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: answer.error }]
      return sendGoogleError(response, error.code, error.status, error.message, details, headers)
    }
    // FCM's message ids look like 0:1700000000000000%31bd1c9631bd1c96.
    record.name = `projects/${record.projectId}/messages/0:${1_700_000_000_000_000 + ++this.#sequence}%${randomBytes(8).toString('hex')}`
    sendJson(response, 200, { name: record.name })
  }
}

const MESSAGE_FIELDS = new Set(['name', 'data', 'notification', 'android', 'webpush', 'apns', 'fcm_options', 'token', 'topic', 'condition'])

/** Why a send body is not a valid `{message}` for one registration token, as FCM would word it, or undefined. */
function invalidMessage(body: unknown): string | undefined {
  if (!isObject(body) || !isObject(body.message)) return 'Invalid JSON payload received. The request must carry a message.'
  for (const key of Object.keys(body)) if (key !== 'message' && key !== 'validate_only') return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`
  const message = body.message
  for (const key of Object.keys(message)) if (!MESSAGE_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at 'message': Cannot find field.`
  const targets = ['token', 'topic', 'condition'].filter((k) => message[k] !== undefined)
  if (targets.length !== 1) return 'Exactly one of token, topic or condition must be set.'
  if (typeof message.token !== 'string' || message.token === '') return 'The registration token is not a valid FCM registration token'
  if (message.notification !== undefined) {
    if (!isObject(message.notification)) return 'Invalid value at \'message.notification\'.'
    for (const [key, value] of Object.entries(message.notification)) {
      if (!['title', 'body', 'image'].includes(key)) return `Invalid JSON payload received. Unknown name "${key}" at 'message.notification': Cannot find field.`
      if (typeof value !== 'string') return `Invalid value at 'message.notification.${key}' (TYPE_STRING), ${JSON.stringify(value)}`
    }
  }
  if (message.data !== undefined) {
    if (!isObject(message.data)) return 'Invalid value at \'message.data\'.'
    for (const [key, value] of Object.entries(message.data)) {
      if (typeof value !== 'string') return `Invalid value at 'message.data[${key}].value' (TYPE_STRING), ${JSON.stringify(value)}`
      // https://firebase.google.com/docs/cloud-messaging/concept-options#data_messages
      if (['from', 'notification', 'message_type'].includes(key) || /^(google|gcm)/.test(key)) return `Invalid data payload key: ${key}`
    }
  }
  if (message.android !== undefined && !isObject(message.android)) return 'Invalid value at \'message.android\'.'
  if (message.apns !== undefined) {
    if (!isObject(message.apns)) return 'Invalid value at \'message.apns\'.'
    const headers = message.apns.headers
    if (headers !== undefined && (!isObject(headers) || Object.values(headers).some((v) => typeof v !== 'string'))) return 'Invalid value at \'message.apns.headers\'.'
    if (isObject(headers) && typeof headers['apns-collapse-id'] === 'string' && Buffer.byteLength(headers['apns-collapse-id']) > 64) return 'apns-collapse-id must be at most 64 bytes'
  }
  return undefined
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers })
  response.end(JSON.stringify(body))
}

/** Google's error envelope: https://cloud.google.com/apis/design/errors#http_mapping */
function sendGoogleError(response: http.ServerResponse, code: number, status: string, message: string, details: object[] = [], headers: Record<string, string> = {}): void {
  sendJson(response, code, { error: { code, message, status, ...(details.length > 0 ? { details } : {}) } }, headers)
}
