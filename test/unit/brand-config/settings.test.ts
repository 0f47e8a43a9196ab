import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type BrandSettings, validateSettings } from '../../../src/brand-config/settings.ts'
import type { FieldError } from '../../../src/shared/errors.ts'

const SKILLS = new Set(['sales', 'support', 'billing'])

function settings(overrides: Partial<BrandSettings> = {}, routing: Partial<BrandSettings['routing']> = {}): BrandSettings {
  return {
    channels: [
      { name: 'sms', enabled: true },
      { name: 'wa', enabled: false },
    ],
    deviceCheck: true,
    routing: { skills: ['sales', 'support'], ...routing },
    ...overrides,
  }
}

describe('validateSettings', () => {
  const rows: Array<{ name: string; settings: BrandSettings; errors: FieldError[] }> = [
    { name: 'valid settings', settings: settings(), errors: [] },
    { name: 'no channels and no skills', settings: settings({ channels: [] }, { skills: [] }), errors: [] },
    { name: 'a default skill among the routing skills', settings: settings({}, { defaultSkill: 'support' }), errors: [] },
    { name: 'a channel listed twice', settings: settings({ channels: [{ name: 'sms', enabled: true }, { name: 'wa', enabled: true }, { name: 'sms', enabled: false }] }), errors: [{ field: 'channels.2.name', message: 'sms is listed twice' }] },
    { name: 'a skill the brand does not have', settings: settings({}, { skills: ['sales', 'vip'] }), errors: [{ field: 'routing.skills.1', message: 'vip is not a skill of this brand' }] },
    { name: 'skills are case-sensitive', settings: settings({}, { skills: ['Sales'] }), errors: [{ field: 'routing.skills.0', message: 'Sales is not a skill of this brand' }] },
    { name: 'a skill listed twice', settings: settings({}, { skills: ['sales', 'support', 'sales'] }), errors: [{ field: 'routing.skills.2', message: 'sales is listed twice' }] },
    { name: 'an unknown skill listed twice is reported once as unknown, then as a repeat', settings: settings({}, { skills: ['vip', 'vip'] }), errors: [{ field: 'routing.skills.0', message: 'vip is not a skill of this brand' }, { field: 'routing.skills.1', message: 'vip is listed twice' }] },
    { name: 'a default skill not among the routing skills', settings: settings({}, { skills: ['sales'], defaultSkill: 'billing' }), errors: [{ field: 'routing.defaultSkill', message: 'must be one of routing.skills' }] },
    { name: 'a default skill with no routing skills', settings: settings({}, { skills: [], defaultSkill: 'sales' }), errors: [{ field: 'routing.defaultSkill', message: 'must be one of routing.skills' }] },
    {
      name: 'every error at once',
      settings: settings({ channels: [{ name: 'wa', enabled: true }, { name: 'wa', enabled: true }] }, { skills: ['nope'], defaultSkill: 'sales' }),
      errors: [
        { field: 'channels.1.name', message: 'wa is listed twice' },
        { field: 'routing.skills.0', message: 'nope is not a skill of this brand' },
        { field: 'routing.defaultSkill', message: 'must be one of routing.skills' },
      ],
    },
  ]
  for (const row of rows) test(row.name, () => assert.deepEqual(validateSettings(row.settings, SKILLS), row.errors))
})
