import type { FieldError } from '../shared/errors.ts'

/** A WhatsApp message template: the only kind of message WhatsApp lets a brand send first. */
export interface WaTemplate extends WaTemplateInput {
  name: string
  status: WaTemplateStatus
  /** Meta's reason when it rejected the template. */
  rejectedReason?: string
  submittedAt?: string
  createdAt: string
  updatedAt: string
}

/** What a brand writes; the name is the template's identity and never changes. */
export interface WaTemplateInput {
  category: WaTemplateCategory
  language: string
  wabaId: string
  phoneNumber: string
  body: string
  /** Sample values for `{{1}}`…`{{n}}`, in order: Meta's reviewers read them. */
  examples?: string[]
}

export const WA_TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const
export type WaTemplateCategory = (typeof WA_TEMPLATE_CATEGORIES)[number]

/**
 * DRAFT until submitted; PENDING while Meta reviews it; then APPROVED or REJECTED. Meta may later
 * PAUSE an approved template (poor quality) or DISABLE it; only APPROVED ones can be sent.
 */
export const WA_TEMPLATE_STATUSES = ['DRAFT', 'PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED'] as const
export type WaTemplateStatus = (typeof WA_TEMPLATE_STATUSES)[number]

/** Meta's limits: https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates */
export const TEMPLATE_NAME_MAX_LENGTH = 512
export const TEMPLATE_BODY_MAX_LENGTH = 1024
export const TEMPLATE_EXAMPLE_MAX_LENGTH = 1024

/** The user guide's rule: no spaces, no capital letters; letters, digits and underscores only. */
const NAME_PATTERN = /^[a-z0-9_]+$/

/** The language codes Meta accepts for templates (https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/supported-languages). */
export const TEMPLATE_LANGUAGES: ReadonlySet<string> = new Set([
  'af', 'sq', 'ar', 'ar_EG', 'ar_AE', 'ar_LB', 'ar_MA', 'ar_QA', 'az', 'be_BY', 'bn', 'bn_IN', 'bg', 'ca', 'zh_CN', 'zh_HK', 'zh_TW',
  'hr', 'cs', 'da', 'prs_AF', 'nl', 'nl_BE', 'en', 'en_GB', 'en_US', 'en_AE', 'en_AU', 'en_CA', 'en_GH', 'en_IE', 'en_IN', 'en_JM',
  'en_MY', 'en_NZ', 'en_QA', 'en_SG', 'en_UG', 'en_ZA', 'et', 'fil', 'fi', 'fr', 'fr_BE', 'fr_CA', 'fr_CH', 'fr_CI', 'fr_MA', 'ka',
  'de', 'de_AT', 'de_CH', 'el', 'gu', 'ha', 'he', 'hi', 'hu', 'id', 'ga', 'it', 'ja', 'kn', 'kk', 'rw_RW', 'ko', 'ky_KG', 'lo', 'lv',
  'lt', 'mk', 'ms', 'ml', 'mr', 'nb', 'ps_AF', 'fa', 'pl', 'pt_BR', 'pt_PT', 'pa', 'ro', 'ru', 'sr', 'si_LK', 'sk', 'sl', 'es',
  'es_AR', 'es_CL', 'es_CO', 'es_CR', 'es_DO', 'es_EC', 'es_HN', 'es_MX', 'es_PA', 'es_PE', 'es_ES', 'es_UY', 'sw', 'sv', 'ta', 'te',
  'th', 'tr', 'uk', 'ur', 'uz', 'vi', 'zu',
])

/** Anything that looks like a placeholder, well formed or not. */
const PLACEHOLDER_LIKE = /\{\{([^{}]*)\}\}/g

/** The template's `{{n}}` numbers, in order of appearance (repeats included); malformed ones are not numbers. */
export function placeholderNumbers(body: string): number[] {
  return [...body.matchAll(PLACEHOLDER_LIKE)].filter((m) => /^[1-9][0-9]*$/.test(m[1]!)).map((m) => Number(m[1]))
}

/** How many values a send of this template carries: its highest placeholder number. */
export function placeholderCount(body: string): number {
  return Math.max(0, ...placeholderNumbers(body))
}

/**
 * What the brand may still change and submit: Meta does not let an approved template (or one in
 * review) be edited.
 */
export function isEditable(status: WaTemplateStatus): boolean {
  return status === 'DRAFT' || status === 'REJECTED'
}

/**
 * How many values a send of the template carries, or undefined for a template imported from a
 * handoff saved before templates existed: its text is unknown (an empty body).
 */
export function knownParameterCount(template: Pick<WaTemplate, 'body'>): number | undefined {
  return template.body === '' ? undefined : placeholderCount(template.body)
}

/** What a template may refer to: the brand's WhatsApp sending numbers. */
export interface TemplateReferences {
  waNumbers: ReadonlySet<string>
}

export type TemplateCheck = { ok: true; template: WaTemplateInput; warnings: FieldError[] } | { ok: false; errors: FieldError[] }

export function checkTemplateName(name: string): string | undefined {
  if (name.length === 0) return 'is required'
  if (name.length > TEMPLATE_NAME_MAX_LENGTH) return `must be at most ${TEMPLATE_NAME_MAX_LENGTH} characters`
  if (!NAME_PATTERN.test(name)) return 'may contain only lower-case letters, digits and underscores (no spaces, no capital letters)'
  return undefined
}

/** The user guide's and Meta's template rules, as a plain function of the request and the brand's numbers. */
export function checkTemplate(input: WaTemplateInput, refs: TemplateReferences): TemplateCheck {
  const errors: FieldError[] = []
  const warnings: FieldError[] = []
  const fail = (field: string, message: string) => errors.push({ field, message })

  if (!TEMPLATE_LANGUAGES.has(input.language)) fail('language', `${input.language} is not a template language WhatsApp supports (e.g. en, en_US, es_MX, pt_BR)`)
  if (!/^[0-9]{1,32}$/.test(input.wabaId)) fail('wabaId', 'must be a WhatsApp Business Account id (digits)')
  if (!refs.waNumbers.has(input.phoneNumber)) fail('phoneNumber', 'must be a registered wa number of this brand')

  const body = input.body
  if (body.trim() === '') fail('body', 'is required')
  else if (body.length > TEMPLATE_BODY_MAX_LENGTH) fail('body', `must be at most ${TEMPLATE_BODY_MAX_LENGTH} characters`)
  else {
    const malformed = [...body.matchAll(PLACEHOLDER_LIKE)].map((m) => m[0]).filter((p) => !/^\{\{[1-9][0-9]*\}\}$/.test(p))
    if (malformed.length > 0) fail('body', `placeholders are written {{1}}, {{2}}, …: ${malformed.join(', ')} is not one`)
    const used = new Set(placeholderNumbers(body))
    const count = Math.max(0, ...used)
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !used.has(n))
    if (missing.length > 0) fail('body', `placeholders must be numbered {{1}} to {{${count}}} without gaps: ${missing.map((n) => `{{${n}}}`).join(', ')} missing`)
    // Meta's review refuses these; saying so now saves a round trip through it.
    if (/^\s*\{\{[1-9][0-9]*\}\}/.test(body) || /\{\{[1-9][0-9]*\}\}\s*$/.test(body)) {
      warnings.push({ field: 'body', message: 'WhatsApp usually rejects a template that starts or ends with a placeholder' })
    }
    if (input.examples !== undefined && missing.length === 0 && malformed.length === 0) {
      if (input.examples.length !== count) fail('examples', `must give ${count} sample value${count === 1 ? '' : 's'}, one per placeholder`)
      input.examples.forEach((example, i) => {
        if (example.trim() === '') fail(`examples.${i}`, 'must not be empty')
      })
    }
  }

  if (errors.length > 0) return { ok: false, errors }
  const template: WaTemplateInput = { category: input.category, language: input.language, wabaId: input.wabaId, phoneNumber: input.phoneNumber, body }
  if (input.examples !== undefined) template.examples = [...input.examples]
  return { ok: true, template, warnings }
}
