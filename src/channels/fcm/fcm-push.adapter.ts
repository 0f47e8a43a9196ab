import { type KeyObject, createPrivateKey } from 'node:crypto'
import { SignJWT } from 'jose'
import type { Device } from '../../contacts/device.repository.ts'
import type { FcmConnection } from '../connections/connection.ts'
import { type ChannelAdapter, DeliveryError, type DeliveryStatus, type SendResult } from '../channel-adapter.ts'
import { PROVIDER_TIMEOUT_MS, isTransientStatus, providerFetch, retryAfterMs } from '../http-errors.ts'
import { type Endpoint, type ProviderEndpoints, endpointOf } from '../provider-url.ts'
import type { OutboundMessage } from '../outbound-message.ts'

/** The one scope an FCM HTTP v1 send needs (https://firebase.google.com/docs/cloud-messaging/auth-server). */
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging'

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** The longest lifetime Google accepts for a service account's assertion, in seconds. */
const ASSERTION_LIFETIME_S = 3600
/** A token this close to its expiry is not used: a push sent with it could arrive after it expired. */
const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000

/**
 * What FCM tells the sender about a message: only that it accepted it. Delivery to the device is
 * reported to the app and to BigQuery exports, never back to us
 * (https://firebase.google.com/docs/cloud-messaging/understand-delivery).
 */
export type FcmSendOutcome = 'accepted'

export function mapFcmStatus(outcome: FcmSendOutcome): DeliveryStatus {
  switch (outcome) {
    case 'accepted':
      return 'sent'
  }
}

/** FCM's own error codes, carried in the error's `details` (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode). */
export type FcmErrorCode = 'UNSPECIFIED_ERROR' | 'INVALID_ARGUMENT' | 'UNREGISTERED' | 'SENDER_ID_MISMATCH' | 'QUOTA_EXCEEDED' | 'UNAVAILABLE' | 'INTERNAL' | 'THIRD_PARTY_AUTH_ERROR'

/** Whether FCM's error is worth retrying; undefined when only the HTTP status can tell. */
function isTransientFcmError(code: FcmErrorCode): boolean | undefined {
  switch (code) {
    // The token is stale (the app was uninstalled) or not a token, or belongs to another Firebase
    // project, or the project's APNs / Web Push credentials are refused: no retry changes that.
    case 'UNREGISTERED':
    case 'INVALID_ARGUMENT':
    case 'SENDER_ID_MISMATCH':
    case 'THIRD_PARTY_AUTH_ERROR':
      return false
    case 'QUOTA_EXCEEDED':
    case 'UNAVAILABLE':
    case 'INTERNAL':
      return true
    case 'UNSPECIFIED_ERROR':
      return undefined
  }
}

/** The brand's consumers' devices, as the adapter needs them (built over the device repository in app.ts). */
export interface PushDevices {
  /** A consumer's devices on some of the brand's apps. */
  of(consumerId: string, appIds: string[]): Promise<Device[]>
  /**
   * Removes a device whose token FCM refused for good, so no later message is pushed to it.
   * Never rejects: a device that could not be removed is pushed to, and refused, next time.
   */
  forget(device: Device, reason: string): Promise<void>
}

export interface FcmPushAdapterOptions {
  /** How long one call to FCM or to the token endpoint may take, in ms; `PROVIDER_TIMEOUT_MS` by default. */
  timeoutMs?: number
}

/** Google's error envelope (https://cloud.google.com/apis/design/errors#http_mapping). */
export interface GoogleErrorBody {
  name?: string
  error?: { code?: number; message?: string; status?: string; details?: Array<{ '@type'?: string; errorCode?: string; fieldViolations?: Array<{ field?: string }> }> }
}

/**
 * Pushes in-app messages through one brand's Firebase project (FCM HTTP v1), to every device the
 * consumer registered on the message's apps. The push carries our message id, not the message:
 * the app fetches the text, which stays in the outbox row under that id.
 *
 * The OAuth 2.0 access token comes from the service account's own grant
 * (https://developers.google.com/identity/protocols/oauth2/service-account#httprest): a JWT
 * assertion signed with its private key, posted to the token endpoint. It is kept until five
 * minutes before it expires, and concurrent sends share one request for it.
 */
export class FcmPushAdapter implements ChannelAdapter {
  readonly provider = 'fcm'
  readonly #timeoutMs: number
  readonly #api: Endpoint
  readonly #tokenEndpoint: Endpoint
  #token: Promise<{ value: string; expiresAt: number }> | undefined

  constructor(
    private readonly connection: Readonly<FcmConnection>,
    endpoints: ProviderEndpoints,
    private readonly devices: PushDevices,
    options: FcmPushAdapterOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? PROVIDER_TIMEOUT_MS
    this.#api = endpointOf(endpoints.fcmApiUrl, connection.baseUrl, endpoints.providerUrlAllowlist)
    this.#tokenEndpoint = endpointOf(endpoints.fcmTokenUrl, connection.tokenUrl, endpoints.providerUrlAllowlist)
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const appIds = message.inapp?.appIds ?? []
    const devicesByToken = new Map<string, Device[]>()
    for (const device of await this.devices.of(message.to, appIds)) devicesByToken.set(device.pushToken, [...(devicesByToken.get(device.pushToken) ?? []), device])
    const tokens = [...devicesByToken.keys()]
    if (tokens.length === 0) throw new DeliveryError('permanent', 'no_device', `consumer ${message.to} has no registered device on ${appIds.join(', ')}`)
    const accessToken = await this.#accessToken()
    const pushes = await Promise.all(tokens.map((token) => this.#push(token, message, accessToken)))
    // A stale token stays stale (https://firebase.google.com/docs/cloud-messaging/manage-tokens#detect-invalid-token-responses-from-the-fcm-backend):
    // its device goes, so the next message neither pushes to it nor waits on it.
    await Promise.all(
      pushes.flatMap((push, i) => ('failure' in push && push.staleToken ? devicesByToken.get(tokens[i]!)!.map((device) => this.devices.forget(device, push.failure.code)) : [])),
    )
    const outcomes = pushes.map((push) => ('failure' in push ? push.failure : push))

    // One accepted push is a sent message: sending again for the devices that failed would push
    // twice to those that did not, and the app shows the message whichever device opens it.
    const accepted = outcomes.find((o): o is { name: string } => !(o instanceof DeliveryError))
    if (accepted) return { providerMessageId: accepted.name, status: mapFcmStatus('accepted') }

    const failures = outcomes as DeliveryError[]
    // Our token was refused (revoked, or expired early): the retry asks for a new one.
    if (failures.some((f) => f.code === 'UNAUTHENTICATED')) this.#token = undefined
    const transient = failures.filter((f) => f.kind === 'transient')
    const first = transient[0] ?? failures[0]!
    const retryAfter = Math.max(...transient.map((f) => f.retryAfterMs ?? 0))
    const summary = tokens.length === 1 ? first.message : `none of ${tokens.length} devices accepted the push: ${first.message}`
    throw new DeliveryError(first.kind, first.code, summary, retryAfter > 0 ? retryAfter : undefined)
  }

  /** One push to one device: FCM's message name, or the failure for that token and whether the token is stale. */
  async #push(token: string, message: OutboundMessage, accessToken: string): Promise<{ name: string } | { failure: DeliveryError; staleToken: boolean }> {
    const { projectId, notificationTitle } = this.connection
    const payload = {
      message: {
        token,
        notification: { ...(notificationTitle ? { title: notificationTitle } : {}), body: message.text },
        // FCM data values must be strings.
        data: { messageId: message.id, accountId: message.accountId, backendService: 'c2m', lookbackMinutes: String(message.lookbackMinutes), callId: message.callId },
        // A push repeated for the same message (the process died after FCM accepted it, before we
        // recorded it) replaces the notification on screen instead of adding a second one.
        android: { notification: { tag: message.id } },
        apns: { headers: { 'apns-collapse-id': message.id } },
      },
    }
    let response: Response
    try {
      response = await providerFetch('fcm', this.#api, `/v1/projects/${encodeURIComponent(projectId)}/messages:send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      }, this.#timeoutMs)
    } catch (error) {
      if (error instanceof DeliveryError) return { failure: error, staleToken: false }
      throw error
    }
    const body = (await response.json().catch(() => ({}))) as GoogleErrorBody
    if (response.ok && body.name) return { name: body.name }
    return { failure: classifyFcmError(response, body), staleToken: isStaleToken(body) }
  }

  async #accessToken(): Promise<string> {
    const current = this.#token
    const held = current && (await current.catch(() => undefined))
    if (held && held.expiresAt - Date.now() > TOKEN_REFRESH_MARGIN_MS) return held.value
    // Unless another send asked for a new token meanwhile, this one does; a failed grant is asked again next time.
    if (!this.#token || this.#token === current) this.#token = this.#grant()
    return (await this.#token).value
  }

  /** One grant: the signed assertion posted to the token endpoint, classified as a DeliveryError when it fails. */
  async #grant(): Promise<{ value: string; expiresAt: number }> {
    const assertion = await this.#assertion()
    let response: Response
    try {
      response = await providerFetch('Google\'s token endpoint', this.#tokenEndpoint, '', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
      }, this.#timeoutMs)
    } catch (error) {
      if (error instanceof DeliveryError) throw new DeliveryError(error.kind, `token_${error.code}`, error.message)
      throw error
    }
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown }
    if (response.ok) {
      if (typeof body.access_token !== 'string' || body.access_token === '') throw new DeliveryError('transient', 'token_missing', 'Google\'s token endpoint answered without an access token')
      const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : ASSERTION_LIFETIME_S
      return { value: body.access_token, expiresAt: Date.now() + lifetimeS * 1000 }
    }
    // Google's refusal of the grant (invalid_grant: an unknown or deleted key…) is final; a 5xx or 429 is not.
    const code = typeof body.error === 'string' && body.error !== '' ? body.error : `token_http_${response.status}`
    const description = typeof body.error_description === 'string' && body.error_description !== '' ? `: ${body.error_description}` : ''
    const kind = isTransientStatus(response.status) ? 'transient' : 'permanent'
    throw new DeliveryError(kind, code, `Google's token endpoint answered ${response.status}${description}`, retryAfterMs(response.headers.get('retry-after')))
  }

  /** The service account's assertion: RS256 over its claims, for the token endpoint it is posted to. */
  async #assertion(): Promise<string> {
    const { serviceAccount } = this.connection
    const now = Math.floor(Date.now() / 1000)
    try {
      const key: KeyObject = createPrivateKey(serviceAccount.private_key)
      return await new SignJWT({ scope: FCM_SCOPE })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: serviceAccount.private_key_id })
        .setIssuer(serviceAccount.client_email)
        .setAudience(this.#tokenEndpoint.url)
        .setIssuedAt(now)
        .setExpirationTime(now + ASSERTION_LIFETIME_S)
        .sign(key)
    } catch (error) {
      // Not a PEM private key, or not an RSA one: nothing but a new connection fixes that.
      throw new DeliveryError('permanent', 'invalid_service_account', `the service account's key cannot sign: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
}

/** A push FCM refused, as a delivery failure: FCM's own error code decides when it gives one, the HTTP status otherwise. */
export function classifyFcmError(response: Response, body: GoogleErrorBody): DeliveryError {
  const error = body.error
  const fcmCode = fcmErrorCode(body)
  const code = fcmCode ?? error?.status ?? `http_${response.status}`
  const text = error?.message ?? `FCM answered ${response.status}`
  const retryAfter = retryAfterMs(response.headers.get('retry-after'))
  // Our access token was refused (revoked, or expired early): the retry gets a new one.
  if (response.status === 401 && fcmCode === undefined) return new DeliveryError('transient', 'UNAUTHENTICATED', text, retryAfter)
  const transient = (fcmCode && isTransientFcmError(fcmCode)) ?? isTransientStatus(response.status)
  return new DeliveryError(transient ? 'transient' : 'permanent', code, text, retryAfter)
}

/**
 * Whether FCM refused the push because of the token itself: UNREGISTERED (the app was uninstalled,
 * or the token expired) or INVALID_ARGUMENT about the token (it is not a registration token). A
 * bare 404 NOT_FOUND without FCM's detail is not enough: a wrong project or URL answers the same,
 * and would cost every device it touched. INVALID_ARGUMENT also answers
 * a bad message (too large, a reserved data key), which says nothing about the token: only the
 * token's field, or FCM's wording for a bad token, counts
 * (https://github.com/firebase/firebase-admin-java/issues/1064).
 */
export function isStaleToken(body: GoogleErrorBody): boolean {
  const error = body.error
  const fcmCode = fcmErrorCode(body)
  if (fcmCode === 'UNREGISTERED') return true
  if (fcmCode === 'INVALID_ARGUMENT') {
    const onToken = error?.details?.some((d) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest' && d.fieldViolations?.some((v) => v.field === 'message.token'))
    return onToken === true || /registration token/i.test(error?.message ?? '')
  }
  return false
}

function fcmErrorCode(body: GoogleErrorBody): FcmErrorCode | undefined {
  return body.error?.details?.find((d) => d['@type'] === 'type.googleapis.com/google.firebase.fcm.v1.FcmError')?.errorCode as FcmErrorCode | undefined
}
