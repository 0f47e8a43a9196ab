import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { BrandSettings } from '../../../src/brand-config/settings.ts'
import {
  type BrandFacts,
  type CallFacts,
  type ChannelCheck,
  type EligibilityRequest,
  assertInappPreconditions,
  candidateChannels,
  checkChannel,
  decide,
  isSkillAllowed,
} from '../../../src/calls/eligibility.ts'
import type { Handoff } from '../../../src/handoffs/handoff.ts'
import type { Channel } from '../../../src/shared/channel.ts'
import { ApiError } from '../../../src/shared/errors.ts'

// Eligibility's rules alone: no store, no HTTP. The HTTP suites (test/c2m/) cover the wiring.

const SMS = { fromNumber: '+18005550101', message: 'Hi {{1}}', optOutText: 'Reply STOP to opt out' }
const WA = { fromNumber: '+18005550102', templateName: 'order_update', language: 'en_US', variables: {} }
const INAPP = { appIds: ['com.acme.ios'], message: 'Continue in the app.' }

function handoff(overrides: Partial<Handoff> = {}): Handoff {
  return { id: 'H000000000000001', title: 'T', lookbackMinutes: 120, channels: ['sms', 'wa'], skills: [], sms: SMS, wa: WA, inapp: INAPP, createdAt: '', updatedAt: '', ...overrides }
}

function settings(overrides: Partial<BrandSettings> = {}): BrandSettings {
  return {
    channels: [
      { name: 'sms', enabled: true },
      { name: 'wa', enabled: true },
      { name: 'inapp', enabled: true },
    ],
    deviceCheck: false,
    routing: { skills: ['sales', 'support'] },
    ...overrides,
  }
}

function facts(overrides: Partial<CallFacts> = {}): CallFacts {
  return { waTemplateApproved: true, optedOut: { sms: false, wa: false }, textable: true, consumerId: undefined, existingApps: [], appsWithDevice: [], ...overrides }
}

const DEVICE_CHECK = settings({ deviceCheck: true })
const LANDLINE = facts({ textable: false })

describe('checkChannel', () => {
  const rows: Array<{ name: string; channel: Channel; handoff?: Handoff; settings?: BrandSettings; facts?: CallFacts; expected: ChannelCheck }> = [
    { name: 'sms: configured, not opted out', channel: 'sms', expected: 'available' },
    { name: 'sms: the handoff has no sms block', channel: 'sms', handoff: handoff({ sms: undefined }), expected: 'not-configured' },
    { name: 'sms: opted out of sms', channel: 'sms', facts: facts({ optedOut: { sms: true, wa: false } }), expected: 'opted-out' },
    { name: 'sms: an opt-out of wa does not touch sms', channel: 'sms', facts: facts({ optedOut: { sms: false, wa: true } }), expected: 'available' },
    { name: 'sms: a landline with device check on', channel: 'sms', settings: DEVICE_CHECK, facts: LANDLINE, expected: 'landline' },
    { name: 'sms: a landline with device check off is not looked at', channel: 'sms', facts: LANDLINE, expected: 'available' },
    { name: 'sms: a mobile with device check on', channel: 'sms', settings: DEVICE_CHECK, expected: 'available' },
    { name: 'sms: opted out and a landline → opted-out first', channel: 'sms', settings: DEVICE_CHECK, facts: facts({ textable: false, optedOut: { sms: true, wa: false } }), expected: 'opted-out' },
    { name: 'sms: not configured wins over everything', channel: 'sms', handoff: handoff({ sms: undefined }), settings: DEVICE_CHECK, facts: facts({ textable: false, optedOut: { sms: true, wa: true } }), expected: 'not-configured' },
    { name: 'wa: configured, approved, not opted out', channel: 'wa', expected: 'available' },
    { name: 'wa: the handoff has no wa block', channel: 'wa', handoff: handoff({ wa: undefined }), expected: 'not-configured' },
    { name: 'wa: a wa block without a template name', channel: 'wa', handoff: handoff({ wa: { ...WA, templateName: '' } }), expected: 'not-configured' },
    { name: 'wa: a wa block without a sending number', channel: 'wa', handoff: handoff({ wa: { ...WA, fromNumber: '' } }), expected: 'not-configured' },
    { name: 'wa: the template is no longer approved', channel: 'wa', facts: facts({ waTemplateApproved: false }), expected: 'template-not-approved' },
    { name: 'wa: template not approved and opted out → template first', channel: 'wa', facts: facts({ waTemplateApproved: false, optedOut: { sms: false, wa: true } }), expected: 'template-not-approved' },
    { name: 'wa: opted out of wa', channel: 'wa', facts: facts({ optedOut: { sms: false, wa: true } }), expected: 'opted-out' },
    { name: 'wa: an opt-out of sms does not touch wa', channel: 'wa', facts: facts({ optedOut: { sms: true, wa: false } }), expected: 'available' },
    { name: 'wa: a landline with device check on', channel: 'wa', settings: DEVICE_CHECK, facts: LANDLINE, expected: 'landline' },
    { name: 'wa: a landline with device check off', channel: 'wa', facts: LANDLINE, expected: 'available' },
    { name: 'inapp: a consumerId with a device', channel: 'inapp', facts: facts({ consumerId: 'jane', appsWithDevice: ['com.acme.ios'] }), expected: 'available' },
    { name: 'inapp: no consumerId', channel: 'inapp', facts: facts({ appsWithDevice: ['com.acme.ios'] }), expected: 'no-consumer-id' },
    { name: 'inapp: an empty consumerId', channel: 'inapp', facts: facts({ consumerId: '', appsWithDevice: ['com.acme.ios'] }), expected: 'no-consumer-id' },
    { name: 'inapp: a consumerId without a device', channel: 'inapp', facts: facts({ consumerId: 'jane' }), expected: 'no-registered-device' },
    { name: 'inapp: a landline does not matter to an app', channel: 'inapp', settings: DEVICE_CHECK, facts: facts({ consumerId: 'jane', appsWithDevice: ['a'], textable: false }), expected: 'available' },
    { name: 'inapp: phone opt-outs do not matter to an app', channel: 'inapp', facts: facts({ consumerId: 'jane', appsWithDevice: ['a'], optedOut: { sms: true, wa: true } }), expected: 'available' },
  ]
  for (const row of rows) {
    test(row.name, () => {
      assert.equal(checkChannel(row.channel, row.handoff ?? handoff(), row.settings ?? settings(), row.facts ?? facts()), row.expected)
    })
  }
})

describe('decide', () => {
  const rows: Array<{ name: string; candidates: Channel[]; disabled?: Channel[]; settings?: BrandSettings; facts?: CallFacts; expected: { availableChannels: Channel[]; recommendedChannelName: Channel | ''; eligible: boolean; checks: Partial<Record<Channel, ChannelCheck>> } }> = [
    {
      name: 'both channels available: the first is recommended',
      candidates: ['sms', 'wa'],
      expected: { availableChannels: ['sms', 'wa'], recommendedChannelName: 'sms', eligible: true, checks: { sms: 'available', wa: 'available' } },
    },
    {
      name: 'the handoff\'s order is kept: wa first',
      candidates: ['wa', 'sms'],
      expected: { availableChannels: ['wa', 'sms'], recommendedChannelName: 'wa', eligible: true, checks: { wa: 'available', sms: 'available' } },
    },
    {
      name: 'the first channel opted out: the next is recommended',
      candidates: ['sms', 'wa'],
      facts: facts({ optedOut: { sms: true, wa: false } }),
      expected: { availableChannels: ['wa'], recommendedChannelName: 'wa', eligible: true, checks: { sms: 'opted-out', wa: 'available' } },
    },
    {
      name: 'nothing available: not eligible, recommended empty',
      candidates: ['sms', 'wa'],
      settings: DEVICE_CHECK,
      facts: facts({ textable: false }),
      expected: { availableChannels: [], recommendedChannelName: '', eligible: false, checks: { sms: 'landline', wa: 'landline' } },
    },
    {
      name: 'a channel disabled in settings is recorded as such and never offered',
      candidates: ['sms'],
      disabled: ['wa'],
      expected: { availableChannels: ['sms'], recommendedChannelName: 'sms', eligible: true, checks: { wa: 'disabled-in-settings', sms: 'available' } },
    },
    {
      name: 'in-app alone, with a device',
      candidates: ['inapp'],
      facts: facts({ consumerId: 'jane', appsWithDevice: ['com.acme.ios'] }),
      expected: { availableChannels: ['inapp'], recommendedChannelName: 'inapp', eligible: true, checks: { inapp: 'available' } },
    },
    {
      name: 'no candidate at all',
      candidates: [],
      disabled: ['sms', 'wa'],
      expected: { availableChannels: [], recommendedChannelName: '', eligible: false, checks: { sms: 'disabled-in-settings', wa: 'disabled-in-settings' } },
    },
  ]
  for (const row of rows) {
    test(row.name, () => {
      assert.deepEqual(decide(row.candidates, row.disabled ?? [], handoff(), row.settings ?? settings(), row.facts ?? facts()), row.expected)
    })
  }
})

function request(overrides: Partial<EligibilityRequest> = {}): EligibilityRequest {
  return { consumerPhoneNumber: '+14259549855', skill: 'support', handoffId: 'H000000000000001', ...overrides }
}

function brand(overrides: Partial<BrandFacts> = {}): BrandFacts {
  return { hasOutboundUser: true, settings: settings(), handoff: handoff(), ...overrides }
}

/** The C2M error a rule threw: code and message. */
function thrown(fn: () => unknown): { code: number; errorMessage: string } | 'no error' {
  try {
    fn()
    return 'no error'
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error))
    return { code: error.code, errorMessage: error.errorMessage }
  }
}

describe('candidateChannels', () => {
  const refusals: Array<{ name: string; request?: EligibilityRequest; brand: BrandFacts; code: number; errorMessage: string }> = [
    { name: 'no outbound system user → 1200', brand: brand({ hasOutboundUser: false }), code: 1200, errorMessage: 'No internal user is available' },
    { name: 'no user and no settings → 1200 first', brand: brand({ hasOutboundUser: false, settings: undefined, handoff: undefined }), code: 1200, errorMessage: 'No internal user is available' },
    { name: 'no settings → 1600', brand: brand({ settings: undefined }), code: 1600, errorMessage: 'No setting is available' },
    { name: 'no settings and no handoff → 1600 first', brand: brand({ settings: undefined, handoff: undefined }), code: 1600, errorMessage: 'No setting is available' },
    { name: 'no handoff → 1500', brand: brand({ handoff: undefined }), code: 1500, errorMessage: 'No handoff is available' },
    { name: 'a skill not enabled in routing → 1300 naming it', request: request({ skill: 'billing' }), brand: brand(), code: 1300, errorMessage: 'No engagement found for skill billing' },
    { name: 'skills are case-sensitive → 1300', request: request({ skill: 'Support' }), brand: brand(), code: 1300, errorMessage: 'No engagement found for skill Support' },
    { name: 'a routing skill the handoff does not allow → 1300', brand: brand({ handoff: handoff({ skills: ['sales'] }) }), code: 1300, errorMessage: 'No engagement found for skill support' },
    {
      name: 'every channel of the handoff disabled → 1501',
      brand: brand({ settings: settings({ channels: [{ name: 'sms', enabled: false }, { name: 'wa', enabled: false }, { name: 'inapp', enabled: true }] }) }),
      code: 1501,
      errorMessage: 'No handoff channel is available',
    },
    { name: 'a channel absent from settings counts as disabled → 1501', brand: brand({ settings: settings({ channels: [{ name: 'inapp', enabled: true }] }) }), code: 1501, errorMessage: 'No handoff channel is available' },
    { name: 'a skill problem is reported before disabled channels → 1300', request: request({ skill: 'billing' }), brand: brand({ settings: settings({ channels: [] }) }), code: 1300, errorMessage: 'No engagement found for skill billing' },
  ]
  for (const row of refusals) {
    test(row.name, () => {
      assert.deepEqual(thrown(() => candidateChannels(row.request ?? request(), row.brand)), { code: row.code, errorMessage: row.errorMessage })
    })
  }

  const accepted: Array<{ name: string; brand: BrandFacts; candidates: Channel[]; disabled: Channel[] }> = [
    { name: 'all enabled: the handoff\'s channels in its order', brand: brand({ handoff: handoff({ channels: ['wa', 'sms'] }) }), candidates: ['wa', 'sms'], disabled: [] },
    { name: 'the settings\' order does not reorder the handoff', brand: brand({ settings: settings({ channels: [{ name: 'wa', enabled: true }, { name: 'sms', enabled: true }] }) }), candidates: ['sms', 'wa'], disabled: [] },
    { name: 'one disabled: it is listed apart', brand: brand({ settings: settings({ channels: [{ name: 'sms', enabled: true }, { name: 'wa', enabled: false }] }) }), candidates: ['sms'], disabled: ['wa'] },
    { name: 'a handoff allowing the call\'s skill', brand: brand({ handoff: handoff({ skills: ['support'] }) }), candidates: ['sms', 'wa'], disabled: [] },
  ]
  for (const row of accepted) {
    test(row.name, () => {
      const result = candidateChannels(request(), row.brand)
      assert.deepEqual({ candidates: result.candidates, disabled: result.disabled }, { candidates: row.candidates, disabled: row.disabled })
    })
  }
})

describe('isSkillAllowed', () => {
  const rows: Array<{ skill: string; routing: string[]; handoffSkills: string[]; expected: boolean }> = [
    { skill: 'support', routing: ['sales', 'support'], handoffSkills: [], expected: true },
    { skill: 'support', routing: ['sales', 'support'], handoffSkills: ['support'], expected: true },
    { skill: 'support', routing: ['sales', 'support'], handoffSkills: ['sales'], expected: false },
    { skill: 'billing', routing: ['sales', 'support'], handoffSkills: [], expected: false },
    { skill: 'billing', routing: ['sales'], handoffSkills: ['billing'], expected: false },
    { skill: 'Sales', routing: ['sales'], handoffSkills: [], expected: false },
    { skill: '', routing: [], handoffSkills: [], expected: false },
  ]
  for (const row of rows) {
    test(`${JSON.stringify(row.skill)} with routing ${JSON.stringify(row.routing)} and handoff skills ${JSON.stringify(row.handoffSkills)} → ${row.expected}`, () => {
      assert.equal(isSkillAllowed(row.skill, settings({ routing: { skills: row.routing } }), { skills: row.handoffSkills }), row.expected)
    })
  }
})

describe('assertInappPreconditions', () => {
  const rows: Array<{ name: string; candidates: Channel[]; consumerId?: string; existingApps: string[]; expected: 'no error' | { code: number; errorMessage: string } }> = [
    { name: 'no in-app candidate: nothing to check', candidates: ['sms'], existingApps: [], expected: 'no error' },
    { name: 'in-app with a consumerId and an app', candidates: ['inapp'], consumerId: 'jane', existingApps: ['com.acme.ios'], expected: 'no error' },
    { name: 'in-app without a consumerId → 1000', candidates: ['inapp'], existingApps: ['com.acme.ios'], expected: { code: 1000, errorMessage: 'Invalid request' } },
    { name: 'in-app without consumerId nor app → 1000 first', candidates: ['inapp'], existingApps: [], expected: { code: 1000, errorMessage: 'Invalid request' } },
    { name: 'in-app whose apps were all deleted → 1201', candidates: ['inapp'], consumerId: 'jane', existingApps: [], expected: { code: 1201, errorMessage: 'No internal app is available' } },
  ]
  for (const row of rows) {
    test(row.name, () => {
      const req = request(row.consumerId !== undefined ? { consumerId: row.consumerId } : {})
      assert.deepEqual(thrown(() => assertInappPreconditions(row.candidates, req, row.existingApps)), row.expected)
    })
  }
})
