import { DEFAULT_HELP_TEXT } from '../../inbound/keywords.ts'

/** A brand's Twilio account: SMS sending and Lookup v2 line types. */
export interface TwilioConnection {
  accountSid: string
  authToken: string
  /** Messages API origin instead of the operator's TWILIO_API_URL, e.g. a regional edge; on PROVIDER_URL_ALLOWLIST. */
  baseUrl?: string
  /** Lookup API origin instead of TWILIO_LOOKUP_URL; on PROVIDER_URL_ALLOWLIST. */
  lookupBaseUrl?: string
  /** The reply to HELP and INFO on the brand's SMS numbers (1–320 characters); `DEFAULTS.twilio.helpText` unless set. */
  helpText?: string
}

/** A brand's WhatsApp Business number on Meta's Cloud API. */
export interface WhatsAppConnection {
  phoneNumberId: string
  wabaId: string
  accessToken: string
  /** Signs Meta's webhooks (X-Hub-Signature-256). */
  appSecret: string
  /** Echoed by Meta's webhook verification handshake. */
  verifyToken: string
  apiVersion: string
  /** Graph API origin instead of WHATSAPP_API_URL; on PROVIDER_URL_ALLOWLIST. */
  baseUrl?: string
}

/**
 * A Google service-account key, as the Firebase console downloads it
 * (https://cloud.google.com/iam/docs/keys-create-delete). Sending uses `client_email` and `private_key`.
 */
export interface ServiceAccountKey {
  type: 'service_account'
  project_id: string
  private_key_id: string
  /** PEM, PKCS #8. */
  private_key: string
  client_email: string
  [field: string]: string
}

/** A brand's Firebase project: in-app push through FCM HTTP v1, authorised as one of its service accounts. */
export interface FcmConnection {
  projectId: string
  serviceAccount: ServiceAccountKey
  /** FCM API origin instead of FCM_API_URL; on PROVIDER_URL_ALLOWLIST. */
  baseUrl?: string
  /** Token endpoint (a full URL) instead of FCM_TOKEN_URL; on PROVIDER_URL_ALLOWLIST. */
  tokenUrl?: string
  /** The notification's title; without one the device shows the app's name. */
  notificationTitle?: string
}

export interface Connections {
  twilio: TwilioConnection
  whatsapp: WhatsAppConnection
  fcm: FcmConnection
}

export type Provider = keyof Connections
export const PROVIDERS = ['twilio', 'whatsapp', 'fcm'] as const satisfies readonly Provider[]

export const DEFAULTS = {
  twilio: { helpText: DEFAULT_HELP_TEXT },
  whatsapp: { apiVersion: 'v21.0' },
  fcm: {},
} as const

/**
 * The fields of each connection that name a provider endpoint instead of the operator's, and
 * whether the stored value keeps its path (a token endpoint) or is reduced to an origin.
 */
export const URL_FIELDS: { [P in Provider]: ReadonlyArray<{ field: keyof Connections[P] & string; keepPath: boolean }> } = {
  twilio: [{ field: 'baseUrl', keepPath: false }, { field: 'lookupBaseUrl', keepPath: false }],
  whatsapp: [{ field: 'baseUrl', keepPath: false }],
  fcm: [{ field: 'baseUrl', keepPath: false }, { field: 'tokenUrl', keepPath: true }],
}

/**
 * Fields never returned by GET: only their last four characters are shown, and of a service-account
 * key only who it is (its email and key id), never the private key.
 */
export const SECRET_FIELDS: { [P in Provider]: ReadonlyArray<keyof Connections[P]> } = {
  twilio: ['authToken'],
  whatsapp: ['accessToken', 'appSecret', 'verifyToken'],
  fcm: ['serviceAccount'],
}

export function mask<P extends Provider>(provider: P, connection: Connections[P]): Connections[P] {
  const masked: Record<string, unknown> = { ...connection }
  for (const field of SECRET_FIELDS[provider]) masked[field as string] = maskSecret(connection[field])
  return masked as unknown as Connections[P]
}

function maskSecret(secret: unknown): unknown {
  if (typeof secret === 'string') return '••••' + secret.slice(-4)
  const key = secret as ServiceAccountKey
  return { client_email: key.client_email, private_key_id: key.private_key_id, private_key: '••••' }
}
