import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type HandoffInput, type HandoffReferences, NAMED_HANDOFFS_MAX, type RawHandoffInput, checkHandoff, nameHandoffs, titleKey } from '../../../src/handoffs/handoff.ts'
import type { FieldError } from '../../../src/shared/errors.ts'

const SMS_NUMBER = '+18005550101'
const WA_NUMBER = '+18005550102'

const REFS: HandoffReferences = {
  smsNumbers: new Set([SMS_NUMBER]),
  waNumbers: new Set([WA_NUMBER]),
  appIds: new Set(['app.one', 'app.two', 'app.three', 'app.four']),
  skills: new Set(['sales', 'support']),
  waTemplates: new Map([
    ['two_values', { status: 'APPROVED', language: 'en_US', parameterCount: 2 }],
    ['no_values', { status: 'APPROVED', language: 'es_MX', parameterCount: 0 }],
    ['imported', { status: 'APPROVED', language: 'en_US', parameterCount: undefined }],
    ['in_review', { status: 'PENDING', language: 'en_US', parameterCount: 1 }],
    ['paused', { status: 'PAUSED', language: 'en_US', parameterCount: 1 }],
    ['rejected', { status: 'REJECTED', language: 'en_US', parameterCount: 1 }],
  ] as const),
}

const SMS = { fromNumber: SMS_NUMBER, message: 'Hi, text us here.' }
const WA = { fromNumber: WA_NUMBER, templateName: 'two_values', language: 'en_US', variables: { '1': 'Ana' } }
const INAPP = { appIds: ['app.one'], message: 'Continue in the app.' }

function input(overrides: Partial<RawHandoffInput> = {}): RawHandoffInput {
  return { title: 'Support', lookbackMinutes: 120, channels: ['sms'], sms: SMS, ...overrides }
}

/** What the rule says: every error, or the handoff to store with its warnings. */
function verdict(raw: RawHandoffInput, refs: HandoffReferences = REFS): { errors: FieldError[] } | { handoff: HandoffInput; warnings: FieldError[] } {
  const result = checkHandoff(raw, refs)
  return result.ok ? { handoff: result.handoff, warnings: result.warnings } : { errors: result.errors }
}

const error = (field: string, message: string): FieldError => ({ field, message })
const LOOKBACK_RULE = 'must be a whole number of minutes from 60 (1 hour) to 43200 (30 days)'
const LETTERS_RULE = 'may contain only letters, digits, spaces, punctuation and symbols'

describe('checkHandoff: refusals', () => {
  const rows: Array<{ name: string; input: RawHandoffInput; refs?: HandoffReferences; errors: FieldError[] }> = [
    // Title
    { name: 'an empty title', input: input({ title: '' }), errors: [error('title', 'is required')] },
    { name: 'a title of spaces only', input: input({ title: '   ' }), errors: [error('title', 'is required')] },
    { name: 'a title of 101 characters', input: input({ title: 'x'.repeat(101) }), errors: [error('title', 'must be at most 100 characters')] },
    { name: 'a title with <', input: input({ title: 'Support <b>' }), errors: [error('title', 'must not contain < or >')] },
    { name: 'a title with >', input: input({ title: 'a > b' }), errors: [error('title', 'must not contain < or >')] },
    { name: 'a title of 101 characters with < → only the length is reported', input: input({ title: '<'.repeat(101) }), errors: [error('title', 'must be at most 100 characters')] },
    { name: 'a tab inside a title', input: input({ title: 'Sup\tport' }), errors: [error('title', LETTERS_RULE)] },
    { name: 'a line break inside a title', input: input({ title: 'Sup\nport' }), errors: [error('title', LETTERS_RULE)] },
    { name: 'a NUL inside a title', input: input({ title: 'Sup\u0000port' }), errors: [error('title', LETTERS_RULE)] },
    // Lookback
    { name: 'a lookback of 59 minutes', input: input({ lookbackMinutes: 59 }), errors: [error('lookbackMinutes', LOOKBACK_RULE)] },
    { name: 'a lookback of 0', input: input({ lookbackMinutes: 0 }), errors: [error('lookbackMinutes', LOOKBACK_RULE)] },
    { name: 'a negative lookback', input: input({ lookbackMinutes: -60 }), errors: [error('lookbackMinutes', LOOKBACK_RULE)] },
    { name: 'a lookback of 30 days and a minute', input: input({ lookbackMinutes: 43_201 }), errors: [error('lookbackMinutes', LOOKBACK_RULE)] },
    { name: 'a fractional lookback', input: input({ lookbackMinutes: 60.5 }), errors: [error('lookbackMinutes', LOOKBACK_RULE)] },
    { name: 'a lookback that is not a number', input: input({ lookbackMinutes: Number.NaN }), errors: [error('lookbackMinutes', LOOKBACK_RULE)] },
    { name: 'an infinite lookback', input: input({ lookbackMinutes: Number.POSITIVE_INFINITY }), errors: [error('lookbackMinutes', LOOKBACK_RULE)] },
    // Channels
    { name: 'no channel', input: input({ channels: [] }), errors: [error('channels', 'at least one channel is required')] },
    { name: 'a channel listed twice', input: input({ channels: ['sms', 'sms'] }), errors: [error('channels', 'a channel may be listed once')] },
    { name: 'inapp with sms', input: input({ channels: ['inapp', 'sms'], inapp: INAPP }), errors: [error('channels', 'inapp cannot be combined with sms or wa')] },
    { name: 'wa with inapp', input: input({ channels: ['wa', 'inapp'], sms: undefined, wa: WA, inapp: INAPP }), errors: [error('channels', 'inapp cannot be combined with sms or wa')] },
    // Skills
    { name: 'a skill the brand does not have', input: input({ skills: ['support', 'billing'] }), errors: [error('skills.1', 'billing is not a skill of this brand')] },
    { name: 'a skill listed twice', input: input({ skills: ['sales', 'support', 'sales'] }), errors: [error('skills.2', 'sales is listed twice')] },
    { name: 'skills are case-sensitive', input: input({ skills: ['Sales'] }), errors: [error('skills.0', 'Sales is not a skill of this brand')] },
    // SMS
    { name: 'sms without its block', input: input({ sms: undefined }), errors: [error('sms', 'is required when sms is a channel')] },
    { name: 'an sms number the brand did not register', input: input({ sms: { ...SMS, fromNumber: WA_NUMBER } }), errors: [error('sms.fromNumber', 'must be a registered sms number of this brand')] },
    { name: 'an sms block without a message', input: input({ sms: { fromNumber: SMS_NUMBER } }), errors: [error('sms.message', 'is required when sms is a channel')] },
    { name: 'an sms message of spaces', input: input({ sms: { ...SMS, message: ' \n ' } }), errors: [error('sms.message', 'is required when sms is a channel')] },
    { name: 'an sms message of 1,601 characters', input: input({ sms: { ...SMS, message: 'x'.repeat(1601) } }), errors: [error('sms.message', 'must be at most 1600 characters')] },
    { name: 'an empty opt-out text', input: input({ sms: { ...SMS, optOutText: '' } }), errors: [error('sms.optOutText', 'must be 1 to 160 characters')] },
    { name: 'an opt-out text of spaces', input: input({ sms: { ...SMS, optOutText: '   ' } }), errors: [error('sms.optOutText', 'must be 1 to 160 characters')] },
    { name: 'an opt-out text of 161 characters', input: input({ sms: { ...SMS, optOutText: 'x'.repeat(161) } }), errors: [error('sms.optOutText', 'must be 1 to 160 characters')] },
    // WhatsApp
    { name: 'wa without its block', input: input({ channels: ['wa'], sms: undefined }), errors: [error('wa', 'is required when wa is a channel')] },
    { name: 'a wa number the brand did not register', input: input({ channels: ['wa'], wa: { ...WA, fromNumber: SMS_NUMBER } }), errors: [error('wa.fromNumber', 'must be a registered wa number of this brand')] },
    { name: 'a wa block without a template', input: input({ channels: ['wa'], wa: { fromNumber: WA_NUMBER } }), errors: [error('wa.templateName', 'is required when wa is a channel')] },
    { name: 'a template the brand does not have', input: input({ channels: ['wa'], wa: { ...WA, templateName: 'nope' } }), errors: [error('wa.templateName', 'nope is not a WhatsApp template of this brand')] },
    { name: 'a template in review', input: input({ channels: ['wa'], wa: { ...WA, templateName: 'in_review', variables: {} } }), errors: [error('wa.templateName', 'in_review is PENDING: only a template approved by WhatsApp can be sent')] },
    { name: 'a rejected template', input: input({ channels: ['wa'], wa: { ...WA, templateName: 'rejected', variables: {} } }), errors: [error('wa.templateName', 'rejected is REJECTED: only a template approved by WhatsApp can be sent')] },
    { name: 'a paused template that is not the handoff\'s already', input: input({ channels: ['wa'], wa: { ...WA, templateName: 'paused', variables: {} } }), errors: [error('wa.templateName', 'paused is PAUSED: only a template approved by WhatsApp can be sent')] },
    { name: 'a language that is not the template\'s', input: input({ channels: ['wa'], wa: { ...WA, language: 'es_MX' } }), errors: [error('wa.language', 'template two_values is in en_US')] },
    { name: 'a variable beyond the template\'s placeholders', input: input({ channels: ['wa'], wa: { ...WA, variables: { '1': 'a', '3': 'c' } } }), errors: [error('wa.variables.3', 'template two_values has placeholders {{1}} to {{2}} only')] },
    { name: 'a variable for a template without placeholders', input: input({ channels: ['wa'], wa: { ...WA, templateName: 'no_values', language: undefined, variables: { '1': 'a' } } }), errors: [error('wa.variables.1', 'template no_values has no placeholders')] },
    // In-app
    { name: 'inapp without its block', input: input({ channels: ['inapp'], sms: undefined }), errors: [error('inapp', 'is required when inapp is a channel')] },
    { name: 'no app', input: input({ channels: ['inapp'], inapp: { ...INAPP, appIds: [] } }), errors: [error('inapp.appIds', 'must name 1 to 3 apps')] },
    { name: 'four apps', input: input({ channels: ['inapp'], inapp: { ...INAPP, appIds: ['app.one', 'app.two', 'app.three', 'app.four'] } }), errors: [error('inapp.appIds', 'must name 1 to 3 apps')] },
    { name: 'an app listed twice', input: input({ channels: ['inapp'], inapp: { ...INAPP, appIds: ['app.one', 'app.one'] } }), errors: [error('inapp.appIds', 'an app may be listed once')] },
    { name: 'an app the brand did not register', input: input({ channels: ['inapp'], inapp: { ...INAPP, appIds: ['app.one', 'app.nope'] } }), errors: [error('inapp.appIds.1', 'app.nope is not a registered app of this brand')] },
    { name: 'an in-app block without a message', input: input({ channels: ['inapp'], inapp: { appIds: ['app.one'] } }), errors: [error('inapp.message', 'is required when inapp is a channel')] },
    { name: 'an in-app message of 1,601 characters', input: input({ channels: ['inapp'], inapp: { ...INAPP, message: 'x'.repeat(1601) } }), errors: [error('inapp.message', 'must be at most 1600 characters')] },
    // Every error at once, in field order.
    {
      name: 'every broken rule is reported, not only the first',
      input: { title: '', lookbackMinutes: 30, channels: ['sms', 'wa'], skills: ['nope'], sms: { fromNumber: WA_NUMBER, message: '' }, wa: { fromNumber: SMS_NUMBER, templateName: 'nope' } },
      errors: [
        error('title', 'is required'),
        error('lookbackMinutes', LOOKBACK_RULE),
        error('skills.0', 'nope is not a skill of this brand'),
        error('sms.fromNumber', 'must be a registered sms number of this brand'),
        error('sms.message', 'is required when sms is a channel'),
        error('wa.fromNumber', 'must be a registered wa number of this brand'),
        error('wa.templateName', 'nope is not a WhatsApp template of this brand'),
      ],
    },
  ]
  for (const row of rows) {
    test(row.name, () => assert.deepEqual(verdict(row.input, row.refs), { errors: row.errors }))
  }
})

describe('checkHandoff: accepted', () => {
  const smsWarning = (length: number) => error('sms.message', `is ${length} characters; up to 140 is recommended so it arrives as one message`)
  const rows: Array<{ name: string; input: RawHandoffInput; refs?: HandoffReferences; handoff: HandoffInput; warnings?: FieldError[] }> = [
    {
      name: 'an sms handoff gets the default opt-out text',
      input: input(),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { ...SMS, optOutText: 'Reply STOP to opt out' } },
    },
    { name: 'the title is trimmed', input: input({ title: '  Support  ' }), handoff: { title: 'Support', lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { ...SMS, optOutText: 'Reply STOP to opt out' } } },
    { name: 'a title of exactly 100 characters', input: input({ title: 'x'.repeat(100) }), handoff: { title: 'x'.repeat(100), lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { ...SMS, optOutText: 'Reply STOP to opt out' } } },
    {
      name: 'a title of 100 characters plus surrounding spaces',
      input: input({ title: ` ${'x'.repeat(100)} ` }),
      handoff: { title: 'x'.repeat(100), lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { ...SMS, optOutText: 'Reply STOP to opt out' } },
    },
    {
      name: 'a title with accents, dashes, symbols and emoji',
      input: input({ title: 'Café – 10% off € “now” 🎉' }),
      handoff: { title: 'Café – 10% off € “now” 🎉', lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { ...SMS, optOutText: 'Reply STOP to opt out' } },
    },
    { name: 'a lookback of exactly 1 hour', input: input({ lookbackMinutes: 60 }), handoff: { title: 'Support', lookbackMinutes: 60, channels: ['sms'], skills: [], sms: { ...SMS, optOutText: 'Reply STOP to opt out' } } },
    { name: 'a lookback of exactly 30 days', input: input({ lookbackMinutes: 43_200 }), handoff: { title: 'Support', lookbackMinutes: 43_200, channels: ['sms'], skills: [], sms: { ...SMS, optOutText: 'Reply STOP to opt out' } } },
    { name: 'skills of the brand', input: input({ skills: ['support', 'sales'] }), handoff: { title: 'Support', lookbackMinutes: 120, channels: ['sms'], skills: ['support', 'sales'], sms: { ...SMS, optOutText: 'Reply STOP to opt out' } } },
    {
      name: 'an sms message of 140 characters: no warning',
      input: input({ sms: { ...SMS, message: 'x'.repeat(140) } }),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { fromNumber: SMS_NUMBER, message: 'x'.repeat(140), optOutText: 'Reply STOP to opt out' } },
    },
    {
      name: 'an sms message of 141 characters: a warning',
      input: input({ sms: { ...SMS, message: 'x'.repeat(141) } }),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { fromNumber: SMS_NUMBER, message: 'x'.repeat(141), optOutText: 'Reply STOP to opt out' } },
      warnings: [smsWarning(141)],
    },
    {
      name: 'an sms message of 1,600 characters: a warning',
      input: input({ sms: { ...SMS, message: 'x'.repeat(1600) } }),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { fromNumber: SMS_NUMBER, message: 'x'.repeat(1600), optOutText: 'Reply STOP to opt out' } },
      warnings: [smsWarning(1600)],
    },
    {
      name: 'an opt-out text of 160 characters',
      input: input({ sms: { ...SMS, optOutText: 'x'.repeat(160) } }),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { ...SMS, optOutText: 'x'.repeat(160) } },
    },
    {
      name: 'blocks of channels not chosen are dropped',
      input: input({ wa: WA, inapp: INAPP }),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['sms'], skills: [], sms: { ...SMS, optOutText: 'Reply STOP to opt out' } },
    },
    {
      name: 'wa: the template\'s placeholder count is copied',
      input: input({ channels: ['wa', 'sms'], wa: WA }),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['wa', 'sms'], skills: [], sms: { ...SMS, optOutText: 'Reply STOP to opt out' }, wa: { ...WA, parameterCount: 2 } },
    },
    {
      name: 'wa: without a language, the template\'s',
      input: input({ channels: ['wa'], wa: { fromNumber: WA_NUMBER, templateName: 'no_values' } }),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['wa'], skills: [], wa: { fromNumber: WA_NUMBER, templateName: 'no_values', language: 'es_MX', variables: {}, parameterCount: 0 } },
    },
    {
      name: 'wa: a template of unknown text takes any variables and has no count',
      input: input({ channels: ['wa'], wa: { ...WA, templateName: 'imported', variables: { '7': 'g' } } }),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['wa'], skills: [], wa: { fromNumber: WA_NUMBER, templateName: 'imported', language: 'en_US', variables: { '7': 'g' } } },
    },
    {
      name: 'wa: the handoff\'s own template, paused by Meta since, does not block other edits',
      input: input({ title: 'Renamed', channels: ['wa'], wa: { ...WA, templateName: 'paused', variables: {} } }),
      refs: { ...REFS, currentTemplate: 'paused' },
      handoff: { title: 'Renamed', lookbackMinutes: 120, channels: ['wa'], skills: [], wa: { fromNumber: WA_NUMBER, templateName: 'paused', language: 'en_US', variables: {}, parameterCount: 1 } },
      warnings: [error('wa.templateName', 'paused is PAUSED: WhatsApp is not offered until Meta approves it again')],
    },
    {
      name: 'inapp: one to three registered apps',
      input: input({ channels: ['inapp'], sms: undefined, inapp: { appIds: ['app.one', 'app.two', 'app.three'], message: 'x'.repeat(1600) } }),
      handoff: { title: 'Support', lookbackMinutes: 120, channels: ['inapp'], skills: [], inapp: { appIds: ['app.one', 'app.two', 'app.three'], message: 'x'.repeat(1600) } },
    },
  ]
  for (const row of rows) {
    test(row.name, () => assert.deepEqual(verdict(row.input, row.refs), { handoff: row.handoff, warnings: row.warnings ?? [] }))
  }
})

describe('titleKey', () => {
  const rows: Array<[string, string]> = [
    ['Support', 'support'],
    ['  SUPPORT  ', 'support'],
    ['Café', 'café'],
    ['İstanbul', 'i̇stanbul'],
  ]
  for (const [title, key] of rows) test(`${JSON.stringify(title)} → ${JSON.stringify(key)}`, () => assert.equal(titleKey(title), key))
})

describe('nameHandoffs: a refusal names the first handoffs, then counts the rest', () => {
  const cases: Array<[string[], number | undefined, string]> = [
    [[], undefined, ''],
    [['H1'], undefined, 'H1'],
    [['H1', 'H2', 'H3', 'H4', 'H5'], undefined, 'H1, H2, H3, H4, H5'],
    [['H1', 'H2', 'H3', 'H4', 'H5', 'H6'], undefined, 'H1, H2, H3, H4, H5 and 1 more'],
    [Array.from({ length: 10_000 }, (_, i) => `H${i}`), undefined, 'H0, H1, H2, H3, H4 and 9995 more'],
    [['H1', 'H2', 'H3'], 2, 'H1, H2 and 1 more'],
  ]
  for (const [handoffs, max, named] of cases) {
    test(`${handoffs.length} handoff(s), at most ${max ?? NAMED_HANDOFFS_MAX} named → ${named.slice(0, 40) || '(none)'}`, () => assert.equal(nameHandoffs(handoffs, max), named))
  }
})
