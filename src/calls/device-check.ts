import { type PhoneNumberType, parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { AppContext } from '../context.ts'
import type { DbOrTrx } from '../store/database.ts'

/** How the consumer's line type was settled for one call (stored with the call). */
export interface DeviceCheck {
  /** Whether a text can reach the number. */
  textable: boolean
  lineType: string
  /** The lookup's provider (`twilio`) for a fresh lookup; `cache`: an earlier lookup; `offline`: libphonenumber-js metadata. */
  source: string
  /** Why the offline metadata was used although the brand can look numbers up. */
  fallback?: string
}

export interface DeviceCheckOptions {
  /** A caller is waiting on the line: a slow lookup falls back instead of holding them. */
  lookupTimeoutMs: number
  cacheDays: number
}

/**
 * A carrier-data lookup of a number's line type (Twilio Lookup v2 implements it). The device
 * check depends on this interface only, so the call domain knows no provider.
 */
export interface LineTypeLookup {
  /** The provider's name, recorded as the check's source. */
  readonly source: string
  /** The brand's lookup, or undefined when the brand has not connected the provider. */
  forBrand(accountId: string): Promise<((phone: string, timeoutMs: number) => Promise<string>) | undefined>
  /** Whether a line of this type (as `lookup` answers it) can receive a text. */
  textable(lineType: string): boolean
}

/**
 * Offline line types that cannot receive a text. Types the metadata cannot settle (US and
 * Canadian numbers are FIXED_LINE_OR_MOBILE; VOIP and personal numbers often take SMS) count as
 * reachable: refusing them would turn away most North American mobiles.
 */
const UNTEXTABLE_OFFLINE: ReadonlySet<PhoneNumberType> = new Set<PhoneNumberType>(['FIXED_LINE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'UAN', 'VOICEMAIL', 'PAGER'])

export function offlineCheck(phone: string, fallback?: string): DeviceCheck {
  const type = parsePhoneNumberFromString(phone)?.getType()
  return { textable: type === undefined || !UNTEXTABLE_OFFLINE.has(type), lineType: type ?? 'UNKNOWN', source: 'offline', ...(fallback ? { fallback } : {}) }
}

/**
 * The consumer's line type for a brand with device check on: the carrier lookup when the brand
 * has connected one (cached per number), else — or when the lookup fails or is slow — the
 * offline metadata, with the reason recorded and logged.
 */
export async function checkDevice(ctx: Pick<AppContext, 'db' | 'clock' | 'logger' | 'lineTypes'>, accountId: string, phone: string, options: DeviceCheckOptions): Promise<DeviceCheck> {
  const lookup = await ctx.lineTypes.forBrand(accountId)
  if (!lookup) return offlineCheck(phone)
  const now = ctx.clock.now()
  const cached = await findLineType(ctx.db, phone)
  if (cached && now.getTime() - Date.parse(cached.checkedAt) < options.cacheDays * 86_400_000) {
    return { textable: ctx.lineTypes.textable(cached.lineType), lineType: cached.lineType, source: 'cache' }
  }
  try {
    const lineType = await lookup(phone, options.lookupTimeoutMs)
    await saveLineType(ctx.db, phone, lineType, now.toISOString())
    return { textable: ctx.lineTypes.textable(lineType), lineType, source: ctx.lineTypes.source }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    ctx.logger.warn({ accountId, reason }, 'line type lookup failed; using offline metadata')
    return offlineCheck(phone, reason)
  }
}

async function findLineType(db: DbOrTrx, phone: string): Promise<{ lineType: string; checkedAt: string } | undefined> {
  const row = await db.selectFrom('line_types').select(['line_type', 'checked_at']).where('phone', '=', phone).executeTakeFirst()
  return row && { lineType: row.line_type, checkedAt: row.checked_at }
}

async function saveLineType(db: DbOrTrx, phone: string, lineType: string, at: string): Promise<void> {
  await db
    .insertInto('line_types')
    .values({ phone, line_type: lineType, checked_at: at })
    .onConflict((oc) => oc.column('phone').doUpdateSet({ line_type: lineType, checked_at: at }))
    .execute()
}
