import { fieldErrorsOf } from '../../lib/server-field-errors.ts'
import type { Channel, Handoff, HandoffBody, WaTemplate } from './handoffs.api.ts'

/** The service's limits (src/handoffs/handoff.ts), checked here as the person types. */
export const TITLE_MAX_LENGTH = 100
export const LOOKBACK_MIN_MINUTES = 60
export const LOOKBACK_MAX_MINUTES = 30 * 24 * 60
export const MESSAGE_MAX_LENGTH = 1600
export const SMS_RECOMMENDED_LENGTH = 140
export const OPT_OUT_TEXT_MAX_LENGTH = 160
export const DEFAULT_OPT_OUT_TEXT = 'Reply STOP to opt out'
export const MAX_APPS = 3

export type LookbackUnit = 'minutes' | 'hours' | 'days'
export const MINUTES_PER: Record<LookbackUnit, number> = { minutes: 1, hours: 60, days: 24 * 60 }

export type Step = 'setup' | 'compose' | 'preview'
export const STEPS: ReadonlyArray<{ step: Step; label: string }> = [
  { step: 'setup', label: 'Title, lookback and channels' },
  { step: 'compose', label: 'Compose the message' },
  { step: 'preview', label: 'Preview and save' },
]

/**
 * A handoff being written: every channel's block is kept while the person moves between steps
 * or switches channels, and only the chosen channels' blocks are sent.
 */
export interface Draft {
  title: string
  /** As typed: a whole number of `lookbackUnit`. */
  lookbackValue: string
  lookbackUnit: LookbackUnit
  /** The priority of SMS and WhatsApp; App Messaging is always alone. */
  priority: Array<'sms' | 'wa'>
  enabled: Record<Channel, boolean>
  skills: string[]
  sms: { fromNumber: string; message: string; optOutText: string }
  wa: { fromNumber: string; templateName: string; variables: Record<string, string> }
  inapp: { appIds: string[]; message: string }
}

export function newDraft(): Draft {
  return {
    title: '',
    lookbackValue: '24',
    lookbackUnit: 'hours',
    priority: ['sms', 'wa'],
    enabled: { sms: false, wa: false, inapp: false },
    skills: [],
    sms: { fromNumber: '', message: '', optOutText: DEFAULT_OPT_OUT_TEXT },
    wa: { fromNumber: '', templateName: '', variables: {} },
    inapp: { appIds: [], message: '' },
  }
}

/** A saved handoff as a draft: edit starts from the saved values. */
export function draftOf(handoff: Handoff): Draft {
  const draft = newDraft()
  const unit: LookbackUnit = handoff.lookbackMinutes % MINUTES_PER.days === 0 ? 'days' : handoff.lookbackMinutes % MINUTES_PER.hours === 0 ? 'hours' : 'minutes'
  const ordered = handoff.channels.filter((c): c is 'sms' | 'wa' => c === 'sms' || c === 'wa')
  return {
    ...draft,
    title: handoff.title,
    lookbackValue: String(handoff.lookbackMinutes / MINUTES_PER[unit]),
    lookbackUnit: unit,
    priority: [...ordered, ...draft.priority.filter((c) => !ordered.includes(c))],
    enabled: { sms: handoff.channels.includes('sms'), wa: handoff.channels.includes('wa'), inapp: handoff.channels.includes('inapp') },
    skills: [...handoff.skills],
    sms: handoff.sms ? { ...handoff.sms } : draft.sms,
    wa: handoff.wa ? { fromNumber: handoff.wa.fromNumber, templateName: handoff.wa.templateName, variables: { ...handoff.wa.variables } } : draft.wa,
    inapp: handoff.inapp ? { appIds: [...handoff.inapp.appIds], message: handoff.inapp.message } : draft.inapp,
  }
}

/** The chosen channels in priority order. */
export function channelsOf(draft: Draft): Channel[] {
  return draft.enabled.inapp ? ['inapp'] : draft.priority.filter((c) => draft.enabled[c])
}

/** The lookback in minutes, or null while what is typed is no whole number. */
export function lookbackMinutesOf(draft: Draft): number | null {
  const value = draft.lookbackValue.trim()
  if (!/^\d{1,6}$/.test(value)) return null
  return Number(value) * MINUTES_PER[draft.lookbackUnit]
}

/** `90 minutes`, `12 hours`, `1 day`. */
export function lookbackText(minutes: number): string {
  const [count, unit] = minutes % MINUTES_PER.days === 0 ? [minutes / MINUTES_PER.days, 'day'] : minutes % MINUTES_PER.hours === 0 ? [minutes / MINUTES_PER.hours, 'hour'] : [minutes, 'minute']
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}

/** The highest `{{n}}` of a template body: the variables it takes are 1 to n. */
export function templateParameterCount(body: string): number {
  return Math.max(0, ...[...body.matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((m) => Number(m[1])))
}

/** The template's body with the variables filled in; an empty one stays visible as its placeholder. */
export function fillTemplate(body: string, variables: Record<string, string>): string {
  return body.replace(/\{\{\s*(\d+)\s*\}\}/g, (placeholder, n: string) => (Object.hasOwn(variables, n) && variables[n] ? variables[n] : placeholder))
}

/** The SMS as a consumer receives it: the message, then the opt-out text on its own line. */
export const smsText = (sms: Draft['sms']) => `${sms.message}\n${sms.optOutText}`

/** What POST or PUT takes: only the blocks of the chosen channels, and the filled variables. */
export function bodyOf(draft: Draft, templates: readonly WaTemplate[]): HandoffBody {
  const channels = channelsOf(draft)
  const body: HandoffBody = { title: draft.title.trim(), lookbackMinutes: lookbackMinutesOf(draft) ?? 0, channels, skills: draft.skills }
  if (channels.includes('sms')) body.sms = { ...draft.sms }
  if (channels.includes('wa')) {
    const template = templates.find((t) => t.name === draft.wa.templateName)
    const count = template ? templateParameterCount(template.body) : 0
    const variables = Object.fromEntries(Object.entries(draft.wa.variables).filter(([n, value]) => Number(n) <= count && value !== ''))
    body.wa = { fromNumber: draft.wa.fromNumber, templateName: draft.wa.templateName, language: template?.language ?? '', variables }
  }
  if (channels.includes('inapp')) body.inapp = { ...draft.inapp }
  return body
}

// As the service's rule: letters (with their marks), digits, spaces, punctuation and symbols.
const TITLE_PATTERN = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]+$/u

export function titleError(title: string, taken: boolean): string | undefined {
  const trimmed = title.trim()
  if (!trimmed) return 'Enter a title.'
  if (trimmed.length > TITLE_MAX_LENGTH) return `At most ${TITLE_MAX_LENGTH} characters (this one has ${trimmed.length}).`
  if (/[<>]/.test(trimmed)) return 'A title cannot contain < or >.'
  if (!TITLE_PATTERN.test(trimmed)) return 'Use letters, digits, spaces, punctuation and symbols only (no tabs or line breaks).'
  if (taken) return 'Another handoff already has this title: titles are unique (ignoring case).'
  return undefined
}

/** The problems of one step's fields, by field name (the service's names for them). */
export function stepErrors(draft: Draft, step: Step, titleTaken: boolean): Record<string, string> {
  const errors: Record<string, string> = {}
  const put = (field: string, message: string | undefined) => {
    if (message) errors[field] = message
  }
  if (step === 'setup') {
    put('title', titleError(draft.title, titleTaken))
    const minutes = lookbackMinutesOf(draft)
    if (minutes === null) put('lookbackMinutes', 'Enter a whole number.')
    else if (minutes < LOOKBACK_MIN_MINUTES || minutes > LOOKBACK_MAX_MINUTES) put('lookbackMinutes', 'From 1 hour to 30 days.')
    if (channelsOf(draft).length === 0) put('channels', 'Choose at least one channel.')
  }
  if (step === 'compose') {
    const channels = channelsOf(draft)
    const text = (value: string, max: number, what: string) =>
      value.trim() === '' ? `Enter ${what}.` : value.length > max ? `At most ${max.toLocaleString('en-US')} characters (this one has ${value.length.toLocaleString('en-US')}).` : undefined
    if (channels.includes('sms')) {
      if (!draft.sms.fromNumber) put('sms.fromNumber', 'Choose the number to send from.')
      put('sms.message', text(draft.sms.message, MESSAGE_MAX_LENGTH, 'the message'))
      put('sms.optOutText', text(draft.sms.optOutText, OPT_OUT_TEXT_MAX_LENGTH, 'the opt-out text'))
    }
    if (channels.includes('wa')) {
      if (!draft.wa.fromNumber) put('wa.fromNumber', 'Choose the number to send from.')
      if (!draft.wa.templateName) put('wa.templateName', 'Choose an approved template.')
    }
    if (channels.includes('inapp')) {
      if (draft.inapp.appIds.length < 1 || draft.inapp.appIds.length > MAX_APPS) put('inapp.appIds', `Choose 1 to ${MAX_APPS} apps.`)
      put('inapp.message', text(draft.inapp.message, MESSAGE_MAX_LENGTH, 'the message'))
    }
  }
  return errors
}

/** The form's name for a field the service named: `skills.2` is the skills group, `wa.language` the template. */
export function formFieldOf(field: string): string {
  if (/^skills(\.|$)/.test(field)) return 'skills'
  if (/^channels(\.|$)/.test(field)) return 'channels'
  if (/^inapp\.appIds(\.|$)/.test(field) || field === 'inapp') return 'inapp.appIds'
  if (field === 'wa.language' || field === 'wa') return 'wa.templateName'
  if (field === 'sms') return 'sms.fromNumber'
  return field
}

/** The step that shows a field. */
export function stepOfField(field: string): Step {
  return /^(sms|wa|inapp)\./.test(field) ? 'compose' : 'setup'
}

/** The service's `fields` by the form's field names; the first message of a field wins. */
export function serverFieldErrors(error: unknown): Record<string, string> {
  return fieldErrorsOf(error, formFieldOf)
}
