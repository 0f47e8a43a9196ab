import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { AppContext } from '../context.ts'
import { apiError } from '../shared/errors.ts'
import type { Principal, Permission } from './authenticate.ts'
import { requirePrivilege } from './auth.hooks.ts'

/** The roles people sign in with (the webtool's permission tables, plus agents). */
export const PERSON_ROLES = ['admin', 'campaign-manager', 'lpa', 'agent', 'agent-manager'] as const
export type PersonRole = (typeof PERSON_ROLES)[number]

/** Who is acting: a person signed in with a session cookie, or a machine with an API key. */
export type Actor =
  | { kind: 'user'; accountId: string; userId: string; login: string; role: PersonRole; skills: string[] }
  | { kind: 'key'; accountId: string; principal: Principal }

/** Who may use a route: API keys with `key` (null: none), and people of `roles`. */
export interface Access {
  key: Permission | null
  roles: readonly PersonRole[]
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireAccess` on routes that people and machines share. */
    actor: Actor | null
  }
}

/** How an actor is named in records of who did what (`closed_by`, reporting steps). */
export function actorRef(actor: Actor): string {
  return actor.kind === 'user' ? `user:${actor.userId}` : `key:${actor.principal.keyId}`
}

/**
 * An onRequest hook for routes under `/api/account/:accountId/` that people and machines share:
 * a request with an Authorization header is a machine's (an API key, checked as `requirePrivilege`
 * does); any other must carry a person's session cookie (see `session.ts`). 401 without either,
 * 403 1101 when the key or the role may not.
 */
export function requireAccess(ctx: AppContext, access: Access): onRequestAsyncHookHandler {
  const byKey = access.key === null ? null : requirePrivilege(ctx, access.key)
  return async function (request, reply) {
    if (request.headers.authorization !== undefined) {
      if (!byKey) throw apiError('notEnoughPrivilege')
      await byKey.call(this, request, reply)
      const principal = request.principal as Principal
      request.actor = { kind: 'key', accountId: principal.accountId, principal }
      return
    }
    throw apiError('invalidBearerToken')
  }
}

/** The actor a `requireAccess` route runs for. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new Error('route without requireAccess')
  return request.actor
}
