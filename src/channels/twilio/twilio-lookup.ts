import type { TwilioConnection } from '../connections/connection.ts'
import { providerFetch } from '../http-errors.ts'
import { type ProviderEndpoints, endpointOf } from '../provider-url.ts'

/** Line types of Twilio Lookup v2's line_type_intelligence (https://www.twilio.com/docs/lookup/v2-api/line-type-intelligence). */
export type TwilioLineType =
  | 'landline'
  | 'mobile'
  | 'fixedVoip'
  | 'nonFixedVoip'
  | 'personal'
  | 'tollFree'
  | 'premium'
  | 'sharedCost'
  | 'uan'
  | 'voicemail'
  | 'pager'
  | 'unknown'

const KNOWN = new Set<string>(['landline', 'mobile', 'fixedVoip', 'nonFixedVoip', 'personal', 'tollFree', 'premium', 'sharedCost', 'uan', 'voicemail', 'pager', 'unknown'])

/** The number's line type by Twilio Lookup v2; throws on any failure (the caller falls back). */
export async function lookupLineType(connection: TwilioConnection, endpoints: ProviderEndpoints, phone: string, timeoutMs: number): Promise<TwilioLineType> {
  const { accountSid, authToken, lookupBaseUrl } = connection
  const endpoint = endpointOf(endpoints.twilioLookupUrl, lookupBaseUrl, endpoints.providerUrlAllowlist)
  const response = await providerFetch('twilio lookup', endpoint, `/v2/PhoneNumbers/${encodeURIComponent(phone)}?Fields=line_type_intelligence`, {
    headers: { authorization: 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64') },
  }, timeoutMs)
  if (!response.ok) throw new Error(`Twilio Lookup answered ${response.status}`)
  const body = (await response.json()) as { line_type_intelligence?: { type?: string | null; error_code?: number | null } | null }
  const type = body.line_type_intelligence?.type
  return type && KNOWN.has(type) ? (type as TwilioLineType) : 'unknown'
}
