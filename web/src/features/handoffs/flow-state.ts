import { type Draft, STEPS, type Step, stepErrors } from './handoff-draft.ts'

// Where the guided flow keeps its state outside the component, so the browser's Back, Forward and
// reload do not lose it: the step in the address (`?step=compose`), the unsaved draft in the tab's
// sessionStorage, one per handoff (the new one, or an edited one by its ID).

/** The step an address names; anything else is the first. */
export function stepOfParam(value: string | null): Step {
  return value === 'compose' || value === 'preview' ? value : 'setup'
}

/** The search of a step's address: the first step has none. */
export function searchOfStep(step: Step): string {
  return step === 'setup' ? '' : `?step=${step}`
}

/**
 * The step a draft may be shown on: the one asked for once every step before it passes its
 * checks, else the first step that does not (an old address, or Forward after an edit went back).
 * The title's uniqueness is the service's to say: it is not checked here.
 */
export function reachableStep(draft: Draft, requested: Step): Step {
  for (const { step } of STEPS) {
    if (step === requested || Object.keys(stepErrors(draft, step, false)).length > 0) return step
  }
  return requested
}

/** The sessionStorage key of a handoff's unsaved draft. */
export function draftKey(accountId: string, handoffId: string | undefined): string {
  return `c2m.handoff-draft.${accountId}.${handoffId ?? 'new'}`
}

/** A draft as compared and stored: keys in order, a variable emptied counts as none. */
function canonical(draft: Draft): string {
  const variables = Object.fromEntries(Object.entries(draft.wa.variables).filter(([, value]) => value !== ''))
  return JSON.stringify({ ...draft, wa: { ...draft.wa, variables } }, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value,
  )
}

/** Whether two drafts would save the same thing as typed: the draft has no unsaved change when it is the one the flow started from. */
export function sameDraft(a: Draft, b: Draft): boolean {
  return canonical(a) === canonical(b)
}

export function serializeDraft(draft: Draft): string {
  return canonical(draft)
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const isString = (value: unknown): value is string => typeof value === 'string'
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString)

/** A stored draft, or null when there is none or it is not one (written by another version of the page, or altered). */
export function parseStoredDraft(text: string | null): Draft | null {
  if (!text) return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!isObject(value)) return null
  const { title, lookbackValue, lookbackUnit, priority, enabled, skills, sms, wa, inapp } = value
  const valid =
    isString(title) &&
    isString(lookbackValue) &&
    (lookbackUnit === 'minutes' || lookbackUnit === 'hours' || lookbackUnit === 'days') &&
    isStrings(priority) &&
    priority.length === 2 &&
    priority.includes('sms') &&
    priority.includes('wa') &&
    isObject(enabled) &&
    ['sms', 'wa', 'inapp'].every((channel) => typeof enabled[channel] === 'boolean') &&
    isStrings(skills) &&
    isObject(sms) &&
    isString(sms.fromNumber) &&
    isString(sms.message) &&
    isString(sms.optOutText) &&
    isObject(wa) &&
    isString(wa.fromNumber) &&
    isString(wa.templateName) &&
    isObject(wa.variables) &&
    Object.values(wa.variables).every(isString) &&
    isObject(inapp) &&
    isStrings(inapp.appIds) &&
    isString(inapp.message)
  return valid ? (value as unknown as Draft) : null
}

/** The tab's sessionStorage, or undefined where the browser refuses it (storage off for the site). */
function session(): Storage | undefined {
  try {
    return window.sessionStorage
  } catch {
    return undefined
  }
}

export function loadDraft(key: string): Draft | null {
  try {
    return parseStoredDraft(session()?.getItem(key) ?? null)
  } catch {
    return null
  }
}

/** Keeps the draft for a reload; a full storage only loses that, never the page. */
export function storeDraft(key: string, draft: Draft): void {
  try {
    session()?.setItem(key, serializeDraft(draft))
  } catch {
    // Quota exceeded: the draft still lives in the page.
  }
}

export function forgetDraft(key: string): void {
  try {
    session()?.removeItem(key)
  } catch {
    // Nothing stored then.
  }
}
