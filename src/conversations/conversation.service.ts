import type { Transaction } from 'kysely'
import type { FastifyBaseLogger } from 'fastify'
import type { AppContext } from '../context.ts'
import type { Database } from '../store/schema.ts'
import type { ConsumerMessage } from '../inbound/inbound.repository.ts'
import type { OutboundMessage } from '../channels/outbound-message.ts'
import type { IdGenerator } from '../lib/ids.ts'
import { findSettings } from '../brand-config/settings.repository.ts'
import { findOutboxByCall, enqueue } from '../delivery/outbox.repository.ts'
import { isOptedOut } from '../contacts/opt-out.repository.ts'
import { apiError, invalidFields } from '../shared/errors.ts'
import { lockKey, tryLockKey } from '../store/database.ts'
import { findChannelMode } from '../brand-config/channel-mode.repository.ts'
import type { ChannelMode } from '../shared/channel.ts'
import {
  type Conversation,
  type TranscriptEntry,
  agentCandidates,
  appendMessage,
  conversationOfCallExists,
  findActiveConversation,
  findAgent,
  findConversation,
  findConversationSettings,
  insertConversation,
  queueSize,
  recordStep,
  releaseCapacity,
  takeCapacity,
  updateConversationIf,
  waitingConversations,
} from './conversation.repository.ts'
import { latestInvitedCall } from './consumer-calls.repository.ts'
import { deskMode } from '../webhooks/webhook-events.ts'
import { deskEvent, messageAdded, queueChanged, rang, stateChanged } from './conversation-events.ts'
import { type Act, type Viewer, decide } from './permissions.ts'
import { type ConversationState, rankAgents, ringExpiry, routeInbound, withinWhatsAppWindow } from './routing.ts'

export type ConversationContext = Pick<AppContext, 'db' | 'clock' | 'ids' | 'dispatcher' | 'live' | 'webhooks'> & { logger: FastifyBaseLogger }

/** The longest reply each channel carries: an SMS of ten segments, as invitations; WhatsApp and in-app text. */
export const REPLY_MAX_LENGTH: Record<string, number> = { sms: 1600, wa: 4096, inapp: 4096 }

export interface Attached {
  conversationId: string
  created: boolean
  accountId: string
}

/**
 * Attaches a consumer's message to its conversation, in the transaction that records it (so a
 * message is never recorded without reaching a conversation): appended to the consumer's active
 * conversation on the channel, or the start of a new one — deflected within the lookback period
 * of the consumer's latest invitation, inbound on the default skill otherwise (see routeInbound).
 * A consent keyword (STOP, HELP, …) joins an active conversation but never starts one.
 */
export async function attachConsumerMessage(
  trx: Transaction<Database>,
  ids: IdGenerator,
  message: ConsumerMessage,
  inbound: { id: string; at: string; keyword: boolean },
  now: Date,
): Promise<Attached | null> {
  // Two messages of one consumer at once: the second waits for the first's conversation.
  await lockKey(trx, `conversation:${message.accountId}:${message.channel}:${message.from}`)
  const active = await findActiveConversation(trx, message.accountId, message.channel, message.from)
  const via = await wayBack(trx, message)
  if (active) {
    await trx.updateTable('conversations').set({ last_consumer_message_at: inbound.at, updated_at: inbound.at, via }).where('id', '=', active.id).execute()
    const entry = await appendMessage(trx, active.id, active.accountId, { id: ids.uuid(), author: 'consumer', agentId: null, text: message.text, outboxId: null, createdAt: inbound.at, inboundId: inbound.id })
    await messageAdded(trx, ids, active, entry, inbound.at)
    return { conversationId: active.id, created: false, accountId: active.accountId }
  }
  if (inbound.keyword) return null

  const call = await latestInvitedCall(trx, message.accountId, message.channel, message.from)
  const settings = await findSettings(trx, message.accountId)
  const routing = routeInbound({
    active: undefined,
    call: call && { ...call.routing, hadConversation: await conversationOfCallExists(trx, call.routing.id) },
    defaultSkill: settings?.routing.defaultSkill ?? '',
    now,
  })
  if (routing.action === 'append') throw new Error('unreachable: no active conversation')
  const deflected = routing.source === 'ivr-deflection' ? call : undefined
  const desk = (await deskMode(trx, message.accountId)) === 'instead'
  const conversation: Conversation = {
    id: ids.uuid(),
    accountId: message.accountId,
    channel: message.channel,
    consumer: message.from,
    brandAddress: message.to,
    via,
    // The brand's own desk, when it takes conversations instead of the built-in agents, holds them from the start.
    state: desk ? 'open' : 'queued',
    skill: routing.skill,
    source: routing.source,
    callId: deflected?.call.id ?? null,
    handoffId: deflected?.call.handoffId ?? null,
    sdes: deflected?.call.sdes ?? null,
    agentId: null,
    ringExpiresAt: null,
    passedOver: [],
    queuedAt: inbound.at,
    acceptedAt: desk ? inbound.at : null,
    closedAt: null,
    closedBy: null,
    lastConsumerMessageAt: inbound.at,
    createdAt: inbound.at,
    updatedAt: inbound.at,
  }
  await insertConversation(trx, conversation)
  await recordStep(trx, { id: ids.uuid(), accountId: conversation.accountId, conversationId: conversation.id, callId: conversation.callId, step: 'created', skill: conversation.skill, source: conversation.source, by: 'consumer', at: inbound.at })
  let invitationEntry: TranscriptEntry | undefined
  if (deflected) {
    // The invitation opens the transcript: the agent sees what the consumer is answering.
    const invitation = await findOutboxByCall(trx, deflected.call.id)
    if (invitation) {
      invitationEntry = await appendMessage(trx, conversation.id, conversation.accountId, { id: ids.uuid(), author: 'invitation', agentId: null, text: invitation.message.text, outboxId: invitation.id, createdAt: deflected.call.invitedAt ?? inbound.at })
    }
  }
  const entry = await appendMessage(trx, conversation.id, conversation.accountId, { id: ids.uuid(), author: 'consumer', agentId: null, text: message.text, outboxId: null, createdAt: inbound.at, inboundId: inbound.id })
  await stateChanged(trx, conversation, inbound.at)
  await deskEvent(trx, ids, 'conversation.created', conversation, inbound.at, { messages: invitationEntry ? [invitationEntry] : [] })
  await messageAdded(trx, ids, conversation, entry, inbound.at)
  if (conversation.state === 'queued') await queueChanged(trx, conversation.accountId, conversation.skill, await queueSize(trx, conversation.accountId, conversation.skill), inbound.at)
  return { conversationId: conversation.id, created: true, accountId: conversation.accountId }
}

/**
 * The way replies go back: the way the consumer's message came in — the simulator's or the
 * provider's. The brand's app reaches us directly (the consumer API), so its replies follow the
 * in-app channel's mode (the push goes through FCM when live, into the simulator otherwise).
 */
async function wayBack(trx: Transaction<Database>, message: ConsumerMessage): Promise<ChannelMode> {
  if (message.provider === 'sandbox') return 'sandbox'
  if (message.provider === 'app') return findChannelMode(trx, message.accountId, message.channel)
  return 'live'
}

/** How many waiting conversations one offering round looks at, oldest first. */
const OFFER_BATCH = 50

/**
 * Offers the brand's waiting conversations, oldest first, each to the best agent of its skill who
 * is online with room (ringing them, or assigning directly with auto-accept). Capacity is taken by
 * a conditional update on the agent's row and the conversation changes only if still waiting, so
 * two instances offering at once never assign one conversation twice nor fill an agent past their
 * maximum. Answers how many were offered.
 */
export async function offerWaiting(ctx: ConversationContext, accountId: string): Promise<number | 'busy'> {
  const at = ctx.clock.now()
  const iso = at.toISOString()
  return ctx.db.transaction().execute(async (trx) => {
    // One offering round per brand at a time, across instances: two rounds taking agents' rows in
    // different orders would deadlock each other on PostgreSQL. (Conversations are only ever locked
    // before agents' rows, by every path, for the same reason.) A round already under way is not
    // waited for — requests would queue on it, holding connections — but reported, to try again.
    if (!(await tryLockKey(trx, `offer:${accountId}`))) return 'busy'
    const waiting = await waitingConversations(trx, accountId, OFFER_BATCH)
    if (waiting.length === 0) return 0
    const settings = await findConversationSettings(trx, accountId)
    const agents = await agentCandidates(trx, accountId)
    let offered = 0
    const touchedSkills = new Set<string>()
    for (const conversation of waiting) {
      for (const agent of rankAgents(agents, conversation.skill, conversation.passedOver)) {
        if (!(await takeCapacity(trx, agent.id, iso, { online: true }))) continue
        const state: ConversationState = settings.autoAccept ? 'open' : 'ringing'
        const ringExpiresAt = settings.autoAccept ? null : ringExpiry(at, settings.ringTimeoutSeconds)
        const changed = await updateConversationIf(trx, conversation.id, { state: 'queued' }, {
          state,
          agent_id: agent.id,
          ring_expires_at: ringExpiresAt,
          accepted_at: settings.autoAccept ? iso : null,
          updated_at: iso,
        })
        if (!changed) {
          await releaseCapacity(trx, agent.id)
          break
        }
        agent.load += 1
        agent.lastAssignedAt = iso
        const now: Conversation = { ...conversation, state, agentId: agent.id, ringExpiresAt, acceptedAt: settings.autoAccept ? iso : null, updatedAt: iso }
        const step = { id: ctx.ids.uuid(), accountId, conversationId: conversation.id, callId: conversation.callId, skill: conversation.skill, agentId: agent.id, by: 'system', at: iso }
        if (settings.autoAccept) await recordStep(trx, { ...step, step: 'accepted', waitMs: waitOf(conversation, at) })
        else await recordStep(trx, { ...step, step: 'rung' })
        if (!settings.autoAccept) await rang(trx, now, iso)
        await stateChanged(trx, now, iso)
        touchedSkills.add(conversation.skill)
        offered += 1
        break
      }
    }
    for (const skill of touchedSkills) await queueChanged(trx, accountId, skill, await queueSize(trx, accountId, skill), iso)
    return offered
  })
}

function waitOf(c: Conversation, now: Date): number {
  return Math.max(0, now.getTime() - Date.parse(c.queuedAt))
}

/**
 * Rings that ran out go back to their queue, with the agent who let them ring passed over next
 * time (they are offered to anyone else first). Answers the brands whose queues changed.
 */
export async function expireRings(ctx: ConversationContext, limit = 100): Promise<string[]> {
  const at = ctx.clock.now().toISOString()
  const accounts = new Set<string>()
  const expired = await ctx.db.selectFrom('conversations').select(['id', 'account_id']).where('state', '=', 'ringing').where('ring_expires_at', '<=', at).limit(limit).execute()
  for (const { id, account_id: accountId } of expired) {
    const moved = await ctx.db.transaction().execute(async (trx) => {
      const c = await findConversation(trx, accountId, id, { lock: true })
      if (!c || c.state !== 'ringing' || !c.agentId || (c.ringExpiresAt !== null && c.ringExpiresAt > at)) return false
      const now: Conversation = { ...c, state: 'queued', agentId: null, ringExpiresAt: null, passedOver: [...new Set([...c.passedOver, c.agentId])], updatedAt: at }
      const changed = await updateConversationIf(trx, c.id, { state: 'ringing', agentId: c.agentId }, { state: 'queued', agent_id: null, ring_expires_at: null, passed_over: JSON.stringify(now.passedOver), updated_at: at })
      if (!changed) return false
      await releaseCapacity(trx, c.agentId)
      await recordStep(trx, { id: ctx.ids.uuid(), accountId, conversationId: c.id, callId: c.callId, step: 'ring-expired', skill: c.skill, agentId: c.agentId, by: 'system', at })
      await stateChanged(trx, now, at, c.agentId)
      await queueChanged(trx, accountId, c.skill, await queueSize(trx, accountId, c.skill), at)
      return true
    })
    if (moved) accounts.add(accountId)
  }
  return [...accounts]
}

// ── what people and desks do ────────────────────────────────────────────────────────────────

/** Loads the conversation and checks the viewer may do `act` in its state: 404, 403 or 409 otherwise. */
async function reach(trx: Transaction<Database> | ConversationContext['db'], accountId: string, id: string, viewer: Viewer, act: Act): Promise<Conversation> {
  const c = await findConversation(trx, accountId, id, { lock: trx.isTransaction })
  if (!c) throw apiError('notFound', 'no such conversation')
  const decision = decide(viewer, c, act)
  if (decision === 'forbidden') throw apiError('notEnoughPrivilege', `this conversation is not yours to ${act === 'read' ? 'see' : act.replace(/-/g, ' ')}`)
  if (decision === 'conflict') throw apiError('conflict', conflictDetail(c, act))
  return c
}

function conflictDetail(c: Conversation, act: Act): string {
  if (c.state === 'closed') return 'the conversation is closed'
  if (act === 'accept') return c.state === 'ringing' ? 'the conversation is offered to another agent' : 'the conversation was accepted already'
  if (act === 'reply') return 'accept the conversation before replying'
  return `the conversation is ${c.state}`
}

export async function getConversation(ctx: ConversationContext, accountId: string, id: string, viewer: Viewer): Promise<Conversation> {
  return reach(ctx.db, accountId, id, viewer, 'read')
}

export async function acceptConversation(ctx: ConversationContext, accountId: string, id: string, viewer: Viewer, by: string): Promise<Conversation> {
  const at = ctx.clock.now()
  const iso = at.toISOString()
  return ctx.db.transaction().execute(async (trx) => {
    const c = await reach(trx, accountId, id, viewer, 'accept')
    const agentId = viewer.kind === 'desk' ? null : viewer.userId
    if (c.state === 'ringing' && c.agentId === agentId) {
      // The ring already holds the agent's capacity.
      if (!(await updateConversationIf(trx, c.id, { state: 'ringing', agentId }, { state: 'open', ring_expires_at: null, accepted_at: iso, updated_at: iso }))) throw apiError('conflict', 'the conversation changed meanwhile')
    } else {
      if (agentId !== null && !(await takeCapacity(trx, agentId, iso, { online: false }))) throw apiError('conflict', 'you are at your maximum number of conversations')
      const previous = c.agentId
      if (!(await updateConversationIf(trx, c.id, { state: c.state, agentId: c.agentId }, { state: 'open', agent_id: agentId, ring_expires_at: null, accepted_at: iso, updated_at: iso }))) throw apiError('conflict', 'the conversation was accepted already')
      // Taken from another agent's ring (by the desk): that agent's capacity comes back.
      if (previous !== null && previous !== agentId) await releaseCapacity(trx, previous)
    }
    const now: Conversation = { ...c, state: 'open', agentId, ringExpiresAt: null, acceptedAt: iso, updatedAt: iso }
    await recordStep(trx, { id: ctx.ids.uuid(), accountId, conversationId: c.id, callId: c.callId, step: 'accepted', skill: c.skill, agentId, waitMs: waitOf(c, at), by, at: iso })
    await stateChanged(trx, now, iso, c.agentId)
    if (c.state === 'queued') await queueChanged(trx, accountId, c.skill, await queueSize(trx, accountId, c.skill), iso)
    return now
  })
}

/**
 * An agent's (or the desk's) message to the consumer: into the transcript and the outbox in one
 * transaction, delivered like an invitation (retries, status tracking), on the conversation's
 * channel from the number or app the consumer wrote to, the way the consumer's messages come in.
 */
export async function replyToConversation(ctx: ConversationContext, accountId: string, id: string, viewer: Viewer, text: string): Promise<TranscriptEntry> {
  const at = ctx.clock.now()
  const iso = at.toISOString()
  const entry = await ctx.db.transaction().execute(async (trx) => {
    const c = await reach(trx, accountId, id, viewer, 'reply')
    const max = REPLY_MAX_LENGTH[c.channel] ?? 4096
    if (text.length > max) throw invalidFields([{ field: 'text', message: `must be at most ${max} characters on ${c.channel}` }])
    if (c.channel === 'wa' && !withinWhatsAppWindow(c.lastConsumerMessageAt, at)) throw apiError('whatsAppWindowClosed')
    if ((c.channel === 'sms' || c.channel === 'wa') && (await isOptedOut(trx, accountId, c.consumer, c.channel, c.brandAddress))) {
      throw apiError('messageCannotBeSent', `the consumer opted out of ${c.channel} from ${c.brandAddress}`)
    }
    const outboxId = ctx.ids.uuid()
    const message: OutboundMessage = {
      id: outboxId,
      accountId,
      kind: 'reply',
      callId: null,
      channel: c.channel,
      to: c.consumer,
      from: c.brandAddress,
      text,
      skill: c.skill,
      lookbackMinutes: 0,
      via: c.via,
      conversationId: c.id,
      ...(c.channel === 'inapp' ? { inapp: { appIds: [c.brandAddress] } } : {}),
    }
    await enqueue(trx, message, iso)
    const added = await appendMessage(trx, c.id, accountId, { id: ctx.ids.uuid(), author: 'agent', agentId: viewer.kind === 'desk' ? null : viewer.userId, text, outboxId, createdAt: iso })
    await trx.updateTable('conversations').set({ updated_at: iso }).where('id', '=', c.id).execute()
    await messageAdded(trx, ctx.ids, { ...c, updatedAt: iso }, added, iso)
    return added
  })
  ctx.dispatcher.kick()
  return entry
}

export type TransferTarget = { skill: string } | { agentId: string }

/**
 * Back to a skill's queue (the holder's capacity comes back), or — for a manager or the desk —
 * rung straight to a named agent of the brand who has room.
 */
export async function transferConversation(ctx: ConversationContext, accountId: string, id: string, viewer: Viewer, target: TransferTarget, by: string): Promise<Conversation> {
  const at = ctx.clock.now()
  const iso = at.toISOString()
  return ctx.db.transaction().execute(async (trx) => {
    const c = await reach(trx, accountId, id, viewer, 'agentId' in target ? 'transfer-to-agent' : 'transfer')
    let now: Conversation
    if ('skill' in target) {
      const known = await trx.selectFrom('skills').select('name').where('account_id', '=', accountId).where('name', '=', target.skill).executeTakeFirst()
      if (!known) throw invalidFields([{ field: 'skill', message: 'is not a skill of this brand' }])
      now = { ...c, state: 'queued', skill: target.skill, agentId: null, ringExpiresAt: null, passedOver: [], queuedAt: iso, updatedAt: iso }
      if (!(await updateConversationIf(trx, c.id, { state: c.state, agentId: c.agentId }, { state: 'queued', skill: target.skill, agent_id: null, ring_expires_at: null, passed_over: '[]', queued_at: iso, updated_at: iso }))) {
        throw apiError('conflict', 'the conversation changed meanwhile')
      }
    } else {
      const agent = await findAgent(trx, accountId, target.agentId)
      if (!agent) throw invalidFields([{ field: 'agentId', message: 'is not an agent of this brand' }])
      if (agent.id === c.agentId) throw apiError('conflict', 'the conversation is with that agent already')
      if (!(await takeCapacity(trx, agent.id, iso, { online: true }))) throw apiError('conflict', 'that agent is not online or has no room')
      const settings = await findConversationSettings(trx, accountId)
      const ringExpiresAt = ringExpiry(at, settings.ringTimeoutSeconds)
      now = { ...c, state: 'ringing', agentId: agent.id, ringExpiresAt, passedOver: [], queuedAt: iso, updatedAt: iso }
      if (!(await updateConversationIf(trx, c.id, { state: c.state, agentId: c.agentId }, { state: 'ringing', agent_id: agent.id, ring_expires_at: ringExpiresAt, passed_over: '[]', queued_at: iso, updated_at: iso }))) {
        throw apiError('conflict', 'the conversation changed meanwhile')
      }
      await rang(trx, now, iso)
    }
    if (c.agentId) await releaseCapacity(trx, c.agentId)
    await recordStep(trx, {
      id: ctx.ids.uuid(),
      accountId,
      conversationId: c.id,
      callId: c.callId,
      step: 'transferred',
      skill: now.skill,
      agentId: now.agentId,
      by,
      detail: { fromSkill: c.skill, fromAgentId: c.agentId, ...target },
      at: iso,
    })
    await deskEvent(trx, ctx.ids, 'conversation.transferred', now, iso, { fromSkill: c.skill, fromAgentId: c.agentId, by })
    await stateChanged(trx, now, iso, c.agentId)
    if (now.state === 'queued') await queueChanged(trx, accountId, now.skill, await queueSize(trx, accountId, now.skill), iso)
    if (c.state === 'queued' && c.skill !== now.skill) await queueChanged(trx, accountId, c.skill, await queueSize(trx, accountId, c.skill), iso)
    return now
  })
}

export async function closeConversation(ctx: ConversationContext, accountId: string, id: string, viewer: Viewer, by: string): Promise<Conversation> {
  const iso = ctx.clock.now().toISOString()
  return ctx.db.transaction().execute(async (trx) => {
    const c = await reach(trx, accountId, id, viewer, 'close')
    if (!(await updateConversationIf(trx, c.id, { state: c.state, agentId: c.agentId }, { state: 'closed', ring_expires_at: null, closed_at: iso, closed_by: by, updated_at: iso }))) {
      throw apiError('conflict', 'the conversation changed meanwhile')
    }
    if (c.agentId) await releaseCapacity(trx, c.agentId)
    const now: Conversation = { ...c, state: 'closed', ringExpiresAt: null, closedAt: iso, closedBy: by, updatedAt: iso }
    await recordStep(trx, { id: ctx.ids.uuid(), accountId, conversationId: c.id, callId: c.callId, step: 'closed', skill: c.skill, agentId: c.agentId, by, at: iso })
    await deskEvent(trx, ctx.ids, 'conversation.closed', now, iso)
    await stateChanged(trx, now, iso)
    if (c.state === 'queued') await queueChanged(trx, accountId, c.skill, await queueSize(trx, accountId, c.skill), iso)
    return now
  })
}

/**
 * An agent's availability. Going away or offline hands back the rings waiting on them at once (a
 * conversation never waits behind an agent who walked away); conversations they hold stay theirs.
 */
export async function setStatus(ctx: ConversationContext, accountId: string, userId: string, status: 'online' | 'away' | 'offline'): Promise<void> {
  const iso = ctx.clock.now().toISOString()
  const result = await ctx.db.updateTable('users').set({ status, updated_at: iso }).where('account_id', '=', accountId).where('id', '=', userId).executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) throw apiError('notFound', 'no such agent')
  if (status === 'online') return
  // Each ring handed back in a transaction of its own, conversation first, like every other path.
  const rings = await ctx.db.selectFrom('conversations').select('id').where('account_id', '=', accountId).where('state', '=', 'ringing').where('agent_id', '=', userId).execute()
  for (const { id } of rings) {
    await ctx.db.transaction().execute(async (trx) => {
      const c = await findConversation(trx, accountId, id, { lock: true })
      if (!c || c.state !== 'ringing' || c.agentId !== userId) return
      const now: Conversation = { ...c, state: 'queued', agentId: null, ringExpiresAt: null, passedOver: [...new Set([...c.passedOver, userId])], updatedAt: iso }
      if (!(await updateConversationIf(trx, c.id, { state: 'ringing', agentId: userId }, { state: 'queued', agent_id: null, ring_expires_at: null, passed_over: JSON.stringify(now.passedOver), updated_at: iso }))) return
      await releaseCapacity(trx, userId)
      await recordStep(trx, { id: ctx.ids.uuid(), accountId, conversationId: c.id, callId: c.callId, step: 'ring-expired', skill: c.skill, agentId: userId, by: `user:${userId}`, detail: { reason: `agent went ${status}` }, at: iso })
      await stateChanged(trx, now, iso, userId)
      await queueChanged(trx, accountId, c.skill, await queueSize(trx, accountId, c.skill), iso)
    })
  }
}
