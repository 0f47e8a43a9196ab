import { type PhoneNumberType, parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { Services } from '../runtime.ts'
import { findConnection } from '../channels/connections/connection.repository.ts'
import { type TwilioLineType, lookupLineType } from '../channels/twilio/twilio-lookup.ts'
import type { ProviderEndpoints } from '../channels/provider-url.ts'
import type { DbOrTrx } from '../store/database.ts'

/** How the consumer's line type was settled for one call (stored with the call). */
export interface DeviceCheck {
  /** Whether a text can reach the number. */
  textable: boolean
  lineType: string
  /** `twilio`: a fresh lookup; `cache`: an earlier lookup; `offline`: libphonenumber-js metadata. */
  source: 'twilio' | 'cache' | 'offline'
  /** Why the offline metadata was used although the brand has a Twilio connection. */
  fallback?: string
}

export interface DeviceCheckOptions {
  /** A caller is waiting on the line: a slow lookup falls back instead of holding them. */
  lookupTimeoutMs: number
  cacheDays: number
}

/**
 * Offline line types that cannot receive a text. Types the metadata cannot settle (US and
 * Canadian numbers are FIXED_LINE_OR_MOBILE; VOIP and personal numbers often take SMS) count as
 * reachable: refusing them would turn away most North American mobiles.
 */
const UNTEXTABLE_OFFLINE: ReadonlySet<PhoneNumberType> = new Set<PhoneNumberType>(['FIXED_LINE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'UAN', 'VOICEMAIL', 'PAGER'])

/** Twilio line types that cannot receive a text; mobile, VoIP, personal and unknown numbers can. */
const UNTEXTABLE_TWILIO: ReadonlySet<TwilioLineType> = new Set<TwilioLineType>(['landline', 'tollFree', 'premium', 'sharedCost', 'uan', 'voicemail', 'pager'])

export function offlineCheck(phone: string, fallback?: string): DeviceCheck {
  const type = parsePhoneNumberFromString(phone)?.getType()
  return { textable: type === undefined || !UNTEXTABLE_OFFLINE.has(type), lineType: type ?? 'UNKNOWN', source: 'offline', ...(fallback ? { fallback } : {}) }
}

function twilioCheck(lineType: TwilioLineType, source: 'twilio' | 'cache'): DeviceCheck {
  return { textable: !UNTEXTABLE_TWILIO.has(lineType), lineType, source }
}

/**
 * The consumer's line type for a brand with device check on: Twilio Lookup v2 when the brand has
 * a Twilio connection (cached per number), else — or when the lookup fails or is slow — the
 * offline metadata, with the reason recorded and logged.
 */
export async function checkDevice(services: Services & { config: ProviderEndpoints; logger: { warn(obj: object, msg: string): void } }, accountId: string, phone: string, options: DeviceCheckOptions): Promise<DeviceCheck> {
  const twilio = await findConnection(services.db, services.secrets, accountId, 'twilio')
  if (!twilio) return offlineCheck(phone)
  const now = services.clock.now()
  const cached = await findLineType(services.db, phone)
  if (cached && now.getTime() - Date.parse(cached.checkedAt) < options.cacheDays * 86_400_000) return twilioCheck(cached.lineType, 'cache')
  try {
    const lineType = await lookupLineType(twilio.config, services.config, phone, options.lookupTimeoutMs)
    await saveLineType(services.db, phone, lineType, now.toISOString())
    return twilioCheck(lineType, 'twilio')
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    services.logger.warn({ accountId, reason }, 'line type lookup failed; using offline metadata')
    return offlineCheck(phone, reason)
  }
}

async function findLineType(db: DbOrTrx, phone: string): Promise<{ lineType: TwilioLineType; checkedAt: string } | undefined> {
  const row = await db.selectFrom('line_types').select(['line_type', 'checked_at']).where('phone', '=', phone).executeTakeFirst()
  return row && { lineType: row.line_type as TwilioLineType, checkedAt: row.checked_at }
}

async function saveLineType(db: DbOrTrx, phone: string, lineType: TwilioLineType, at: string): Promise<void> {
  await db
    .insertInto('line_types')
    .values({ phone, line_type: lineType, checked_at: at })
    .onConflict((oc) => oc.column('phone').doUpdateSet({ line_type: lineType, checked_at: at }))
    .execute()
}
