import type { Actor } from '../auth/actor.ts'

/**
 * Which of a brand's live events an actor's stream carries. `all`: every event of the brand
 * (API keys, agent managers). `person`: the events for this user, those for any of these skills
 * (addressed to no user), and those for everyone (addressed to neither).
 */
export type LiveAudienceFilter = { kind: 'all' } | { kind: 'person'; userId: string; skills: readonly string[] }

/** Who an event is addressed to, as stored: one user; else every agent of a skill; else everyone of the brand. */
export interface Addressed {
  userId: string | null
  skill: string | null
}

/** The filter of an actor's stream. Machines and agent managers oversee the whole brand. */
export function audienceOf(actor: Actor): LiveAudienceFilter {
  if (actor.kind === 'key' || actor.role === 'agent-manager') return { kind: 'all' }
  return { kind: 'person', userId: actor.userId, skills: actor.skills }
}

/** Whether an event is for the stream of this filter; the store query `visibleLiveEvents` asks the same. */
export function isVisibleTo(filter: LiveAudienceFilter, event: Addressed): boolean {
  if (filter.kind === 'all') return true
  if (event.userId !== null) return event.userId === filter.userId
  return event.skill === null || filter.skills.includes(event.skill)
}
