/**
 * The template rules the page checks as people type. They mirror src/whatsapp-templates/template.ts
 * (the pages import nothing from the server); the server checks again and has the last word, its
 * `fields` errors are shown next to the same fields.
 */

export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number]

export const CATEGORY_LABELS: Record<TemplateCategory, string> = {
  MARKETING: 'Marketing',
  UTILITY: 'Utility',
  AUTHENTICATION: 'Authentication',
}

export const TEMPLATE_STATUSES = ['DRAFT', 'PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED'] as const
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number]

export const STATUS_LABELS: Record<TemplateStatus, string> = {
  DRAFT: 'Draft',
  PENDING: 'In review',
  APPROVED: 'Approved',
  REJECTED: 'Rejected',
  PAUSED: 'Paused',
  DISABLED: 'Disabled',
}

/** Meta's limits, as the server has them. */
export const NAME_MAX_LENGTH = 512
export const BODY_MAX_LENGTH = 1024
export const EXAMPLE_MAX_LENGTH = 1024
export const WABA_ID_PATTERN = /^[0-9]{1,32}$/

/** Only drafts and rejected templates can change or be submitted: Meta does not let an approved one (or one in review) be edited. */
export const isEditable = (status: TemplateStatus) => status === 'DRAFT' || status === 'REJECTED'

/** The language codes Meta accepts for templates, as the server has them. */
export const TEMPLATE_LANGUAGES: readonly string[] = [
  'af', 'sq', 'ar', 'ar_EG', 'ar_AE', 'ar_LB', 'ar_MA', 'ar_QA', 'az', 'be_BY', 'bn', 'bn_IN', 'bg', 'ca', 'zh_CN', 'zh_HK', 'zh_TW',
  'hr', 'cs', 'da', 'prs_AF', 'nl', 'nl_BE', 'en', 'en_GB', 'en_US', 'en_AE', 'en_AU', 'en_CA', 'en_GH', 'en_IE', 'en_IN', 'en_JM',
  'en_MY', 'en_NZ', 'en_QA', 'en_SG', 'en_UG', 'en_ZA', 'et', 'fil', 'fi', 'fr', 'fr_BE', 'fr_CA', 'fr_CH', 'fr_CI', 'fr_MA', 'ka',
  'de', 'de_AT', 'de_CH', 'el', 'gu', 'ha', 'he', 'hi', 'hu', 'id', 'ga', 'it', 'ja', 'kn', 'kk', 'rw_RW', 'ko', 'ky_KG', 'lo', 'lv',
  'lt', 'mk', 'ms', 'ml', 'mr', 'nb', 'ps_AF', 'fa', 'pl', 'pt_BR', 'pt_PT', 'pa', 'ro', 'ru', 'sr', 'si_LK', 'sk', 'sl', 'es',
  'es_AR', 'es_CL', 'es_CO', 'es_CR', 'es_DO', 'es_EC', 'es_HN', 'es_MX', 'es_PA', 'es_PE', 'es_ES', 'es_UY', 'sw', 'sv', 'ta', 'te',
  'th', 'tr', 'uk', 'ur', 'uz', 'vi', 'zu',
]

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', languageDisplay: 'standard', fallback: 'none' })

/** `English (United States) — en_US`, or the code alone when the browser does not know it. */
export function languageLabel(code: string): string {
  try {
    const name = languageNames.of(code.replace('_', '-'))
    return name ? `${name} — ${code}` : code
  } catch {
    return code
  }
}

/** What is wrong with a template name, or undefined: the user guide's rule, no spaces, no capitals, letters, digits and underscores. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'A name is required.'
  if (name.length > NAME_MAX_LENGTH) return `At most ${NAME_MAX_LENGTH} characters.`
  if (/^[a-z0-9_]+$/.test(name)) return undefined
  const found: string[] = []
  if (/\s/.test(name)) found.push('spaces')
  if (/[A-Z]/.test(name)) found.push('capital letters')
  const others = [...new Set(name.replace(/[a-zA-Z0-9_\s]/g, ''))]
  if (others.length > 0) found.push(others.map((c) => `“${c}”`).join(' '))
  return `Use only lower-case letters, digits and underscores; not ${found.join(', ')}.`
}

const PLACEHOLDER_LIKE = /\{\{([^{}]*)\}\}/g
const WELL_FORMED = /^[1-9][0-9]*$/

/** How many sample values the body needs: its highest well-formed `{{n}}`. */
export function placeholderCount(body: string): number {
  return Math.max(0, ...[...body.matchAll(PLACEHOLDER_LIKE)].filter((m) => WELL_FORMED.test(m[1]!)).map((m) => Number(m[1])))
}

/** What is wrong with a body's text and placeholders, or undefined (the server's checks, in its order). */
export function bodyProblem(body: string): string | undefined {
  if (body.trim() === '') return 'The message is required.'
  if (body.length > BODY_MAX_LENGTH) return `At most ${BODY_MAX_LENGTH} characters.`
  const malformed = [...body.matchAll(PLACEHOLDER_LIKE)].map((m) => m[0]).filter((p) => !/^\{\{[1-9][0-9]*\}\}$/.test(p))
  if (malformed.length > 0) return `Variables are written {{1}}, {{2}}, …: ${malformed.join(', ')} is not one.`
  const used = new Set([...body.matchAll(PLACEHOLDER_LIKE)].map((m) => Number(m[1])))
  const count = placeholderCount(body)
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !used.has(n))
  if (missing.length > 0) return `Number the variables {{1}} to {{${count}}} without gaps: ${missing.map((n) => `{{${n}}}`).join(', ')} is missing.`
  return undefined
}

/** Meta's review usually refuses a body that starts or ends with a variable: said before it costs a review. */
export function bodyWarning(body: string): string | undefined {
  return /^\s*\{\{[1-9][0-9]*\}\}/.test(body) || /\{\{[1-9][0-9]*\}\}\s*$/.test(body) ? 'WhatsApp usually rejects a template that starts or ends with a variable.' : undefined
}

/** The body cut into text and variables, each variable with its sample (or none yet): the preview renders these as text. */
export type PreviewPart = { text: string } | { variable: number; sample: string | undefined }

export function previewParts(body: string, samples: readonly string[]): PreviewPart[] {
  const parts: PreviewPart[] = []
  let at = 0
  for (const match of body.matchAll(/\{\{([1-9][0-9]*)\}\}/g)) {
    if (match.index > at) parts.push({ text: body.slice(at, match.index) })
    const variable = Number(match[1])
    const sample = samples[variable - 1]
    parts.push({ variable, sample: sample && sample.trim() !== '' ? sample : undefined })
    at = match.index + match[0].length
  }
  if (at < body.length) parts.push({ text: body.slice(at) })
  return parts
}

/** Admins and campaign managers write templates; LPA users read them (the user guide's table; the server enforces it). */
export const canWriteTemplates = (role: string) => role === 'admin' || role === 'campaign-manager'

/**
 * The new-template page's address. It holds a hyphen, which no template name may, so it can never
 * be a template's own page (`/whatsapp-templates/new` would be the page of a template named `new`).
 */
export const NEW_TEMPLATE_PATH = '/whatsapp-templates/new-template'
