import { type Selectable, sql } from 'kysely'
import type { Channel } from '../shared/channel.ts'
import { type DbOrTrx, isPostgres } from '../store/database.ts'
import type { ConversationTable } from '../store/schema.ts'
import { MAX_FRAME_ANCESTORS, isFrameAncestorOrigin } from './frame-ancestors.ts'
import { type AgentCandidate, type AgentStatus, type ConversationSource, type ConversationState, DEFAULT_RING_TIMEOUT_SECONDS } from './routing.ts'

export interface Conversation {
  id: string
  accountId: string
  channel: Channel
  consumer: string
  brandAddress: string
  via: 'live' | 'sandbox'
  state: ConversationState
  skill: string
  source: ConversationSource
  callId: string | null
  handoffId: string | null
  sdes: unknown[] | null
  agentId: string | null
  ringExpiresAt: string | null
  passedOver: string[]
  queuedAt: string
  acceptedAt: string | null
  closedAt: string | null
  closedBy: string | null
  lastConsumerMessageAt: string | null
  createdAt: string
  updatedAt: string
}

function toConversation(row: Selectable<ConversationTable>): Conversation {
  return {
    id: row.id,
    accountId: row.account_id,
    channel: row.channel as Channel,
    consumer: row.consumer,
    brandAddress: row.brand_address,
    via: row.via as Conversation['via'],
    state: row.state as ConversationState,
    skill: row.skill,
    source: row.source as ConversationSource,
    callId: row.call_id,
    handoffId: row.handoff_id,
    sdes: row.sdes ? (JSON.parse(row.sdes) as unknown[]) : null,
    agentId: row.agent_id,
    ringExpiresAt: row.ring_expires_at,
    passedOver: JSON.parse(row.passed_over) as string[],
    queuedAt: row.queued_at,
    acceptedAt: row.accepted_at,
    closedAt: row.closed_at,
    closedBy: row.closed_by,
    lastConsumerMessageAt: row.last_consumer_message_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export async function insertConversation(db: DbOrTrx, c: Conversation): Promise<void> {
  await db
    .insertInto('conversations')
    .values({
      id: c.id,
      account_id: c.accountId,
      channel: c.channel,
      consumer: c.consumer,
      brand_address: c.brandAddress,
      via: c.via,
      state: c.state,
      skill: c.skill,
      source: c.source,
      call_id: c.callId,
      handoff_id: c.handoffId,
      sdes: c.sdes ? JSON.stringify(c.sdes) : null,
      agent_id: c.agentId,
      ring_expires_at: c.ringExpiresAt,
      passed_over: JSON.stringify(c.passedOver),
      queued_at: c.queuedAt,
      accepted_at: c.acceptedAt,
      closed_at: c.closedAt,
      closed_by: c.closedBy,
      last_consumer_message_at: c.lastConsumerMessageAt,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    })
    .execute()
}

export async function findConversation(db: DbOrTrx, accountId: string, id: string, options: { lock?: boolean } = {}): Promise<Conversation | undefined> {
  const row = await db
    .selectFrom('conversations')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .$if(options.lock === true && isPostgres(db), (qb) => qb.forUpdate())
    .executeTakeFirst()
  return row && toConversation(row)
}

/** The consumer's conversation with the brand on this channel that is not closed (at most one: a unique index says so). */
export async function findActiveConversation(db: DbOrTrx, accountId: string, channel: Channel, consumer: string): Promise<Conversation | undefined> {
  const row = await db
    .selectFrom('conversations')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('channel', '=', channel)
    .where('consumer', '=', consumer)
    .where('state', '<>', 'closed')
    .executeTakeFirst()
  return row && toConversation(row)
}

/** The consumer's active conversations on any channel: by phone number on sms and wa, by consumerId in-app. */
export async function activeConversationsOf(db: DbOrTrx, accountId: string, consumer: { phone: string; consumerId: string | null }): Promise<Array<{ id: string; channel: Channel }>> {
  const rows = await db
    .selectFrom('conversations')
    .select(['id', 'channel'])
    .where('account_id', '=', accountId)
    .where('state', '<>', 'closed')
    .where((eb) =>
      eb.or([
        eb.and([eb('channel', 'in', ['sms', 'wa']), eb('consumer', '=', consumer.phone)]),
        ...(consumer.consumerId !== null ? [eb.and([eb('channel', '=', 'inapp'), eb('consumer', '=', consumer.consumerId)])] : []),
      ]),
    )
    .execute()
  return rows.map((r) => ({ id: r.id, channel: r.channel as Channel }))
}

export async function conversationOfCallExists(db: DbOrTrx, callId: string): Promise<boolean> {
  return (await db.selectFrom('conversations').select('id').where('call_id', '=', callId).executeTakeFirst()) !== undefined
}

/** A change of state guarded by what the caller saw: true when the row still matched and was changed. */
export async function updateConversationIf(
  db: DbOrTrx,
  id: string,
  expected: { state: ConversationState | readonly ConversationState[]; agentId?: string | null },
  set: Partial<Omit<Selectable<ConversationTable>, 'id' | 'account_id'>>,
): Promise<boolean> {
  const states = typeof expected.state === 'string' ? [expected.state] : [...expected.state]
  const result = await db
    .updateTable('conversations')
    .set(set)
    .where('id', '=', id)
    .where('state', 'in', states)
    .$if(expected.agentId !== undefined, (qb) => (expected.agentId === null ? qb.where('agent_id', 'is', null) : qb.where('agent_id', '=', expected.agentId as string)))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Waiting conversations of the brand, oldest first; on PostgreSQL locked, skipping those another instance is offering. */
export async function waitingConversations(db: DbOrTrx, accountId: string, limit: number): Promise<Conversation[]> {
  const rows = await db
    .selectFrom('conversations')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('state', '=', 'queued')
    .orderBy('queued_at')
    .orderBy('id')
    .limit(limit)
    .$if(isPostgres(db), (qb) => qb.forUpdate().skipLocked())
    .execute()
  return rows.map(toConversation)
}

export async function accountsWithWaitingConversations(db: DbOrTrx, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('conversations').select('account_id').distinct().where('state', '=', 'queued').limit(limit).execute()
  return rows.map((r) => r.account_id)
}

/** Rings that ran out by `now`. */
export async function expiredRings(db: DbOrTrx, now: string, limit: number): Promise<Conversation[]> {
  const rows = await db.selectFrom('conversations').selectAll().where('state', '=', 'ringing').where('ring_expires_at', '<=', now).orderBy('ring_expires_at').limit(limit).execute()
  return rows.map(toConversation)
}

export async function ringingWith(db: DbOrTrx, accountId: string, agentId: string): Promise<Conversation[]> {
  const rows = await db.selectFrom('conversations').selectAll().where('account_id', '=', accountId).where('state', '=', 'ringing').where('agent_id', '=', agentId).execute()
  return rows.map(toConversation)
}

export async function queueSize(db: DbOrTrx, accountId: string, skill: string): Promise<number> {
  const row = await db
    .selectFrom('conversations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account_id', '=', accountId)
    .where('state', '=', 'queued')
    .where('skill', '=', skill)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export interface ConversationFilter {
  state?: ConversationState
  skill?: string
  agentId?: string
  /** An agent's view: waiting conversations of these skills, and their own. */
  visibleTo?: { userId: string; skills: readonly string[] }
}

export async function listConversations(db: DbOrTrx, accountId: string, filter: ConversationFilter, page: { offset: number; limit: number }): Promise<{ items: Conversation[]; total: number }> {
  const base = db
    .selectFrom('conversations')
    .where('account_id', '=', accountId)
    .$if(filter.state !== undefined, (qb) => qb.where('state', '=', filter.state as string))
    .$if(filter.skill !== undefined, (qb) => qb.where('skill', '=', filter.skill as string))
    .$if(filter.agentId !== undefined, (qb) => qb.where('agent_id', '=', filter.agentId as string))
    .$if(filter.visibleTo !== undefined, (qb) => {
      const viewer = filter.visibleTo as NonNullable<ConversationFilter['visibleTo']>
      return qb.where((eb) =>
        eb.or([
          eb('agent_id', '=', viewer.userId),
          ...(viewer.skills.length > 0 ? [eb.and([eb('state', '=', 'queued'), eb('skill', 'in', [...viewer.skills])])] : []),
        ]),
      )
    })
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('updated_at', 'desc').orderBy('id').offset(page.offset).limit(page.limit).execute(),
    base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ])
  return { items: rows.map(toConversation), total: Number(count.n) }
}

// ── transcript ──────────────────────────────────────────────────────────────────────────────

export type MessageAuthor = 'consumer' | 'agent' | 'invitation'

export interface TranscriptEntry {
  id: string
  seq: number
  author: MessageAuthor
  agentId: string | null
  text: string
  outboxId: string | null
  createdAt: string
}

/** Appends to the transcript; the sequence number is the next of the conversation (the caller's transaction holds the conversation). */
export async function appendMessage(db: DbOrTrx, conversationId: string, accountId: string, entry: Omit<TranscriptEntry, 'seq'> & { inboundId?: string | null }): Promise<TranscriptEntry> {
  const last = await db.selectFrom('conversation_messages').select((eb) => eb.fn.max('seq').as('seq')).where('conversation_id', '=', conversationId).executeTakeFirst()
  const seq = Number(last?.seq ?? 0) + 1
  await db
    .insertInto('conversation_messages')
    .values({
      id: entry.id,
      conversation_id: conversationId,
      account_id: accountId,
      seq,
      author: entry.author,
      agent_id: entry.agentId,
      text: entry.text,
      inbound_id: entry.inboundId ?? null,
      outbox_id: entry.outboxId,
      created_at: entry.createdAt,
    })
    .execute()
  return { ...entry, seq }
}

export async function transcriptOf(db: DbOrTrx, conversationId: string, limit = 500): Promise<TranscriptEntry[]> {
  const rows = await db.selectFrom('conversation_messages').selectAll().where('conversation_id', '=', conversationId).orderBy('seq').limit(limit).execute()
  return rows.map((r) => ({ id: r.id, seq: r.seq, author: r.author as MessageAuthor, agentId: r.agent_id, text: r.text, outboxId: r.outbox_id, createdAt: r.created_at }))
}

// ── agents ──────────────────────────────────────────────────────────────────────────────────

export const AGENT_ROLES = ['agent', 'agent-manager'] as const

export async function agentCandidates(db: DbOrTrx, accountId: string): Promise<AgentCandidate[]> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'status', 'skills', 'load', 'max_conversations', 'last_assigned_at'])
    .where('account_id', '=', accountId)
    .where('status', '=', 'online')
    .where('role', 'in', [...AGENT_ROLES])
    .where('disabled_at', 'is', null)
    .where(sql<boolean>`load < max_conversations`)
    .execute()
  return rows.map((r) => ({ id: r.id, status: r.status as AgentStatus, skills: JSON.parse(r.skills) as string[], load: r.load, maxConversations: r.max_conversations, lastAssignedAt: r.last_assigned_at }))
}

export async function findAgent(db: DbOrTrx, accountId: string, userId: string): Promise<(AgentCandidate & { role: string }) | undefined> {
  const r = await db
    .selectFrom('users')
    .select(['id', 'role', 'status', 'skills', 'load', 'max_conversations', 'last_assigned_at'])
    .where('account_id', '=', accountId)
    .where('id', '=', userId)
    .where('role', 'in', [...AGENT_ROLES])
    .where('disabled_at', 'is', null)
    .executeTakeFirst()
  return r && { id: r.id, role: r.role, status: r.status as AgentStatus, skills: JSON.parse(r.skills) as string[], load: r.load, maxConversations: r.max_conversations, lastAssignedAt: r.last_assigned_at }
}

/**
 * Takes one unit of the agent's capacity, only if they still have room (and, with `online`, are
 * online): the guard against two offers or accepts filling an agent past their maximum, whichever
 * instance makes them. PostgreSQL re-checks the condition on the locked row.
 */
export async function takeCapacity(db: DbOrTrx, userId: string, at: string, options: { online: boolean }): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set((eb) => ({ load: eb('load', '+', 1), last_assigned_at: at }))
    .where('id', '=', userId)
    .where('disabled_at', 'is', null)
    .where(sql<boolean>`load < max_conversations`)
    .$if(options.online, (qb) => qb.where('status', '=', 'online'))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function releaseCapacity(db: DbOrTrx, userId: string): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({ load: eb('load', '-', 1) }))
    .where('id', '=', userId)
    .where('load', '>', 0)
    .execute()
}

export async function setAgentStatus(db: DbOrTrx, accountId: string, userId: string, status: AgentStatus, at: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ status, updated_at: at }).where('account_id', '=', accountId).where('id', '=', userId).executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ── settings and steps ─────────────────────────────────────────────────────────────────────

export interface ConversationSettings {
  ringTimeoutSeconds: number
  autoAccept: boolean
  /** The origins (`https://host[:port]`) whose pages may frame the CX widget page. */
  cxWidgetFrameAncestors: string[]
}

export const DEFAULT_CONVERSATION_SETTINGS: ConversationSettings = { ringTimeoutSeconds: DEFAULT_RING_TIMEOUT_SECONDS, autoAccept: false, cxWidgetFrameAncestors: [] }

export async function findConversationSettings(db: DbOrTrx, accountId: string): Promise<ConversationSettings> {
  const row = await db.selectFrom('conversation_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst()
  if (!row) return DEFAULT_CONVERSATION_SETTINGS
  return { ringTimeoutSeconds: row.ring_timeout_seconds, autoAccept: row.auto_accept === 1, cxWidgetFrameAncestors: frameAncestorsOf(row.cx_widget_frame_ancestors) }
}

/** The stored origins, re-checked on the way out: only what the rule admits ever reaches a header. */
function frameAncestorsOf(stored: string): string[] {
  try {
    const parsed: unknown = JSON.parse(stored)
    return Array.isArray(parsed) ? parsed.filter((o): o is string => typeof o === 'string' && isFrameAncestorOrigin(o)).slice(0, MAX_FRAME_ANCESTORS) : []
  } catch {
    return []
  }
}

export async function saveConversationSettings(db: DbOrTrx, accountId: string, settings: ConversationSettings, at: string): Promise<void> {
  const values = {
    ring_timeout_seconds: settings.ringTimeoutSeconds,
    auto_accept: settings.autoAccept ? 1 : 0,
    cx_widget_frame_ancestors: JSON.stringify(settings.cxWidgetFrameAncestors),
    updated_at: at,
  }
  await db
    .insertInto('conversation_settings')
    .values({ account_id: accountId, ...values })
    .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
    .execute()
}

export type ConversationStep = 'created' | 'rung' | 'ring-expired' | 'accepted' | 'transferred' | 'closed'

export interface StepRecord {
  id: string
  accountId: string
  conversationId: string
  callId: string | null
  step: ConversationStep
  skill: string
  source?: ConversationSource
  agentId?: string | null
  waitMs?: number
  by?: string
  detail?: Record<string, unknown>
  at: string
}

/** One step of the reporting funnel, written in the transaction of the change it records. */
export async function recordStep(db: DbOrTrx, step: StepRecord): Promise<void> {
  await db
    .insertInto('conversation_steps')
    .values({
      id: step.id,
      account_id: step.accountId,
      conversation_id: step.conversationId,
      call_id: step.callId,
      step: step.step,
      skill: step.skill,
      source: step.source ?? null,
      agent_id: step.agentId ?? null,
      wait_ms: step.waitMs ?? null,
      by: step.by ?? null,
      detail: step.detail ? JSON.stringify(step.detail) : null,
      at: step.at,
    })
    .execute()
}

export async function stepsOf(db: DbOrTrx, conversationId: string): Promise<Array<{ step: ConversationStep; skill: string; agentId: string | null; waitMs: number | null; by: string | null; at: string }>> {
  const rows = await db.selectFrom('conversation_steps').selectAll().where('conversation_id', '=', conversationId).orderBy('at').orderBy('id').execute()
  return rows.map((r) => ({ step: r.step as ConversationStep, skill: r.skill, agentId: r.agent_id, waitMs: r.wait_ms, by: r.by, at: r.at }))
}
