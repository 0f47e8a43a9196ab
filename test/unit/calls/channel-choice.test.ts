import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type InviteChannelChoice, type InviteChannelFacts, chooseInviteChannel, normalizeChannel } from '../../../src/calls/channel-choice.ts'
import type { Channel } from '../../../src/shared/channel.ts'

describe('normalizeChannel', () => {
  const rows: Array<[string, Channel | undefined]> = [
    ['sms', 'sms'],
    ['wa', 'wa'],
    ['inapp', 'inapp'],
    ['twilio', 'sms'],
    ['Twilio', 'sms'],
    [' TWILIO ', 'sms'],
    ['SMS', 'sms'],
    ['\tWa\n', 'wa'],
    ['InApp', 'inapp'],
    ['', undefined],
    ['   ', undefined],
    ['whatsapp', undefined],
    ['email', undefined],
    ['s ms', undefined],
    ['sms,wa', undefined],
    ['constructor', undefined],
  ]
  for (const [name, expected] of rows) {
    test(`${JSON.stringify(name)} → ${expected ?? 'no channel'}`, () => assert.equal(normalizeChannel(name), expected))
  }
})

describe('chooseInviteChannel', () => {
  const rows: Array<{ name: string; facts: InviteChannelFacts; expected: InviteChannelChoice }> = [
    // Without an override: the first channel of the call, in its order, that still reaches the consumer.
    { name: 'all reachable: the first available', facts: { available: ['sms', 'wa'], reachable: ['sms', 'wa'], override: undefined }, expected: { channel: 'sms' } },
    { name: 'the call\'s order decides, not the reachable list\'s', facts: { available: ['wa', 'sms'], reachable: ['sms', 'wa'], override: undefined }, expected: { channel: 'wa' } },
    { name: 'the first opted out since: the next one', facts: { available: ['sms', 'wa'], reachable: ['wa'], override: undefined }, expected: { channel: 'wa' } },
    { name: 'only the last of three reachable', facts: { available: ['wa', 'sms', 'inapp'], reachable: ['inapp'], override: undefined }, expected: { channel: 'inapp' } },
    { name: 'in-app alone with a device', facts: { available: ['inapp'], reachable: ['inapp'], override: undefined }, expected: { channel: 'inapp' } },
    { name: 'nothing reachable any more', facts: { available: ['sms', 'wa'], reachable: [], override: undefined }, expected: { refused: 'none-reachable' } },
    { name: 'a call with no channel at all', facts: { available: [], reachable: [], override: undefined }, expected: { refused: 'none-reachable' } },
    { name: 'a reachable channel the call never had is not used', facts: { available: ['sms'], reachable: ['wa'], override: undefined }, expected: { refused: 'none-reachable' } },
    // With an override: that channel, or a refusal; never another channel.
    { name: 'override wa over a recommended sms', facts: { available: ['sms', 'wa'], reachable: ['sms', 'wa'], override: 'wa' }, expected: { channel: 'wa' } },
    { name: 'override twilio means sms', facts: { available: ['wa', 'sms'], reachable: ['wa', 'sms'], override: 'twilio' }, expected: { channel: 'sms' } },
    { name: 'override in any case with spaces', facts: { available: ['wa', 'sms'], reachable: ['wa', 'sms'], override: ' SMS ' }, expected: { channel: 'sms' } },
    { name: 'override naming the recommended channel', facts: { available: ['sms', 'wa'], reachable: ['sms', 'wa'], override: 'sms' }, expected: { channel: 'sms' } },
    { name: 'override of a channel the call does not have → 1900', facts: { available: ['sms'], reachable: ['sms'], override: 'wa' }, expected: { refused: 'override-not-available' } },
    { name: 'override of an unknown channel → 1900', facts: { available: ['sms', 'wa'], reachable: ['sms', 'wa'], override: 'fax' }, expected: { refused: 'override-not-available' } },
    { name: 'an empty override is not "no override" → 1900', facts: { available: ['sms'], reachable: ['sms'], override: '' }, expected: { refused: 'override-not-available' } },
    { name: 'override inapp on a phone call → 1900', facts: { available: ['sms', 'wa'], reachable: ['sms', 'wa'], override: 'inapp' }, expected: { refused: 'override-not-available' } },
    { name: 'override of a channel opted out since → unreachable (1400), not the next one', facts: { available: ['sms', 'wa'], reachable: ['wa'], override: 'twilio' }, expected: { refused: 'override-unreachable', channel: 'sms' } },
    { name: 'override of a channel the call lacks, nothing reachable → 1900 first', facts: { available: ['sms'], reachable: [], override: 'wa' }, expected: { refused: 'override-not-available' } },
    { name: 'override of the call\'s only channel, now unreachable', facts: { available: ['inapp'], reachable: [], override: 'inapp' }, expected: { refused: 'override-unreachable', channel: 'inapp' } },
  ]
  for (const row of rows) {
    test(row.name, () => assert.deepEqual(chooseInviteChannel(row.facts), row.expected))
  }
})
