import assert from 'node:assert/strict'
import { test } from 'node:test'
import { changeEndsSessions, checkNewUser, checkPassword, leavesNoAdmin, type NewUser, type UserChange } from '../../src/accounts/user.service.ts'

const valid: NewUser = { login: 'ann.lee@brand', role: 'agent', skills: ['sales'], maxConversations: 5, password: 'twelve chars' }

test('checkNewUser: every violation, by field', () => {
  const cases: Array<[string, Partial<NewUser>, string[]]> = [
    ['valid', {}, []],
    ['login with a space', { login: 'ann lee' }, ['login']],
    ['login too long', { login: 'a'.repeat(101) }, ['login']],
    ['the system login', { login: 'c2m-outbound-user' }, ['login']],
    ['a skill the brand lacks', { skills: ['sales', 'billing'] }, ['skills']],
    ['capacity 0', { maxConversations: 0 }, ['maxConversations']],
    ['capacity 101', { maxConversations: 101 }, ['maxConversations']],
    ['short password', { password: 'eleven char' }, ['password']],
    ['all at once', { login: '', skills: ['x'], maxConversations: 0, password: '' }, ['login', 'skills', 'maxConversations', 'password']],
  ]
  for (const [name, change, fields] of cases) {
    assert.deepEqual(checkNewUser({ ...valid, ...change }, ['sales', 'support']).map((e) => e.field), fields, name)
  }
})

test('checkPassword: 12 to 1024 characters', () => {
  assert.equal(checkPassword('x'.repeat(11)).length, 1)
  assert.equal(checkPassword('x'.repeat(12)).length, 0)
  assert.equal(checkPassword('x'.repeat(1024)).length, 0)
  assert.equal(checkPassword('x'.repeat(1025)).length, 1)
})

test('changeEndsSessions: a new role or disabling', () => {
  const enabledAgent = { role: 'agent' as const, disabledAt: null }
  const cases: Array<[UserChange, typeof enabledAgent | { role: 'agent'; disabledAt: string }, boolean]> = [
    [{ role: 'lpa' }, enabledAgent, true],
    [{ role: 'agent' }, enabledAgent, false],
    [{ disabled: true }, enabledAgent, true],
    [{ disabled: true }, { role: 'agent', disabledAt: '2026-01-01T00:00:00Z' }, false],
    [{ disabled: false }, enabledAgent, false],
    [{ skills: ['x'], maxConversations: 3 }, enabledAgent, false],
  ]
  for (const [change, target, expected] of cases) assert.equal(changeEndsSessions(target, change), expected, JSON.stringify(change))
})

test('leavesNoAdmin: the last enabled admin cannot be demoted or disabled', () => {
  const admin = { role: 'admin' as const, disabledAt: null }
  const cases: Array<[string, { role: 'admin' | 'agent'; disabledAt: string | null }, UserChange, number, boolean]> = [
    ['demote the last', admin, { role: 'lpa' }, 1, true],
    ['disable the last', admin, { disabled: true }, 1, true],
    ['demote one of two', admin, { role: 'lpa' }, 2, false],
    ['keep the role', admin, { role: 'admin', skills: [] }, 1, false],
    ['re-enable', admin, { disabled: false }, 1, false],
    ['a disabled admin', { role: 'admin', disabledAt: '2026-01-01T00:00:00Z' }, { role: 'lpa' }, 1, false],
    ['not an admin', { role: 'agent', disabledAt: null }, { disabled: true }, 1, false],
  ]
  for (const [name, target, change, admins, expected] of cases) assert.equal(leavesNoAdmin(target, change, admins), expected, name)
})
