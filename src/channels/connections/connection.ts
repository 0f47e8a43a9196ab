/** A brand's Twilio account: SMS sending and Lookup v2 line types. */
export interface TwilioConnection {
  accountSid: string
  authToken: string
  /** Messages API origin; the real host unless a regional edge or a test fake is wanted. */
  baseUrl: string
  /** Lookup API origin. */
  lookupBaseUrl: string
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
  baseUrl: string
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
  /** FCM API origin. */
  baseUrl: string
  /** Google's OAuth 2.0 token endpoint (a full URL): a private endpoint or a test fake may replace it. */
  tokenUrl: string
  /** The notification's title; without one the device shows the app's name. */
  notificationTitle?: string
}

export interface Connections {
  twilio: TwilioConnection
  whatsapp: WhatsAppConnection
  fcm: FcmConnection
}

export type Provider = keyof Connections

export const PROVIDERS: readonly Provider[] = ['twilio', 'whatsapp', 'fcm']

export const DEFAULTS = {
  twilio: { baseUrl: 'https://api.twilio.com', lookupBaseUrl: 'https://lookups.twilio.com', helpText: 'Reply STOP to opt out, START to opt back in.' },
  whatsapp: { apiVersion: 'v21.0', baseUrl: 'https://graph.facebook.com' },
  fcm: { baseUrl: 'https://fcm.googleapis.com', tokenUrl: 'https://oauth2.googleapis.com/token' },
} as const

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
