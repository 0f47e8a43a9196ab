import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { FieldError } from '../../../src/shared/errors.ts'
import {
  type WaTemplateInput,
  type WaTemplateStatus,
  checkTemplate,
  checkTemplateName,
  isEditable,
  knownParameterCount,
  placeholderCount,
  placeholderNumbers,
} from '../../../src/whatsapp-templates/template.ts'

const WA_NUMBER = '+18005550102'
const REFS = { waNumbers: new Set([WA_NUMBER]) }

/** A valid template with some fields changed; `examples: undefined` leaves them out, as a request would. */
function input(overrides: Partial<WaTemplateInput> = {}): WaTemplateInput {
  const template: WaTemplateInput = { category: 'UTILITY', language: 'en_US', wabaId: '102290129340398', phoneNumber: WA_NUMBER, body: 'Hi {{1}}, your order {{2}} is ready.', examples: ['Jane', 'A-17'], ...overrides }
  if (template.examples === undefined) delete template.examples
  return template
}

function verdict(raw: WaTemplateInput): { errors: FieldError[] } | { template: WaTemplateInput; warnings: FieldError[] } {
  const result = checkTemplate(raw, REFS)
  return result.ok ? { template: result.template, warnings: result.warnings } : { errors: result.errors }
}

const error = (field: string, message: string): FieldError => ({ field, message })
const EDGE_WARNING = error('body', 'WhatsApp usually rejects a template that starts or ends with a placeholder')

describe('checkTemplate: refusals', () => {
  const rows: Array<{ name: string; input: WaTemplateInput; errors: FieldError[] }> = [
    { name: 'a language WhatsApp does not support', input: input({ language: 'xx' }), errors: [error('language', 'xx is not a template language WhatsApp supports (e.g. en, en_US, es_MX, pt_BR)')] },
    { name: 'a language in the wrong case', input: input({ language: 'en_us' }), errors: [error('language', 'en_us is not a template language WhatsApp supports (e.g. en, en_US, es_MX, pt_BR)')] },
    { name: 'a language with a hyphen', input: input({ language: 'en-US' }), errors: [error('language', 'en-US is not a template language WhatsApp supports (e.g. en, en_US, es_MX, pt_BR)')] },
    { name: 'a WABA id with letters', input: input({ wabaId: 'waba1' }), errors: [error('wabaId', 'must be a WhatsApp Business Account id (digits)')] },
    { name: 'an empty WABA id', input: input({ wabaId: '' }), errors: [error('wabaId', 'must be a WhatsApp Business Account id (digits)')] },
    { name: 'a WABA id of 33 digits', input: input({ wabaId: '1'.repeat(33) }), errors: [error('wabaId', 'must be a WhatsApp Business Account id (digits)')] },
    { name: 'a number the brand did not register for wa', input: input({ phoneNumber: '+18005550101' }), errors: [error('phoneNumber', 'must be a registered wa number of this brand')] },
    { name: 'an empty body', input: input({ body: '', examples: undefined }), errors: [error('body', 'is required')] },
    { name: 'a body of spaces', input: input({ body: '  \n ', examples: undefined }), errors: [error('body', 'is required')] },
    { name: 'a body of 1,025 characters', input: input({ body: 'x'.repeat(1025), examples: undefined }), errors: [error('body', 'must be at most 1024 characters')] },
    { name: 'a named placeholder', input: input({ body: 'Hi {{name}}.', examples: undefined }), errors: [error('body', 'placeholders are written {{1}}, {{2}}, …: {{name}} is not one')] },
    { name: 'a placeholder with spaces', input: input({ body: 'Hi {{ 1 }}.', examples: undefined }), errors: [error('body', 'placeholders are written {{1}}, {{2}}, …: {{ 1 }} is not one')] },
    { name: 'placeholder zero and a leading zero', input: input({ body: 'A {{0}} B {{01}} C', examples: undefined }), errors: [error('body', 'placeholders are written {{1}}, {{2}}, …: {{0}}, {{01}} is not one')] },
    { name: 'an empty placeholder', input: input({ body: 'A {{}} B', examples: undefined }), errors: [error('body', 'placeholders are written {{1}}, {{2}}, …: {{}} is not one')] },
    { name: 'a gap in the numbering', input: input({ body: 'A {{1}} B {{3}} C', examples: undefined }), errors: [error('body', 'placeholders must be numbered {{1}} to {{3}} without gaps: {{2}} missing')] },
    { name: 'numbering that does not start at 1', input: input({ body: 'A {{2}} B {{3}} C', examples: undefined }), errors: [error('body', 'placeholders must be numbered {{1}} to {{3}} without gaps: {{1}} missing')] },
    { name: 'too few examples', input: input({ examples: ['Jane'] }), errors: [error('examples', 'must give 2 sample values, one per placeholder')] },
    { name: 'too many examples for one placeholder', input: input({ body: 'Hi {{1}}.', examples: ['a', 'b'] }), errors: [error('examples', 'must give 1 sample value, one per placeholder')] },
    { name: 'examples for a body without placeholders', input: input({ body: 'Hello.', examples: ['a'] }), errors: [error('examples', 'must give 0 sample values, one per placeholder')] },
    { name: 'an empty example', input: input({ examples: ['Jane', ' '] }), errors: [error('examples.1', 'must not be empty')] },
    {
      name: 'every broken rule at once',
      input: { category: 'UTILITY', language: 'zz', wabaId: 'x', phoneNumber: '+1', body: 'x'.repeat(1025) },
      errors: [
        error('language', 'zz is not a template language WhatsApp supports (e.g. en, en_US, es_MX, pt_BR)'),
        error('wabaId', 'must be a WhatsApp Business Account id (digits)'),
        error('phoneNumber', 'must be a registered wa number of this brand'),
        error('body', 'must be at most 1024 characters'),
      ],
    },
  ]
  for (const row of rows) {
    test(row.name, () => assert.deepEqual(verdict(row.input), { errors: row.errors }))
  }
})

describe('checkTemplate: accepted', () => {
  const rows: Array<{ name: string; input: WaTemplateInput; template?: WaTemplateInput; warnings?: FieldError[] }> = [
    { name: 'two placeholders with their examples', input: input() },
    { name: 'a body of exactly 1,024 characters', input: input({ body: 'x'.repeat(1024), examples: undefined }) },
    { name: 'no examples given: they are not required', input: input({ examples: undefined }) },
    { name: 'a placeholder used twice counts once', input: input({ body: 'Hi {{1}}, yes {{1}}, order {{2}}.' }) },
    { name: 'placeholders in any order', input: input({ body: 'Order {{2}} for {{1}} is ready.' }) },
    { name: 'a body without placeholders and no examples', input: input({ body: 'Your order is ready.', examples: [] }) },
    { name: 'single braces are text', input: input({ body: 'Use {code} or {{1}} here.', examples: ['x'] }) },
    { name: 'a language without a region', input: input({ language: 'en' }) },
    { name: 'a WABA id of 32 digits', input: input({ wabaId: '9'.repeat(32) }) },
    { name: 'starting with a placeholder: saved, with a warning', input: input({ body: '{{1}}, your order {{2}} is ready.' }), warnings: [EDGE_WARNING] },
    { name: 'ending with a placeholder: saved, with a warning', input: input({ body: 'Hi {{1}}, your order is {{2}}' }), warnings: [EDGE_WARNING] },
    { name: 'ending with a placeholder and spaces', input: input({ body: 'Hi {{1}}, your order is {{2}}  \n' }), warnings: [EDGE_WARNING] },
    {
      name: 'only the fields of a template are kept',
      input: { ...input(), extra: 'dropped' } as WaTemplateInput,
      template: input(),
    },
  ]
  for (const row of rows) {
    test(row.name, () => assert.deepEqual(verdict(row.input), { template: row.template ?? row.input, warnings: row.warnings ?? [] }))
  }
})

describe('placeholderNumbers and placeholderCount', () => {
  const rows: Array<{ body: string; numbers: number[]; count: number }> = [
    { body: 'Hi {{1}}, order {{2}}', numbers: [1, 2], count: 2 },
    { body: '{{2}} {{1}} {{2}}', numbers: [2, 1, 2], count: 2 },
    { body: 'no placeholders', numbers: [], count: 0 },
    { body: '', numbers: [], count: 0 },
    { body: '{{0}} {{01}} {{ 1 }} {{x}}', numbers: [], count: 0 },
    { body: 'A {{12}} B', numbers: [12], count: 12 },
    { body: '{{{1}}}', numbers: [1], count: 1 },
  ]
  for (const row of rows) {
    test(JSON.stringify(row.body), () => {
      assert.deepEqual(placeholderNumbers(row.body), row.numbers)
      assert.equal(placeholderCount(row.body), row.count)
    })
  }
})

describe('knownParameterCount', () => {
  const rows: Array<[string, number | undefined]> = [
    ['', undefined],
    ['Hello.', 0],
    ['Hi {{1}} and {{3}}', 3],
  ]
  for (const [body, count] of rows) test(`${JSON.stringify(body)} → ${count}`, () => assert.equal(knownParameterCount({ body }), count))
})

describe('checkTemplateName', () => {
  const rows: Array<[string, string | undefined]> = [
    ['order_update', undefined],
    ['a', undefined],
    ['x'.repeat(512), undefined],
    ['v2_notice_3', undefined],
    ['', 'is required'],
    ['x'.repeat(513), 'must be at most 512 characters'],
    ['Order_update', 'may contain only lower-case letters, digits and underscores (no spaces, no capital letters)'],
    ['order update', 'may contain only lower-case letters, digits and underscores (no spaces, no capital letters)'],
    ['order-update', 'may contain only lower-case letters, digits and underscores (no spaces, no capital letters)'],
    ['café', 'may contain only lower-case letters, digits and underscores (no spaces, no capital letters)'],
  ]
  for (const [name, message] of rows) test(`${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name)} → ${message ?? 'valid'}`, () => assert.equal(checkTemplateName(name), message))
})

describe('isEditable', () => {
  const rows: Array<[WaTemplateStatus, boolean]> = [
    ['DRAFT', true],
    ['REJECTED', true],
    ['PENDING', false],
    ['APPROVED', false],
    ['PAUSED', false],
    ['DISABLED', false],
  ]
  for (const [status, editable] of rows) test(`${status} → ${editable}`, () => assert.equal(isEditable(status), editable))
})
