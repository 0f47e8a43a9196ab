import { parsePhoneNumberFromString } from 'libphonenumber-js/max'

// How a phone number may be written in a URL or in text: a plus (ASCII or fullwidth, as is or
// percent-encoded), digits (ASCII or fullwidth, fullwidth also percent-encoded) and, between
// them, the separators people type — spaces, parentheses, dots, hyphens, as is or encoded, and a
// `+` that form decoding reads as a space.
const PLUS = String.raw`(?:\+|%2B|\uFF0B|%EF%BC%8B)`
const DIGIT = String.raw`(?:[0-9\uFF10-\uFF19]|%EF%BC%9[0-9])`
const SEPARATOR = String.raw`(?:[\s().+-]|%(?:20|09|28|29|2E|2D))`
/** One digit as written, or any other character or percent-escape, kept as written. */
const TOKEN = new RegExp(`${DIGIT}|%[0-9A-F]{2}|[^]`, 'giu')
const IS_DIGIT = new RegExp(`^${DIGIT}$`, 'iu')
/** A plus, then digits with separators between them. */
const PLUS_RUN = new RegExp(`${PLUS}(?:${SEPARATOR}*${DIGIT})+`, 'giu')

/**
 * Logs never carry a full phone number: every digit but the last four is masked, whatever form
 * it is written in (`+1 (415) 555-0998` → `+* (***) ***-0998`); the rest is kept as written, so
 * the log still shows how the client sent it.
 */
export function maskPhone(value: string): string {
  const tokens = value.match(TOKEN) ?? []
  let keep = 4
  const masked: string[] = []
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i]!
    if (!IS_DIGIT.test(token)) masked.push(token)
    else masked.push(keep-- > 0 ? token : '*')
  }
  // Four digits or fewer are all masked: they are no number to recognise by its end.
  return keep >= 0 ? '****' : masked.reverse().join('')
}

/** Masks every run in free text (a URL, say) that starts with a plus and holds at least five digits, whatever its separators. */
export function maskPhonesIn(text: string): string {
  return text.replace(PLUS_RUN, (run) => (digitCount(run) >= 5 ? maskPhone(run) : run))
}

/**
 * Whether `value` (decoded: a path segment or a query value) is a phone number and nothing
 * else: 7 to 15 digits with an optional plus and separators, in any of the forms above.
 */
export function isPhoneLike(value: string): boolean {
  const normal = value.normalize('NFKC')
  if (!/^[\d\s().+-]+$/.test(normal)) return false
  const digits = digitCount(normal)
  return digits >= 7 && digits <= 15
}

function digitCount(text: string): number {
  return (text.match(TOKEN) ?? []).filter((token) => IS_DIGIT.test(token)).length
}

/** A valid E.164 number: leading `+`, at most 15 digits, valid by libphonenumber-js metadata. */
export function isValidE164(value: string): boolean {
  if (!/^\+[1-9]\d{1,14}$/.test(value)) return false
  const parsed = parsePhoneNumberFromString(value)
  return parsed !== undefined && parsed.isValid() && parsed.number === value
}
