/** A brand's Twilio account: SMS sending and Lookup v2 line types. */
export interface TwilioConnection {
  accountSid: string
  authToken: string
  /** Messages API origin; the real host unless a regional edge or a test fake is wanted. */
  baseUrl: string
  /** Lookup API origin. */
  lookupBaseUrl: string
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

export interface Connections {
  twilio: TwilioConnection
  whatsapp: WhatsAppConnection
}

export type Provider = keyof Connections

export const PROVIDERS: readonly Provider[] = ['twilio', 'whatsapp']

export const DEFAULTS = {
  twilio: { baseUrl: 'https://api.twilio.com', lookupBaseUrl: 'https://lookups.twilio.com' },
  whatsapp: { apiVersion: 'v21.0', baseUrl: 'https://graph.facebook.com' },
} as const

/** Fields never returned by GET: only their last four characters are shown. */
export const SECRET_FIELDS: { [P in Provider]: ReadonlyArray<keyof Connections[P]> } = {
  twilio: ['authToken'],
  whatsapp: ['accessToken', 'appSecret', 'verifyToken'],
}

export function mask<P extends Provider>(provider: P, connection: Connections[P]): Connections[P] {
  const masked: Record<string, unknown> = { ...connection }
  for (const field of SECRET_FIELDS[provider]) masked[field as string] = '••••' + String(connection[field]).slice(-4)
  return masked as unknown as Connections[P]
}
