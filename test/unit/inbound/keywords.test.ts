import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type KeywordRequest, classifyKeyword } from '../../../src/inbound/keywords.ts'

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
