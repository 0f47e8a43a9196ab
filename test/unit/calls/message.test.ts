import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { OutboundMessage } from '../../../src/channels/outbound-message.ts'
import { type InviteContent, MAX_TEMPLATE_PARAMETERS, fillPlaceholders, renderMessage, renderedMessageViolation, templateParameters } from '../../../src/calls/message.ts'
import type { Handoff } from '../../../src/handoffs/handoff.ts'

describe('fillPlaceholders', () => {
  const rows: Array<{ name: string; text: string; variables: Record<string, string>; expected: string }> = [
    { name: 'numbered placeholders', text: 'Hi {{1}}, your order {{2}}', variables: { '1': 'Jane', '2': 'A-17' }, expected: 'Hi Jane, your order A-17' },
    { name: 'spaces inside the braces', text: 'Hi {{ 1 }} and {{2 }}', variables: { '1': 'Jane', '2': 'Joe' }, expected: 'Hi Jane and Joe' },
    { name: 'a named placeholder', text: 'Dear {{first_name}}', variables: { first_name: 'Jane' }, expected: 'Dear Jane' },
    { name: 'the same placeholder twice', text: '{{1}}, {{1}}!', variables: { '1': 'Jane' }, expected: 'Jane, Jane!' },
    { name: 'a placeholder without a variable is empty', text: 'Hi {{1}}, order {{2}}', variables: { '1': 'Jane' }, expected: 'Hi Jane, order ' },
    { name: 'no variables at all', text: 'Hi {{1}}', variables: {}, expected: 'Hi ' },
    { name: 'unused variables change nothing', text: 'Hello', variables: { '1': 'Jane' }, expected: 'Hello' },
    { name: 'an empty text', text: '', variables: { '1': 'Jane' }, expected: '' },
    { name: 'an empty value', text: 'a{{1}}b', variables: { '1': '' }, expected: 'ab' },
    // Own properties only: the prototype's members are not variables.
    { name: '{{constructor}} is empty', text: 'x{{constructor}}y', variables: {}, expected: 'xy' },
    { name: '{{__proto__}} is empty', text: 'x{{__proto__}}y', variables: { '1': 'a' }, expected: 'xy' },
    { name: '{{toString}} is empty', text: 'x{{toString}}y', variables: {}, expected: 'xy' },
    { name: '{{hasOwnProperty}} and {{valueOf}} are empty', text: '{{hasOwnProperty}}|{{valueOf}}|{{isPrototypeOf}}', variables: {}, expected: '||' },
    { name: 'a variable the IVR did name constructor is used', text: 'x{{constructor}}y', variables: { constructor: 'C' }, expected: 'xCy' },
    { name: 'variables without a prototype', text: '{{1}}{{toString}}', variables: Object.assign(Object.create(null) as Record<string, string>, { '1': 'a' }), expected: 'a' },
    // What is not a placeholder stays as written.
    { name: 'single braces', text: '{1} and {{1} and {1}}', variables: { '1': 'x' }, expected: '{1} and {{1} and {1}}' },
    { name: 'empty braces', text: '{{}} {{ }}', variables: { '': 'x' }, expected: '{{}} {{ }}' },
    { name: 'a name with a hyphen or a dot', text: '{{first-name}} {{a.b}}', variables: { 'first-name': 'x', 'a.b': 'y' }, expected: '{{first-name}} {{a.b}}' },
    { name: 'triple braces keep the outer ones', text: '{{{1}}}', variables: { '1': 'x' }, expected: '{x}' },
    // Values are inserted as they are.
    { name: 'a value holding a placeholder is not filled again', text: 'A {{1}}', variables: { '1': '{{2}}', '2': 'x' }, expected: 'A {{2}}' },
    { name: 'replacement patterns in a value are literal', text: '{{1}}', variables: { '1': '$& $1 $$' }, expected: '$& $1 $$' },
    { name: 'non-ASCII values', text: 'Olá {{1}} 👋', variables: { '1': 'José' }, expected: 'Olá José 👋' },
  ]
  for (const row of rows) {
    test(row.name, () => assert.equal(fillPlaceholders(row.text, row.variables), row.expected))
  }
})

describe('templateParameters', () => {
  const rows: Array<{ name: string; handoff: Record<string, string>; call: Record<string, string>; count?: number; expected: string[] }> = [
    { name: 'the call overlays the handoff', handoff: { '1': 'Ana', '2': 'Seattle' }, call: { '2': 'A-17', '3': 'Gold' }, count: 3, expected: ['Ana', 'A-17', 'Gold'] },
    { name: 'exactly the template\'s count: extras dropped', handoff: { '1': 'Customer' }, call: { '2': 'A-17', '3': 'extra', '9': 'far' }, count: 2, expected: ['Customer', 'A-17'] },
    { name: 'missing values are empty', handoff: { '1': 'Ana' }, call: {}, count: 3, expected: ['Ana', '', ''] },
    { name: 'a template without placeholders', handoff: { '1': 'Ana' }, call: { '1': 'Jane' }, count: 0, expected: [] },
    { name: 'an empty call value still replaces the handoff\'s', handoff: { '1': 'Ana' }, call: { '1': '' }, count: 1, expected: [''] },
    { name: 'count unknown: up to the highest variable number', handoff: { '1': 'a' }, call: { '3': 'c' }, expected: ['a', '', 'c'] },
    { name: 'count unknown, no variables', handoff: {}, call: {}, expected: [] },
    { name: 'call keys that are not placeholder numbers are ignored', handoff: {}, call: { name: 'x', '0': 'zero', '01': 'lead', '1.0': 'dec', '-1': 'neg', ' 1': 'sp', '1e1': 'exp' }, expected: [] },
    { name: 'prototype names are ignored', handoff: {}, call: { constructor: 'x', toString: 'y' }, count: 1, expected: [''] },
    { name: 'count unknown: a huge number is not a template\'s', handoff: {}, call: { '99999999': 'x' }, expected: [] },
    { name: 'count unknown: beyond any template body, dropped; the rest kept', handoff: { '1': 'a' }, call: { [String(MAX_TEMPLATE_PARAMETERS + 1)]: 'x' }, expected: ['a'] },
    { name: 'count unknown: a number larger than a safe integer', handoff: {}, call: { '123456789012345678901234567890': 'x' }, expected: [] },
  ]
  for (const row of rows) {
    test(row.name, () => assert.deepEqual(templateParameters(row.handoff, row.call, row.count), row.expected))
  }

  test(`count unknown: the highest possible placeholder, ${MAX_TEMPLATE_PARAMETERS}, is kept`, () => {
    assert.equal(MAX_TEMPLATE_PARAMETERS, 204)
    const parameters = templateParameters({}, { [String(MAX_TEMPLATE_PARAMETERS)]: 'last' })
    assert.equal(parameters.length, MAX_TEMPLATE_PARAMETERS)
    assert.equal(parameters.at(-1), 'last')
    assert.ok(parameters.slice(0, -1).every((p) => p === ''))
  })
})

const HANDOFF: Handoff = {
  id: 'H000000000000001',
  title: 'T',
  lookbackMinutes: 120,
  channels: ['sms', 'wa'],
  skills: [],
  sms: { fromNumber: '+18005550101', message: 'Hi {{1}}, your order {{2}}', optOutText: 'Reply STOP to opt out' },
  wa: { fromNumber: '+18005550102', templateName: 'ivr_followup', language: 'en_US', variables: { '1': 'Ana', '2': 'Seattle' }, parameterCount: 3 },
  inapp: { appIds: ['com.acme.ios', 'com.acme.android'], message: 'Continue in the app, {{1}}.' },
  createdAt: '',
  updatedAt: '',
}

function content(overrides: Partial<InviteContent>): InviteContent {
  return { channel: 'sms', handoff: HANDOFF, consumerPhone: '+14259549855', consumerId: null, templateVariables: { '1': 'Jane', '2': 'A-17' }, skill: 'support', inappAppIds: [], ...overrides }
}

const BASE = { id: 'm-1', accountId: '4101', kind: 'invitation' as const, callId: 'c-1', skill: 'support', lookbackMinutes: 120 }

describe('renderMessage', () => {
  const rows: Array<{ name: string; content: InviteContent; expected: OutboundMessage }> = [
    {
      name: 'sms: the handoff\'s text filled, then the opt-out text on its own line',
      content: content({}),
      expected: { ...BASE, channel: 'sms', to: '+14259549855', from: '+18005550101', text: 'Hi Jane, your order A-17\nReply STOP to opt out' },
    },
    {
      name: 'sms: overrideMessage replaces the text and is filled too',
      content: content({ overrideMessage: 'Order {{2}} is ready, {{1}}. {{3}}' }),
      expected: { ...BASE, channel: 'sms', to: '+14259549855', from: '+18005550101', text: 'Order A-17 is ready, Jane. \nReply STOP to opt out' },
    },
    {
      name: 'sms: the skill given (an override) is the message\'s',
      content: content({ skill: 'sales', templateVariables: {} }),
      expected: { ...BASE, skill: 'sales', channel: 'sms', to: '+14259549855', from: '+18005550101', text: 'Hi , your order \nReply STOP to opt out' },
    },
    {
      name: 'wa: the template with its parameters; overrideMessage ignored',
      content: content({ channel: 'wa', templateVariables: { '2': 'A-17', '3': 'Gold' }, overrideMessage: 'ignored' }),
      expected: {
        ...BASE,
        channel: 'wa',
        to: '+14259549855',
        from: '+18005550102',
        text: '[template ivr_followup (en_US)] {{1}}=Ana {{2}}=A-17 {{3}}=Gold',
        wa: { templateName: 'ivr_followup', language: 'en_US', parameters: ['Ana', 'A-17', 'Gold'] },
      },
    },
    {
      name: 'inapp: the handoff\'s text as written, to the consumerId, on the apps with a device',
      content: content({ channel: 'inapp', consumerId: 'jane', inappAppIds: ['com.acme.ios'], overrideMessage: 'ignored' }),
      expected: { ...BASE, channel: 'inapp', to: 'jane', from: 'com.acme.ios', text: 'Continue in the app, {{1}}.', inapp: { appIds: ['com.acme.ios'] } },
    },
    {
      name: 'inapp: several apps',
      content: content({ channel: 'inapp', consumerId: 'jane', inappAppIds: ['com.acme.ios', 'com.acme.android'] }),
      expected: { ...BASE, channel: 'inapp', to: 'jane', from: 'com.acme.ios,com.acme.android', text: 'Continue in the app, {{1}}.', inapp: { appIds: ['com.acme.ios', 'com.acme.android'] } },
    },
  ]
  for (const row of rows) {
    test(row.name, () => assert.deepEqual(renderMessage('m-1', '4101', 'c-1', row.content), row.expected))
  }

  test('sms: {{constructor}}, {{__proto__}} and {{toString}} in the handoff\'s text render empty', () => {
    const handoff = { ...HANDOFF, sms: { ...HANDOFF.sms!, message: 'A{{constructor}}B{{__proto__}}C{{toString}}D' } }
    assert.equal(renderMessage('m-1', '4101', 'c-1', content({ handoff })).text, 'ABCD\nReply STOP to opt out')
  })
})

function sms(text: string): OutboundMessage {
  return { ...BASE, channel: 'sms', to: '+14259549855', from: '+18005550101', text }
}
function wa(parameters: string[]): OutboundMessage {
  return { ...BASE, channel: 'wa', to: '+14259549855', from: '+18005550102', text: 'preview', wa: { templateName: 't', language: 'en_US', parameters } }
}
function inapp(text: string): OutboundMessage {
  return { ...BASE, channel: 'inapp', to: 'jane', from: 'com.acme.ios', text, inapp: { appIds: ['com.acme.ios'] } }
}

describe('renderedMessageViolation', () => {
  const rows: Array<{ name: string; message: OutboundMessage; expected: string | undefined }> = [
    { name: 'sms: a short text', message: sms('Hi Jane\nReply STOP to opt out'), expected: undefined },
    { name: 'sms: exactly 1,600 characters', message: sms('x'.repeat(1600)), expected: undefined },
    { name: 'sms: 1,601 characters', message: sms('x'.repeat(1601)), expected: 'the rendered SMS is 1,601 characters, more than 1,600' },
    { name: 'sms: the opt-out text counts', message: sms(`${'x'.repeat(1590)}\nReply STOP to opt out`), expected: 'the rendered SMS is 1,612 characters, more than 1,600' },
    { name: 'sms: 1,600 emoji are 1,600 characters (code points, as the schemas count)', message: sms('👋'.repeat(1600)), expected: undefined },
    { name: 'sms: 1,601 emoji', message: sms('👋'.repeat(1601)), expected: 'the rendered SMS is 1,601 characters, more than 1,600' },
    { name: 'sms: hundreds of kilobytes', message: sms('x'.repeat(512_000)), expected: 'the rendered SMS is 512,000 characters, more than 1,600' },
    { name: 'wa: no parameters', message: wa([]), expected: undefined },
    { name: 'wa: parameters of 1,024 characters together', message: wa(['x'.repeat(1000), 'y'.repeat(24)]), expected: undefined },
    { name: 'wa: parameters of 1,025 characters together', message: wa(['x'.repeat(512), 'y'.repeat(513)]), expected: 'the rendered WhatsApp template parameters are 1,025 characters, more than the 1,024 of a template body' },
    { name: 'wa: one parameter of 1,025 characters', message: wa(['x'.repeat(1025)]), expected: 'the rendered WhatsApp template parameters are 1,025 characters, more than the 1,024 of a template body' },
    { name: 'wa: the preview text does not count, the parameters do', message: { ...wa(['a']), text: 'x'.repeat(5000) }, expected: undefined },
    { name: 'inapp: exactly 1,600 characters', message: inapp('x'.repeat(1600)), expected: undefined },
    { name: 'inapp: 1,601 characters', message: inapp('x'.repeat(1601)), expected: 'the rendered in-app message is 1,601 characters, more than 1,600' },
  ]
  for (const row of rows) {
    test(row.name, () => assert.equal(renderedMessageViolation(row.message), row.expected))
  }

  test('a 1,600-character handoff text of placeholders, filled with 1,600-character values, is refused whole', () => {
    const handoff = { ...HANDOFF, sms: { ...HANDOFF.sms!, message: '{{1}}'.repeat(320) } }
    const message = renderMessage('m-1', '4101', 'c-1', content({ handoff, templateVariables: { '1': 'v'.repeat(1600) } }))
    assert.equal(renderedMessageViolation(message), 'the rendered SMS is 512,022 characters, more than 1,600')
  })
})
