import { parsePhoneNumberFromString } from 'libphonenumber-js/max'

/** Logs never carry a full phone number: everything but the last four digits is masked. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '')
  if (digits.length <= 4) return '****'
  return (value.startsWith('+') ? '+' : '') + '*'.repeat(digits.length - 4) + digits.slice(-4)
}

/** Masks every phone-number-looking run (`+` or `%2B` then digits) inside free text such as a URL. */
export function maskPhonesIn(text: string): string {
  return text.replace(/(\+|%2B)(\d{5,15})/gi, (_, plus: string, digits: string) => plus + '*'.repeat(digits.length - 4) + digits.slice(-4))
}

/** A valid E.164 number: leading `+`, at most 15 digits, valid by libphonenumber-js metadata. */
export function isValidE164(value: string): boolean {
  if (!/^\+[1-9]\d{1,14}$/.test(value)) return false
  const parsed = parsePhoneNumberFromString(value)
  return parsed !== undefined && parsed.isValid() && parsed.number === value
}
