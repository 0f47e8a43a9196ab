import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Actor } from '../../../src/auth/actor.ts'
import type { Principal } from '../../../src/auth/authenticate.ts'
import { type Addressed, audienceOf, isVisibleTo } from '../../../src/live/audience.ts'

const ana: Actor = { kind: 'user', accountId: '1', userId: 'u-ana', login: 'ana', role: 'agent', skills: ['sales', 'vip'] }
const bo: Actor = { kind: 'user', accountId: '1', userId: 'u-bo', login: 'bo', role: 'agent', skills: [] }
const manager: Actor = { kind: 'user', accountId: '1', userId: 'u-max', login: 'max', role: 'agent-manager', skills: [] }
const key: Actor = { kind: 'key', accountId: '1', principal: { accountId: '1', keyId: 'k1', appKey: 'app-key', privileges: ['conversations'], scheme: 'oauth1' } satisfies Principal }

const ringForAna: Addressed = { userId: 'u-ana', skill: null }
const ringForAnaOnSupport: Addressed = { userId: 'u-ana', skill: 'support' }
const ringForBo: Addressed = { userId: 'u-bo', skill: 'sales' }
const salesQueue: Addressed = { userId: null, skill: 'sales' }
const supportQueue: Addressed = { userId: null, skill: 'support' }
const everyone: Addressed = { userId: null, skill: null }

describe('who sees a live event', () => {
  const table: Array<[string, Actor, Addressed, boolean]> = [
    ['an agent, an event for them', ana, ringForAna, true],
    ['an agent, an event for them that names a skill they lack', ana, ringForAnaOnSupport, true],
    ['an agent, an event for another agent of their skill', ana, ringForBo, false],
    ['an agent, an event for one of their skills', ana, salesQueue, true],
    ['an agent, an event for a skill they lack', ana, supportQueue, false],
    ['an agent, an event for everyone', ana, everyone, true],
    ['an agent without skills, a skill\'s event', bo, salesQueue, false],
    ['an agent without skills, an event for everyone', bo, everyone, true],
    ['an agent without skills, an event for them', bo, ringForBo, true],
    ['an agent manager, another user\'s event', manager, ringForAna, true],
    ['an agent manager, any skill\'s event', manager, supportQueue, true],
    ['an agent manager, an event for everyone', manager, everyone, true],
    ['an API key, a user\'s event', key, ringForBo, true],
    ['an API key, a skill\'s event', key, supportQueue, true],
    ['an API key, an event for everyone', key, everyone, true],
  ]
  for (const [name, actor, event, expected] of table) {
    test(name, () => assert.equal(isVisibleTo(audienceOf(actor), event), expected))
  }

  test('the filters: machines and managers see all, people their own part', () => {
    assert.deepEqual(audienceOf(key), { kind: 'all' })
    assert.deepEqual(audienceOf(manager), { kind: 'all' })
    assert.deepEqual(audienceOf(ana), { kind: 'person', userId: 'u-ana', skills: ['sales', 'vip'] })
  })
})
