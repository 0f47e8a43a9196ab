/**
 * How a text travels as SMS: in the GSM 03.38 7-bit alphabet when every character is in it,
 * otherwise as UCS-2 (UTF-16), and split into concatenated segments when it is longer than one
 * message holds. A concatenated segment gives 7 septets (GSM-7) or 3 code units (UCS-2) to the
 * header that joins the parts again, and carriers never cut a GSM escape sequence or a surrogate
 * pair across two segments.
 * See https://www.twilio.com/docs/glossary/what-sms-character-limit and 3GPP TS 23.038.
 */
export type SmsEncoding = 'GSM-7' | 'UCS-2'

export interface SmsSize {
  encoding: SmsEncoding
  /** Characters as a person counts them (Unicode code points). */
  characters: number
  /** Septets (GSM-7, an extension character takes two) or UTF-16 code units (UCS-2). */
  units: number
  /** Messages the carrier sends: 0 for an empty text. */
  segments: number
  /** Units one segment holds at this length: a whole message's, or a concatenated segment's. */
  unitsPerSegment: number
  /** Units left in the last segment before another one is needed. */
  unitsLeft: number
}

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
/** Sent as an escape and the character: two septets each. */
const GSM_EXTENSION = '\f^{}\\[~]|€'

const BASIC = new Set(GSM_BASIC)
const EXTENSION = new Set(GSM_EXTENSION)

const LIMITS = {
  'GSM-7': { single: 160, concatenated: 153 },
  'UCS-2': { single: 70, concatenated: 67 },
} as const

/** The encoding, length and segment count of `text` as an SMS. */
export function smsSize(text: string): SmsSize {
  const characters = [...text]
  const encoding: SmsEncoding = characters.every((c) => BASIC.has(c) || EXTENSION.has(c)) ? 'GSM-7' : 'UCS-2'
  const costs = characters.map((c) => (encoding === 'GSM-7' ? (EXTENSION.has(c) ? 2 : 1) : c.length))
  const units = costs.reduce((sum, cost) => sum + cost, 0)
  const { single, concatenated } = LIMITS[encoding]
  const base = { encoding, characters: characters.length, units }
  if (units <= single) return { ...base, segments: units === 0 ? 0 : 1, unitsPerSegment: single, unitsLeft: single - units }
  let segments = 1
  let used = 0
  for (const cost of costs) {
    if (used + cost > concatenated) {
      segments++
      used = 0
    }
    used += cost
  }
  return { ...base, segments, unitsPerSegment: concatenated, unitsLeft: concatenated - used }
}
