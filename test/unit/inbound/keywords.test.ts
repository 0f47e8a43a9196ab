import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DEFAULT_HELP_TEXT, type KeywordRequest, OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION, classifyKeyword, keywordAnswer } from '../../../src/inbound/keywords.ts'

// A message is a request only when it is exactly one keyword, in any case, with surrounding spaces.
describe('classifyKeyword', () => {
  const rows: Array<[string, KeywordRequest | null]> = [
    ['STOP', { kind: 'opt-out', keyword: 'STOP' }],
    ['stop', { kind: 'opt-out', keyword: 'STOP' }],
    ['Stop', { kind: 'opt-out', keyword: 'STOP' }],
    ['  stop \n', { kind: 'opt-out', keyword: 'STOP' }],
    ['\u00a0STOP\u00a0', { kind: 'opt-out', keyword: 'STOP' }],
    ['STOPALL', { kind: 'opt-out', keyword: 'STOPALL' }],
    ['unsubscribe', { kind: 'opt-out', keyword: 'UNSUBSCRIBE' }],
    ['Cancel', { kind: 'opt-out', keyword: 'CANCEL' }],
    ['END', { kind: 'opt-out', keyword: 'END' }],
    ['quit', { kind: 'opt-out', keyword: 'QUIT' }],
    ['REVOKE', { kind: 'opt-out', keyword: 'REVOKE' }],
    ['optout', { kind: 'opt-out', keyword: 'OPTOUT' }],
    ['START', { kind: 'opt-in', keyword: 'START' }],
    ['yes', { kind: 'opt-in', keyword: 'YES' }],
    ['Unstop', { kind: 'opt-in', keyword: 'UNSTOP' }],
    ['HELP', { kind: 'help', keyword: 'HELP' }],
    ['info', { kind: 'help', keyword: 'INFO' }],
    // Not exactly one keyword: an ordinary message.
    ['', null],
    ['   ', null],
    ['STOP please', null],
    ['please stop', null],
    ['stop.', null],
    ['STOP!', null],
    ['S T O P', null],
    ['OPT OUT', null],
    ['STOP\u200b', null],
    ['ＳＴＯＰ', null],
    ['STOPP', null],
    ['no', null],
    ['Hi, I need help with my order', null],
  ]
  for (const [text, expected] of rows) test(`${JSON.stringify(text)} → ${expected ? `${expected.kind} ${expected.keyword}` : 'a message'}`, () => assert.deepEqual(classifyKeyword(text), expected))
})

describe('keywordAnswer', () => {
  const rows: Array<[KeywordRequest['kind'], string]> = [
    ['opt-out', OPT_OUT_CONFIRMATION],
    ['opt-in', OPT_IN_CONFIRMATION],
    ['help', 'Acme: call 555-0100. Reply STOP to opt out.'],
  ]
  for (const [kind, expected] of rows) test(`${kind} is answered with ${JSON.stringify(expected.slice(0, 30))}…`, () => assert.equal(keywordAnswer(kind, 'Acme: call 555-0100. Reply STOP to opt out.'), expected))
  test('STOP and START answers say how to undo them', () => {
    assert.match(OPT_OUT_CONFIRMATION, /Reply START/)
    assert.match(OPT_IN_CONFIRMATION, /Reply STOP/)
    assert.match(DEFAULT_HELP_TEXT, /STOP/)
  })
})
