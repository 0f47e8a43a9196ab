import type { TestApp } from '../helper.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import { acceptConversation, closeConversation, getConversation, replyToConversation, setStatus, transferConversation, type TransferTarget } from '../../src/conversations/conversation.service.ts'
import { conversationChanged } from '../../src/conversations/after-commit.ts'
import type { Viewer } from '../../src/conversations/permissions.ts'

export const AGENT_PASSWORD = 'correct horse battery staple'

/** An agent (or agent manager) of the brand, acting through the conversation service. */
export interface AgentHandle {
  id: string
  login: string
  status(status: 'online' | 'away' | 'offline'): Promise<void>
  accept(conversationId: string): Promise<unknown>
  reply(conversationId: string, text: string): Promise<unknown>
  transfer(conversationId: string, target: TransferTarget): Promise<unknown>
  close(conversationId: string): Promise<unknown>
  read(conversationId: string): Promise<unknown>
}

export interface AgentSpec {
  login: string
  skills: string[]
  role?: 'agent' | 'agent-manager'
  maxConversations?: number
}

export async function createAgent(t: TestApp, accountId: string, input: AgentSpec): Promise<AgentHandle> {
  const role = input.role ?? 'agent'
  const user = await createUser(t.runtime, { accountId, login: input.login, role, skills: input.skills, password: AGENT_PASSWORD })
  if (input.maxConversations !== undefined) await t.runtime.db.updateTable('users').set({ max_conversations: input.maxConversations }).where('id', '=', user.id).execute()
  return agentOn(t, accountId, { id: user.id, ...input })
}

/** The same agent acting through another instance `t` (as behind a load balancer). */
export function agentOn(t: TestApp, accountId: string, user: AgentSpec & { id: string }): AgentHandle {
  const role = user.role ?? 'agent'
  const viewer: Viewer = { kind: role === 'agent-manager' ? 'manager' : 'agent', userId: user.id, skills: user.skills }
  const ctx = { ...t.runtime, dispatcher: t.app.dispatcher, logger: t.app.log }
  const by = `user:${user.id}`
  return {
    id: user.id,
    login: user.login,
    async status(status) {
      await setStatus(ctx, accountId, user.id, status)
      await conversationChanged(ctx, accountId)
    },
    accept: (id) => acceptConversation(ctx, accountId, id, viewer, by),
    reply: (id, text) => replyToConversation(ctx, accountId, id, viewer, text),
    async transfer(id, target) {
      const c = await transferConversation(ctx, accountId, id, viewer, target, by)
      await conversationChanged(ctx, accountId)
      return c
    },
    async close(id) {
      const c = await closeConversation(ctx, accountId, id, viewer, by)
      await conversationChanged(ctx, accountId)
      return c
    },
    read: (id) => getConversation(ctx, accountId, id, viewer),
  }
}
