import type { TestApp } from '../helper.ts'
import { createUser } from '../../src/accounts/provisioning.service.ts'
import { type Session, asSession, signIn } from '../fixtures/people.ts'

export const AGENT_PASSWORD = 'correct horse battery staple'

/** A refusal of the conversation API, as the agent's page would see it. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly errorMessage: string,
    readonly detail: string | undefined,
  ) {
    super(`${status} ${code} ${errorMessage}${detail ? `: ${detail}` : ''}`)
  }
}

/** An agent (or agent manager) of the brand, signed in, acting over HTTP with their session cookie and CSRF token. */
export interface AgentHandle {
  id: string
  login: string
  session: Session
  status(status: 'online' | 'away' | 'offline'): Promise<unknown>
  accept(conversationId: string): Promise<any>
  reply(conversationId: string, text: string): Promise<any>
  transfer(conversationId: string, target: { skill: string } | { agentId: string }): Promise<any>
  close(conversationId: string): Promise<any>
  read(conversationId: string): Promise<any>
}

export interface AgentSpec {
  login: string
  skills: string[]
  role?: 'agent' | 'agent-manager'
  maxConversations?: number
}

export async function createAgent(t: TestApp, accountId: string, input: AgentSpec): Promise<AgentHandle> {
  await createUser(t.runtime, { accountId, login: input.login, role: input.role ?? 'agent', skills: input.skills, password: AGENT_PASSWORD, ...(input.maxConversations !== undefined ? { maxConversations: input.maxConversations } : {}) })
  return handleOf(await signIn(t, accountId, input.login, AGENT_PASSWORD), input.login)
}

/** The same agent, same session, acting through another instance `t` (as behind a load balancer: the cookie needs no shared store). */
export function agentOn(t: TestApp, agent: AgentHandle): AgentHandle {
  const { accountId, userId, cookie, csrfToken } = agent.session
  return handleOf(asSession(t, accountId, userId, cookie, csrfToken), agent.login)
}

function handleOf(session: Session, login: string): AgentHandle {
  const call = async (method: 'GET' | 'POST' | 'PUT', resource: string, body?: unknown) => {
    const res = await session.request(method, resource, body)
    const parsed = res.body === '' ? undefined : (JSON.parse(res.body) as any)
    if (res.statusCode >= 400) throw new ApiRefusal(res.statusCode, parsed?.errorCode, parsed?.errorMessage, parsed?.detail)
    return parsed
  }
  return {
    id: session.userId,
    login,
    session,
    status: (status) => call('PUT', 'agents/me/status', { status }),
    accept: (id) => call('POST', `conversations/${id}/accept`),
    reply: (id, text) => call('POST', `conversations/${id}/messages`, { text }),
    transfer: (id, target) => call('POST', `conversations/${id}/transfer`, target),
    close: (id) => call('POST', `conversations/${id}/close`),
    read: (id) => call('GET', `conversations/${id}`),
  }
}
