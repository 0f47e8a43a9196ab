import { useEffect } from 'react'
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query'
import { api } from '../../lib/api.ts'
import { sessionKeys, type Session } from '../session/session.api.ts'

/** The conversation API as the agent workspace uses it (README: "Conversations and skill routing"). */

export type ConversationState = 'queued' | 'ringing' | 'open' | 'closed'
export type Channel = 'sms' | 'wa' | 'inapp'
export type AgentStatus = 'online' | 'away' | 'offline'

export interface ConversationSummary {
  id: string
  state: ConversationState
  skill: string
  source: 'ivr-deflection' | 'inbound'
  channel: Channel
  callId: string | null
  handoffId: string | null
  agentId: string | null
  ringExpiresAt: string | null
  queuedAt: string
  updatedAt: string
}

export interface TranscriptMessage {
  id: string
  seq: number
  author: 'consumer' | 'agent' | 'invitation'
  agentId: string | null
  text: string
  outboxId: string | null
  createdAt: string
}

export interface OutboundMessage {
  messageId: string
  callId: string | null
  handoffId: string | null
  channel: Channel
  text: string
  sentAt: string
  status: string
}

export interface CxWidget {
  firstOutbound: OutboundMessage | null
  recent: OutboundMessage[]
}

export interface ConversationDetail extends ConversationSummary {
  consumer: { id: string; brandAddress: string }
  agent: { id: string; login: string } | null
  sdes: unknown[] | null
  lastConsumerMessageAt: string | null
  createdAt: string
  closedAt: string | null
  messages: TranscriptMessage[]
  cxWidget: CxWidget
}

export interface AgentRow {
  id: string
  login: string
  role: string
  skills: string[]
  status: AgentStatus
  load: number
  maxConversations: number
}

interface Page<T> {
  items: T[]
  page: number
  pageSize: number
  total: number
}

export const CHANNEL_NAMES: Record<Channel, string> = { sms: 'SMS', wa: 'WhatsApp', inapp: 'App messaging' }

export const workspaceKeys = {
  all: (accountId: string) => ['workspace', accountId] as const,
  lists: (accountId: string) => ['workspace', accountId, 'conversations'] as const,
  list: (accountId: string, filter: ListFilter) => ['workspace', accountId, 'conversations', filter] as const,
  detail: (accountId: string, id: string) => ['workspace', accountId, 'conversation', id] as const,
  agents: (accountId: string) => ['workspace', accountId, 'agents'] as const,
}

export interface ListFilter {
  state: ConversationState
  agent?: string
}

/** One state's conversations the caller may see (an agent: their skills' queue and their own). */
export function useConversations(accountId: string, filter: ListFilter) {
  return useQuery({
    queryKey: workspaceKeys.list(accountId, filter),
    queryFn: () => {
      const query = new URLSearchParams({ state: filter.state, pageSize: '100' })
      if (filter.agent) query.set('agent', filter.agent)
      return api<Page<ConversationSummary>>(accountId, `/conversations?${query}`)
    },
  })
}

export function useConversation(accountId: string, id: string | null) {
  return useQuery({
    queryKey: workspaceKeys.detail(accountId, id ?? ''),
    enabled: id !== null,
    queryFn: () => api<ConversationDetail>(accountId, `/conversations/${encodeURIComponent(id ?? '')}`),
  })
}

/** Every agent with status and load: agent managers only. */
export function useAgents(accountId: string, enabled: boolean) {
  return useQuery({
    queryKey: workspaceKeys.agents(accountId),
    enabled,
    queryFn: async () => (await api<{ items: AgentRow[] }>(accountId, '/agents')).items,
  })
}

export function useSetStatus(session: Session) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (status: AgentStatus) => api<{ status: AgentStatus }>(session.accountId, '/agents/me/status', { method: 'PUT', body: { status } }),
    onSuccess: ({ status }) => {
      queryClient.setQueryData<Session | null>(sessionKeys.current(session.accountId), (current) => (current ? { ...current, user: { ...current.user, status } } : current))
      void queryClient.invalidateQueries({ queryKey: workspaceKeys.all(session.accountId) })
    },
  })
}

type Act = { kind: 'accept' } | { kind: 'close' } | { kind: 'transfer'; to: { skill: string } | { agentId: string } }

/** Accept, transfer or close: the lists and the conversation are read again once the service answered. */
export function useConversationAct(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ id, act }: { id: string; act: Act }) => {
      const path = `/conversations/${encodeURIComponent(id)}/${act.kind}`
      return api<ConversationSummary>(accountId, path, { method: 'POST', ...(act.kind === 'transfer' ? { body: act.to } : {}) })
    },
    onSuccess: (summary) => patchSummary(queryClient, accountId, summary),
    onSettled: () => queryClient.invalidateQueries({ queryKey: workspaceKeys.all(accountId) }),
  })
}

export function useReply(accountId: string, id: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (text: string) => api<TranscriptMessage>(accountId, `/conversations/${encodeURIComponent(id)}/messages`, { method: 'POST', body: { text } }),
    onSuccess: (message) => addMessage(queryClient, accountId, id, message),
  })
}

function patchSummary(queryClient: QueryClient, accountId: string, summary: ConversationSummary): void {
  queryClient.setQueryData<ConversationDetail>(workspaceKeys.detail(accountId, summary.id), (current) => (current ? { ...current, ...summary } : current))
}

function addMessage(queryClient: QueryClient, accountId: string, conversationId: string, message: TranscriptMessage): void {
  queryClient.setQueryData<ConversationDetail>(workspaceKeys.detail(accountId, conversationId), (current) => {
    if (!current || current.messages.some((m) => m.id === message.id)) return current
    return { ...current, messages: [...current.messages, message].sort((a, b) => a.seq - b.seq) }
  })
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped'

/**
 * The account's live events (`GET /events`, server-sent): a message is added to its conversation
 * at once, a state change patches it, and every event has the lists read again. EventSource
 * reconnects by itself and sends Last-Event-ID, so nothing is missed; a `reset` (the log no longer
 * reaches back that far) has everything read again.
 */
export function useLiveEvents(accountId: string, generation: number, onState: (state: LiveState) => void) {
  const queryClient = useQueryClient()
  useEffect(() => {
    const source = new EventSource(`/api/account/${encodeURIComponent(accountId)}/events`, { withCredentials: true })
    const refreshLists = () => {
      void queryClient.invalidateQueries({ queryKey: workspaceKeys.lists(accountId) })
      void queryClient.invalidateQueries({ queryKey: workspaceKeys.agents(accountId) })
    }
    const parse = (event: MessageEvent): unknown => {
      try {
        return JSON.parse(String(event.data))
      } catch {
        return null
      }
    }
    onState('connecting')
    source.onopen = () => {
      onState('live')
      // Whatever changed while the stream was being opened.
      void queryClient.invalidateQueries({ queryKey: workspaceKeys.all(accountId) })
    }
    source.onerror = () => onState(source.readyState === EventSource.CLOSED ? 'stopped' : 'reconnecting')
    source.addEventListener('ring', refreshLists)
    source.addEventListener('queue', refreshLists)
    source.addEventListener('conversation', (event) => {
      const summary = parse(event) as ConversationSummary | null
      if (summary?.id) {
        patchSummary(queryClient, accountId, summary)
        void queryClient.invalidateQueries({ queryKey: workspaceKeys.detail(accountId, summary.id) })
      }
      refreshLists()
    })
    source.addEventListener('message', (event) => {
      const data = parse(event) as { conversationId?: string; message?: TranscriptMessage } | null
      if (data?.conversationId && data.message) addMessage(queryClient, accountId, data.conversationId, data.message)
      refreshLists()
    })
    source.addEventListener('reset', () => void queryClient.invalidateQueries({ queryKey: workspaceKeys.all(accountId) }))
    return () => source.close()
  }, [accountId, generation, queryClient, onState])
}
