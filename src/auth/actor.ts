import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { AppContext } from '../context.ts'
import { apiError } from '../shared/errors.ts'
import type { Principal, Permission } from './authenticate.ts'
import { requirePrivilege } from './auth.hooks.ts'
import { CSRF_HEADER, SESSION_COOKIE, type SessionClaims, cookieOf, sessionSealerOf } from './session.ts'
import { findPersonById } from '../accounts/user.repository.ts'
import { isSessionEnded } from './ended-session.repository.ts'

/** The roles people sign in with (the webtool's permission tables, plus agents). */
export const PERSON_ROLES = ['admin', 'campaign-manager', 'lpa', 'agent', 'agent-manager'] as const
export type PersonRole = (typeof PERSON_ROLES)[number]

/**
 * The user guide's permission tables: settings, handoffs and WhatsApp templates are read by
 * admins, campaign managers and LPA users, written by admins and campaign managers; agents and
 * agent managers see none of the configuration (agent managers only approved templates).
 */
export const CONFIG_READERS: readonly PersonRole[] = ['admin', 'campaign-manager', 'lpa']
export const CONFIG_WRITERS: readonly PersonRole[] = ['admin', 'campaign-manager']

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
    /** The opened session cookie when a person is the actor (the session routes re-issue it). */
    session: SessionClaims | null
  }
}

/** Whether a role is one of the route's; a key's privilege is checked by `requirePrivilege`. */
export function roleMayUse(role: string, access: Access): boolean {
  return (access.roles as readonly string[]).includes(role)
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** How an actor is named in records of who did what (`closed_by`, reporting steps). */
export function actorRef(actor: Actor): string {
  return actor.kind === 'user' ? `user:${actor.userId}` : `key:${actor.principal.keyId}`
}

/**
 * An onRequest hook for routes under `/api/account/:accountId/` that people and machines share:
 * a request with an Authorization header is a machine's (an API key, checked as `requirePrivilege`
 * does); any other must carry a person's session cookie (see `session.ts`).
 *
 * A session authenticates only on its own brand's paths and only while its user is enabled and
 * not signed out, and still at the session's `session_version` (raised by logout-everywhere, a password change, a
 * role change, disabling): the user row is read again on every request, so any of these ends
 * every session at once. Anything else is 401 1100, including another brand's cookie (a session
 * is of one brand; on another's paths the person is simply not signed in). Then an unsafe method
 * without the session's CSRF token is 403 1101, and a role not among `access.roles` 403 1101.
 */
export function requireAccess(ctx: AppContext, access: Access): onRequestAsyncHookHandler {
  const byKey = access.key === null ? null : requirePrivilege(ctx, access.key)
  const sealer = sessionSealerOf(ctx)
  return async function (request, reply) {
    if (request.headers.authorization !== undefined) {
      if (!byKey) throw apiError('notEnoughPrivilege')
      await byKey.call(this, request, reply)
      const principal = request.principal as Principal
      request.actor = { kind: 'key', accountId: principal.accountId, principal }
      return
    }
    const cookie = cookieOf(request, SESSION_COOKIE)
    const claims = cookie === undefined ? null : sealer.open(cookie, ctx.clock.now())
    const { accountId } = request.params as { accountId?: string }
    if (!claims || claims.accountId !== accountId) throw apiError('invalidBearerToken')
    const user = await findPersonById(ctx.db, claims.userId)
    if (!user || user.accountId !== claims.accountId || user.disabledAt !== null || user.sessionVersion !== claims.sessionVersion) {
      throw apiError('invalidBearerToken')
    }
    if (await isSessionEnded(ctx.db, claims.sessionId)) throw apiError('invalidBearerToken')
    if (!SAFE_METHODS.has(request.method)) {
      const given = request.headers[CSRF_HEADER]
      if (!sealer.csrfMatches(claims, typeof given === 'string' ? given : undefined)) {
        throw apiError('notEnoughPrivilege', given === undefined ? `CSRF token missing: send the session's csrfToken in ${CSRF_HEADER}` : 'CSRF token invalid')
      }
    }
    if (!roleMayUse(user.role, access)) throw apiError('notEnoughPrivilege')
    request.session = claims
    request.actor = { kind: 'user', accountId: user.accountId, userId: user.id, login: user.login, role: user.role as PersonRole, skills: user.skills }
  }
}

/** The actor a `requireAccess` route runs for. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new Error('route without requireAccess')
  return request.actor
}
