import { isValidE164 } from '../../lib/phone.ts'

/**
 * The consumer's number in E.164 for a WhatsApp id (`wa_id`, digits without `+`), so that what a
 * WhatsApp consumer asks (STOP) is recorded under the number eligibility checks. Most ids are the
 * number itself; two countries' older ids are not:
 * - Mexico: ids of mobiles registered before the 2019 numbering change keep the `1` after `52`
 *   (`521` + 10 digits), which E.164 no longer has;
 * - Brazil: ids of older accounts lack the ninth digit of a mobile number (`55` + area + 8 digits).
 * An id that is neither stays as it is.
 */
export function consumerNumberOfWaId(waId: string): string {
  const asIs = `+${waId}`
  if (isValidE164(asIs)) return asIs
  const mexico = /^521(\d{10})$/.exec(waId)
  if (mexico && isValidE164(`+52${mexico[1]}`)) return `+52${mexico[1]}`
  const brazil = /^55(\d{2})(\d{8})$/.exec(waId)
  if (brazil && isValidE164(`+55${brazil[1]}9${brazil[2]}`)) return `+55${brazil[1]}9${brazil[2]}`
  return asIs
}
