import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type AgentCandidate, type InvitedCall, activeConversationRefusal, allowedIn, rankAgents, routeInbound, withinLookback, withinWhatsAppWindow } from '../../../src/conversations/routing.ts'
import { type Act, type ConversationFacts, type Viewer, decide } from '../../../src/conversations/permissions.ts'

const INVITED = '2026-11-30T10:00:00.000Z'
const at = (iso: string) => new Date(iso)
const call = (over: Partial<InvitedCall> = {}): InvitedCall => ({ id: 'c1', handoffId: 'H1', invitedAt: INVITED, lookbackMinutes: 60, skill: 'billing', sdes: null, hadConversation: false, ...over })

describe('routeInbound', () => {
  const cases: Array<[string, Parameters<typeof routeInbound>[0], ReturnType<typeof routeInbound>['action'], string | undefined, string | undefined]> = [
    ['an active conversation takes the message', { active: { id: 'k' }, call: call(), defaultSkill: 'general', now: at('2026-11-30T10:01:00.000Z') }, 'append', undefined, undefined],
    ['within the lookback: deflected, on the call\'s skill', { active: undefined, call: call(), defaultSkill: 'general', now: at('2026-11-30T10:59:59.999Z') }, 'create', 'ivr-deflection', 'billing'],
    ['at the lookback boundary: inbound, on the default skill', { active: undefined, call: call(), defaultSkill: 'general', now: at('2026-11-30T11:00:00.000Z') }, 'create', 'inbound', 'general'],
    ['after the lookback: inbound', { active: undefined, call: call(), defaultSkill: 'general', now: at('2026-12-01T10:00:00.000Z') }, 'create', 'inbound', 'general'],
    ['no invited call: inbound', { active: undefined, call: undefined, defaultSkill: 'general', now: at(INVITED) }, 'create', 'inbound', 'general'],
    ['the call\'s conversation was closed: inbound even within the lookback', { active: undefined, call: call({ hadConversation: true }), defaultSkill: 'general', now: at('2026-11-30T10:10:00.000Z') }, 'create', 'inbound', 'general'],
    ['overrideSkill (the call\'s routed skill) honoured', { active: undefined, call: call({ skill: 'sales' }), defaultSkill: 'general', now: at('2026-11-30T10:10:00.000Z') }, 'create', 'ivr-deflection', 'sales'],
    ['no default skill chosen: inbound on none', { active: undefined, call: undefined, defaultSkill: '', now: at(INVITED) }, 'create', 'inbound', ''],
  ]
  for (const [name, situation, action, source, skill] of cases) {
    test(name, () => {
      const routing = routeInbound(situation)
      assert.equal(routing.action, action)
      if (routing.action === 'create') {
        assert.equal(routing.source, source)
        assert.equal(routing.skill, skill)
      }
    })
  }
})

describe('withinLookback and withinWhatsAppWindow', () => {
  const lookback: Array<[string, number, boolean]> = [
    ['2026-11-30T10:00:00.000Z', 60, true],
    ['2026-11-30T10:59:59.999Z', 60, true],
    ['2026-11-30T11:00:00.000Z', 60, false],
    ['2026-12-30T10:00:00.000Z', 43_200, false],
    ['2026-12-30T09:59:59.999Z', 43_200, true],
  ]
  for (const [now, minutes, expected] of lookback) test(`${minutes} min, reply at ${now} → ${expected}`, () => assert.equal(withinLookback(INVITED, minutes, at(now)), expected))

  const window: Array<[string | null, string, boolean]> = [
    [INVITED, '2026-12-01T09:59:59.999Z', true],
    [INVITED, '2026-12-01T10:00:00.000Z', false],
    [null, INVITED, false],
  ]
  for (const [last, now, expected] of window) test(`WhatsApp window: last ${last}, now ${now} → ${expected}`, () => assert.equal(withinWhatsAppWindow(last, at(now)), expected))
})

describe('activeConversationRefusal', () => {
  test('none active: no refusal', () => assert.equal(activeConversationRefusal([]), undefined))
  test('one active on any channel: refused, naming it', () => assert.match(activeConversationRefusal([{ id: 'k1', channel: 'wa' }]) ?? '', /active conversation.*k1 on wa/))
})

describe('rankAgents', () => {
  const agent = (id: string, over: Partial<AgentCandidate> = {}): AgentCandidate => ({ id, status: 'online', skills: ['billing'], load: 0, maxConversations: 5, lastAssignedAt: null, ...over })
  const cases: Array<[string, AgentCandidate[], string[], string[]]> = [
    ['fewest conversations first', [agent('a', { load: 2 }), agent('b', { load: 1 })], [], ['b', 'a']],
    ['then the longest idle', [agent('a', { lastAssignedAt: '2026-11-30T10:05:00Z' }), agent('b', { lastAssignedAt: '2026-11-30T10:01:00Z' })], [], ['b', 'a']],
    ['never offered counts as longest idle', [agent('a', { lastAssignedAt: '2026-11-30T10:05:00Z' }), agent('b')], [], ['b', 'a']],
    ['full agents are left out', [agent('a', { load: 5 }), agent('b', { load: 4 })], [], ['b']],
    ['away and offline agents are left out', [agent('a', { status: 'away' }), agent('b', { status: 'offline' }), agent('c')], [], ['c']],
    ['agents without the skill are left out', [agent('a', { skills: ['sales'] }), agent('b')], [], ['b']],
    ['an agent who let the ring run out comes last', [agent('a'), agent('b', { load: 3 })], ['a'], ['b', 'a']],
    ['nobody available', [agent('a', { status: 'away' })], [], []],
  ]
  for (const [name, candidates, passedOver, expected] of cases) {
    test(name, () => assert.deepEqual(rankAgents(candidates, 'billing', passedOver).map((a) => a.id), expected))
  }
})

describe('allowedIn', () => {
  const table: Array<[Parameters<typeof allowedIn>[0], Parameters<typeof allowedIn>[1], boolean]> = [
    ['queued', 'accept', true], ['ringing', 'accept', true], ['open', 'accept', false], ['closed', 'accept', false],
    ['open', 'reply', true], ['queued', 'reply', false], ['closed', 'reply', false],
    ['queued', 'transfer', true], ['open', 'transfer', true], ['closed', 'transfer', false],
    ['ringing', 'close', true], ['open', 'close', true], ['closed', 'close', false],
  ]
  for (const [state, action, expected] of table) test(`${action} when ${state} → ${expected}`, () => assert.equal(allowedIn(state, action), expected))
})

describe('decide', () => {
  const agent: Viewer = { kind: 'agent', userId: 'u1', skills: ['billing'] }
  const manager: Viewer = { kind: 'manager', userId: 'm1', skills: [] }
  const desk: Viewer = { kind: 'desk' }
  const c = (over: Partial<ConversationFacts> = {}): ConversationFacts => ({ state: 'open', skill: 'billing', agentId: 'u1', ...over })
  const table: Array<[string, Viewer, ConversationFacts, Act, ReturnType<typeof decide>]> = [
    ['an agent reads their own', agent, c(), 'read', 'ok'],
    ['an agent reads a waiting one of their skill', agent, c({ state: 'queued', agentId: null }), 'read', 'ok'],
    ['an agent cannot read another skill\'s', agent, c({ skill: 'sales', agentId: 'u2' }), 'read', 'forbidden'],
    ['an agent accepts a ring to them', agent, c({ state: 'ringing' }), 'accept', 'ok'],
    ['an agent cannot take another agent\'s ring', agent, c({ state: 'ringing', agentId: 'u2' }), 'accept', 'conflict'],
    ['an agent takes a waiting one of their skill', agent, c({ state: 'queued', agentId: null }), 'accept', 'ok'],
    ['an agent cannot accept outside their skills', agent, c({ state: 'queued', agentId: null, skill: 'sales' }), 'accept', 'forbidden'],
    ['an agent replies to their own open one', agent, c(), 'reply', 'ok'],
    ['an agent cannot reply before accepting', agent, c({ state: 'ringing' }), 'reply', 'conflict'],
    ['an agent cannot reply to another\'s', agent, c({ agentId: 'u2' }), 'reply', 'forbidden'],
    ['an agent closes their own', agent, c(), 'close', 'ok'],
    ['an agent cannot close another\'s', agent, c({ agentId: 'u2' }), 'close', 'forbidden'],
    ['an agent cannot transfer to a named agent', agent, c(), 'transfer-to-agent', 'forbidden'],
    ['a manager reads any', manager, c({ skill: 'sales', agentId: 'u2' }), 'read', 'ok'],
    ['a manager transfers to a named agent', manager, c({ agentId: 'u2' }), 'transfer-to-agent', 'ok'],
    ['a manager closes any', manager, c({ agentId: 'u2' }), 'close', 'ok'],
    ['a manager cannot reply in another\'s conversation', manager, c({ agentId: 'u2' }), 'reply', 'forbidden'],
    ['nothing happens to a closed one', manager, c({ state: 'closed' }), 'close', 'conflict'],
    ['the desk replies in any open one', desk, c({ agentId: null }), 'reply', 'ok'],
    ['the desk closes any', desk, c({ agentId: 'u2' }), 'close', 'ok'],
  ]
  for (const [name, viewer, facts, act, expected] of table) test(name, () => assert.equal(decide(viewer, facts, act), expected))
})
