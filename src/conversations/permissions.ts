import { type ConversationAction, type ConversationState, allowedIn } from './routing.ts'

/**
 * Who may do what in a conversation, as a plain function. An agent reads the conversations they
 * hold and those waiting in their skills' queues, accepts a ring offered to them or a waiting
 * conversation of their skills, and replies to, transfers or closes what they hold. An agent
 * manager sees every conversation of the brand, accepts like an agent, may transfer to a
 * specific agent and close any. The brand's own desk (an API key with `conversations`) acts on
 * any conversation of the brand.
 */
export type Viewer = { kind: 'agent' | 'manager'; userId: string; skills: readonly string[] } | { kind: 'desk' }

export interface ConversationFacts {
  state: ConversationState
  skill: string
  agentId: string | null
}

export type Decision = 'ok' | 'forbidden' | 'conflict'

export type Act = ConversationAction | 'read' | 'transfer-to-agent'

export function decide(viewer: Viewer, c: ConversationFacts, act: Act): Decision {
  if (!mayReach(viewer, c, act)) return 'forbidden'
  if (act === 'read') return 'ok'
  const action: ConversationAction = act === 'transfer-to-agent' ? 'transfer' : act
  if (!allowedIn(c.state, action)) return 'conflict'
  // A ring belongs to the agent it rings: another may not take it over.
  if (act === 'accept' && c.state === 'ringing' && viewer.kind !== 'desk' && c.agentId !== viewer.userId) return 'conflict'
  return 'ok'
}

function mayReach(viewer: Viewer, c: ConversationFacts, act: Act): boolean {
  if (viewer.kind === 'desk') return true
  const holds = c.agentId === viewer.userId
  const ofMySkills = viewer.skills.includes(c.skill)
  switch (act) {
    case 'read':
      return viewer.kind === 'manager' || holds || ofMySkills
    case 'accept':
      return viewer.kind === 'manager' || holds || ofMySkills
    case 'reply':
      return holds
    case 'transfer':
    case 'close':
      return viewer.kind === 'manager' || holds
    case 'transfer-to-agent':
      return viewer.kind === 'manager'
  }
}
