import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Draft, type Step, newDraft } from '../../../web/src/features/handoffs/handoff-draft.ts'
import { parseStoredDraft, reachableStep, sameDraft, searchOfStep, serializeDraft, stepOfParam } from '../../../web/src/features/handoffs/flow-state.ts'

// The guided flow's state outside the page: the step in the address, the unsaved draft in the
// tab's sessionStorage, and which step a draft may be shown on.

const setupDone: Draft = { ...newDraft(), title: 'Billing', enabled: { sms: true, wa: false, inapp: false } }
const composed: Draft = { ...setupDone, sms: { fromNumber: '+18005550100', message: 'Hi', optOutText: 'Reply STOP to opt out' } }

describe('the step in the address', () => {
  test('each step has its address, and back', () => {
    for (const step of ['setup', 'compose', 'preview'] as Step[]) assert.equal(stepOfParam(new URLSearchParams(searchOfStep(step)).get('step')), step)
    assert.equal(searchOfStep('setup'), '')
  })
  test('an unknown or missing step is the first', () => {
    for (const value of [null, '', 'PREVIEW', 'save', '2']) assert.equal(stepOfParam(value), 'setup')
  })
})

describe('reachableStep: the step a draft may be shown on', () => {
  const rows: Array<{ name: string; draft: Draft; requested: Step; step: Step }> = [
    { name: 'an empty draft, asked for the preview', draft: newDraft(), requested: 'preview', step: 'setup' },
    { name: 'an empty draft, asked for the message', draft: newDraft(), requested: 'compose', step: 'setup' },
    { name: 'the first step is always reachable', draft: newDraft(), requested: 'setup', step: 'setup' },
    { name: 'a set-up draft, asked for the message', draft: setupDone, requested: 'compose', step: 'compose' },
    { name: 'a set-up draft without a message, asked for the preview', draft: setupDone, requested: 'preview', step: 'compose' },
    { name: 'a complete draft, asked for the preview', draft: composed, requested: 'preview', step: 'preview' },
    { name: 'a complete draft whose title was emptied', draft: { ...composed, title: ' ' }, requested: 'preview', step: 'setup' },
  ]
  for (const { name, draft, requested, step } of rows) test(name, () => assert.equal(reachableStep(draft, requested), step))
})

describe('sameDraft: whether there are unsaved changes', () => {
  test('a new draft is the same as another new one', () => assert.equal(sameDraft(newDraft(), newDraft()), true))
  test('a typed title is a change', () => assert.equal(sameDraft(newDraft(), { ...newDraft(), title: 'x' }), false))
  test('the order the variables were typed in is no change', () => {
    const a = { ...composed, wa: { ...composed.wa, variables: { '1': 'a', '2': 'b' } } }
    const b = { ...composed, wa: { ...composed.wa, variables: { '2': 'b', '1': 'a' } } }
    assert.equal(sameDraft(a, b), true)
  })
  test('a variable typed then emptied is no change', () => {
    assert.equal(sameDraft(composed, { ...composed, wa: { ...composed.wa, variables: { '1': '' } } }), true)
  })
  test('the channels in another order are a change', () => assert.equal(sameDraft(composed, { ...composed, priority: ['wa', 'sms'] }), false))
})

describe('parseStoredDraft: a draft read back from sessionStorage', () => {
  test('what was stored comes back', () => assert.deepEqual(parseStoredDraft(serializeDraft(composed)), composed))
  const refused: Array<[string, string | null]> = [
    ['nothing stored', null],
    ['not JSON', '{"title":'],
    ['not an object', '["title"]'],
    ['a field missing', JSON.stringify({ ...composed, inapp: undefined })],
    ['a field of another type', JSON.stringify({ ...composed, skills: 'sales' })],
    ['an unknown unit', JSON.stringify({ ...composed, lookbackUnit: 'weeks' })],
    ['a priority without WhatsApp', JSON.stringify({ ...composed, priority: ['sms', 'sms'] })],
    ['a channel switch that is no boolean', JSON.stringify({ ...composed, enabled: { sms: 'yes', wa: false, inapp: false } })],
    ['a variable that is no text', JSON.stringify({ ...composed, wa: { ...composed.wa, variables: { '1': 2 } } })],
  ]
  for (const [name, text] of refused) test(`refused: ${name}`, () => assert.equal(parseStoredDraft(text), null))
})
