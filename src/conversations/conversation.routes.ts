import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { type Actor, actorOf, actorRef, requireAccess } from '../auth/actor.ts'
import { CHANNELS } from '../shared/channel.ts'
import { apiError } from '../shared/errors.ts'
import { maskPhone } from '../lib/phone.ts'
import { AccountParams, AUTHENTICATED_ERRORS, CallId } from '../http/schemas.ts'
import { FRAME_ANCESTOR_PATTERN, MAX_FRAME_ANCESTORS, MAX_FRAME_ANCESTOR_LENGTH } from './frame-ancestors.ts'
import { type Conversation, type TranscriptEntry, listConversations, transcriptOf, findConversationSettings, saveConversationSettings } from './conversation.repository.ts'
import { acceptConversation, closeConversation, getConversation, replyToConversation, setStatus, transferConversation } from './conversation.service.ts'
import { conversationChanged, wakeStreams } from './after-commit.ts'
import { cxWidgetOf } from './cx-widget.ts'
import { summaryOf } from './conversation-events.ts'
import type { Viewer } from './permissions.ts'
import { AGENT_STATUSES, CONVERSATION_SOURCES, CONVERSATION_STATES } from './routing.ts'

const tags = ['conversations']
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

const ConversationParams = Type.Intersect([AccountParams, Type.Object({ conversationId: CallId({ description: 'the conversation\'s id' }) })])
const SkillName = Type.String({ minLength: 1, maxLength: 255 })
const State = Type.Enum([...CONVERSATION_STATES])

/** What every view of a conversation shows: the list's entries, the detail, the live events. */
const summaryProperties = {
  id: Type.String(),
  state: State,
  skill: Type.String(),
  source: Type.Enum([...CONVERSATION_SOURCES]),
  channel: Type.Enum([...CHANNELS]),
  callId: Nullable(Type.String()),
  handoffId: Nullable(Type.String()),
  agentId: Nullable(Type.String()),
  ringExpiresAt: Nullable(Type.String({ format: 'date-time' })),
  queuedAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
}
const Summary = Type.Object(summaryProperties)
const Message = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  author: Type.Enum(['consumer', 'agent', 'invitation']),
  agentId: Nullable(Type.String()),
  text: Type.String(),
  outboxId: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
})
const Outbound = Type.Object({
  messageId: Type.String(),
  callId: Nullable(Type.String()),
  handoffId: Nullable(Type.String()),
  channel: Type.Enum([...CHANNELS]),
  text: Type.String(),
  sentAt: Type.String({ format: 'date-time' }),
  status: Type.String(),
})
const Detail = Type.Object({
  ...summaryProperties,
  consumer: Type.Object({ id: Type.String({ description: 'the consumer\'s number, masked (sms, wa), or consumerId (inapp)' }), brandAddress: Type.String({ description: 'the brand number or app the consumer writes to' }) }),
  agent: Nullable(Type.Object({ id: Type.String(), login: Type.String() })),
  sdes: Nullable(Type.Array(Type.Unknown())),
  lastConsumerMessageAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  closedAt: Nullable(Type.String({ format: 'date-time' })),
  messages: Type.Array(Message),
  cxWidget: Type.Object({ firstOutbound: Nullable(Outbound), recent: Type.Array(Outbound, { maxItems: 5 }) }, { description: 'the deflection\'s first outbound message, and the service\'s invitations to this consumer of the last 30 days (at most five, newest first)' }),
})
const ListQuery = Type.Object(
  {
    state: Type.Optional(State),
    skill: Type.Optional(SkillName),
    agent: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
)
const ReplyBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false })
const TransferBody = Type.Union([Type.Object({ skill: SkillName }, { additionalProperties: false }), Type.Object({ agentId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false })])
const StatusBody = Type.Object({ status: Type.Enum([...AGENT_STATUSES]) }, { additionalProperties: false })
const settingsFields = {
  ringTimeoutSeconds: Type.Integer({ minimum: 5, maximum: 3600, description: 'how long a ring waits for the agent before it moves on (default 60)' }),
  autoAccept: Type.Boolean({ description: 'assign new conversations to the best agent directly instead of ringing' }),
  cxWidgetFrameAncestors: Type.Array(Type.String({ minLength: 1, maxLength: MAX_FRAME_ANCESTOR_LENGTH, pattern: FRAME_ANCESTOR_PATTERN }), {
    maxItems: MAX_FRAME_ANCESTORS,
    uniqueItems: true,
    description: 'origins (`https://host[:port]`, a leading `*.` allowed; `http://` only for localhost) whose pages may frame the CX widget page; none by default',
  }),
}
const SettingsBody = Type.Object(settingsFields, { additionalProperties: false })
/** A PUT without `cxWidgetFrameAncestors` keeps the brand's current origins. */
const SettingsUpdate = Type.Object({ ...settingsFields, cxWidgetFrameAncestors: Type.Optional(settingsFields.cxWidgetFrameAncestors) }, { additionalProperties: false })

/** Who may use the conversation APIs: agents, agent managers, and the brand's desk with an API key of the `conversations` privilege. */
const conversationAccess = { key: 'conversations', roles: ['agent', 'agent-manager'] } as const

export function viewerOf(actor: Actor): Viewer {
  if (actor.kind === 'key') return { kind: 'desk' }
  return { kind: actor.role === 'agent-manager' ? 'manager' : 'agent', userId: actor.userId, skills: actor.skills }
}

/** Conversations between consumers and the brand's agents (or its own desk): reading, accepting, replying, transferring, closing. */
export function conversationRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const onRequest = requireAccess(ctx, conversationAccess)
    const viewer = (request: FastifyRequest) => viewerOf(actorOf(request))
    const by = (request: FastifyRequest) => actorRef(actorOf(request))

    app.get(
      '/conversations',
      {
        onRequest,
        schema: {
          tags,
          summary: 'List conversations',
          description: 'Agents see the waiting conversations of their skills and their own; agent managers and the desk see all of the brand\'s. Newest activity first.',
          params: AccountParams,
          querystring: ListQuery,
          response: { 200: Type.Object({ items: Type.Array(Summary), page: Type.Integer(), pageSize: Type.Integer(), total: Type.Integer() }), ...AUTHENTICATED_ERRORS },
        },
      },
      async (request) => {
        const { accountId } = request.params
        const { page, pageSize, state, skill, agent } = request.query
        const v = viewer(request)
        const { items, total } = await listConversations(
          ctx.db,
          accountId,
          { ...(state ? { state } : {}), ...(skill ? { skill } : {}), ...(agent ? { agentId: agent } : {}), ...(v.kind === 'agent' ? { visibleTo: { userId: v.userId, skills: v.skills } } : {}) },
          { offset: (page - 1) * pageSize, limit: pageSize },
        )
        return { items: items.map(summaryOf), page, pageSize, total }
      },
    )

    app.get(
      '/conversations/:conversationId',
      { onRequest, schema: { tags, summary: 'A conversation with its transcript and the CX widget', params: ConversationParams, response: { 200: Detail, ...AUTHENTICATED_ERRORS } } },
      async (request) => {
        const { accountId, conversationId } = request.params
        const c = await getConversation(ctx, accountId, conversationId, viewer(request))
        return detailOf(ctx, c)
      },
    )

    app.post(
      '/conversations/:conversationId/accept',
      { onRequest, schema: { tags, summary: 'Accept a conversation rung to you, or take one waiting in your skills\' queue', params: ConversationParams, response: { 200: Summary, 409: AUTHENTICATED_ERRORS[404], ...AUTHENTICATED_ERRORS } } },
      async (request) => {
        const { accountId, conversationId } = request.params
        const c = await acceptConversation(ctx, accountId, conversationId, viewer(request), by(request))
        wakeStreams(ctx, accountId)
        return summaryOf(c)
      },
    )

    app.post(
      '/conversations/:conversationId/messages',
      {
        onRequest,
        schema: {
          tags,
          summary: 'Reply to the consumer',
          description: 'Delivered through the outbox on the conversation\'s channel, from the number or app the consumer wrote to. SMS replies are at most 1,600 characters. On WhatsApp, free-form text is accepted only within 24 hours of the consumer\'s last message (400 1401 otherwise).',
          params: ConversationParams,
          body: ReplyBody,
          response: { 201: Message, 409: AUTHENTICATED_ERRORS[404], ...AUTHENTICATED_ERRORS },
        },
      },
      async (request, reply) => {
        const { accountId, conversationId } = request.params
        const entry = await replyToConversation(ctx, accountId, conversationId, viewer(request), request.body.text)
        wakeStreams(ctx, accountId)
        return reply.code(201).send(entry)
      },
    )

    app.post(
      '/conversations/:conversationId/transfer',
      {
        onRequest,
        schema: {
          tags,
          summary: 'Transfer to another skill\'s queue, or (agent managers, the desk) ring a specific agent',
          params: ConversationParams,
          body: TransferBody,
          response: { 200: Summary, 409: AUTHENTICATED_ERRORS[404], ...AUTHENTICATED_ERRORS },
        },
      },
      async (request) => {
        const { accountId, conversationId } = request.params
        const c = await transferConversation(ctx, accountId, conversationId, viewer(request), request.body, by(request))
        await conversationChanged(ctx, accountId)
        return summaryOf(c)
      },
    )

    app.post(
      '/conversations/:conversationId/close',
      { onRequest, schema: { tags, summary: 'Close a conversation', params: ConversationParams, response: { 200: Summary, 409: AUTHENTICATED_ERRORS[404], ...AUTHENTICATED_ERRORS } } },
      async (request) => {
        const { accountId, conversationId } = request.params
        const c = await closeConversation(ctx, accountId, conversationId, viewer(request), by(request))
        await conversationChanged(ctx, accountId)
        return summaryOf(c)
      },
    )

    app.put(
      '/agents/me/status',
      {
        onRequest: requireAccess(ctx, { key: null, roles: ['agent', 'agent-manager'] }),
        schema: { tags, summary: 'Set your availability: only online agents are offered conversations', params: AccountParams, body: StatusBody, response: { 200: StatusBody, ...AUTHENTICATED_ERRORS } },
      },
      async (request) => {
        const actor = actorOf(request)
        if (actor.kind !== 'user') throw apiError('notEnoughPrivilege')
        await setStatus(ctx, request.params.accountId, actor.userId, request.body.status)
        await conversationChanged(ctx, request.params.accountId)
        return { status: request.body.status }
      },
    )

    app.get(
      '/agents',
      {
        onRequest: requireAccess(ctx, { key: 'conversations', roles: ['agent-manager', 'admin'] }),
        schema: {
          tags,
          summary: 'The brand\'s agents with their status and load',
          params: AccountParams,
          response: {
            200: Type.Object({
              items: Type.Array(Type.Object({ id: Type.String(), login: Type.String(), role: Type.String(), skills: Type.Array(Type.String()), status: Type.Enum([...AGENT_STATUSES]), load: Type.Integer(), maxConversations: Type.Integer() })),
            }),
            ...AUTHENTICATED_ERRORS,
          },
        },
      },
      async (request) => {
        const rows = await ctx.db
          .selectFrom('users')
          .select(['id', 'login', 'role', 'skills', 'status', 'load', 'max_conversations'])
          .where('account_id', '=', request.params.accountId)
          .where('role', 'in', ['agent', 'agent-manager'])
          .where('disabled_at', 'is', null)
          .orderBy('login')
          .limit(1000)
          .execute()
        return { items: rows.map((r) => ({ id: r.id, login: r.login, role: r.role, skills: JSON.parse(r.skills) as string[], status: r.status as 'online', load: r.load, maxConversations: r.max_conversations })) }
      },
    )

    app.get(
      '/conversation-settings',
      {
        onRequest: requireAccess(ctx, { key: 'management', roles: ['admin', 'campaign-manager', 'lpa'] }),
        schema: { tags, summary: 'How conversations are offered to agents', params: AccountParams, response: { 200: SettingsBody, ...AUTHENTICATED_ERRORS } },
      },
      async (request) => findConversationSettings(ctx.db, request.params.accountId),
    )

    app.put(
      '/conversation-settings',
      {
        onRequest: requireAccess(ctx, { key: 'management', roles: ['admin', 'campaign-manager'] }),
        schema: { tags, summary: 'Set the ring timeout, auto-accept and the CX widget page\'s frame ancestors', params: AccountParams, body: SettingsUpdate, response: { 200: SettingsBody, ...AUTHENTICATED_ERRORS } },
      },
      async (request) => {
        const { accountId } = request.params
        const settings = { cxWidgetFrameAncestors: (await findConversationSettings(ctx.db, accountId)).cxWidgetFrameAncestors, ...request.body }
        await saveConversationSettings(ctx.db, accountId, settings, ctx.clock.now().toISOString())
        return settings
      },
    )
  }
}

async function detailOf(ctx: AppContext, c: Conversation) {
  const [messages, agent, cxWidget] = await Promise.all([
    transcriptOf(ctx.db, c.id),
    c.agentId ? ctx.db.selectFrom('users').select(['id', 'login']).where('id', '=', c.agentId).executeTakeFirst() : Promise.resolve(undefined),
    cxWidgetOf(ctx.db, c, ctx.clock.now()),
  ])
  return {
    ...summaryOf(c),
    consumer: { id: c.channel === 'inapp' ? c.consumer : maskPhone(c.consumer), brandAddress: c.brandAddress },
    agent: agent ? { id: agent.id, login: agent.login } : null,
    sdes: c.sdes,
    lastConsumerMessageAt: c.lastConsumerMessageAt,
    createdAt: c.createdAt,
    closedAt: c.closedAt,
    messages: messages satisfies TranscriptEntry[],
    cxWidget,
  }
}
