import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { AUTHENTICATED_ERRORS, AccountParams, ErrorResponse } from '../http/schemas.ts'
import { verifyPassword } from '../lib/password.ts'
import { apiError, invalidFields } from '../shared/errors.ts'
import type { Person } from '../accounts/user.repository.ts'
import { PASSWORD_MAX, endAllSessions, getUser, markWelcomed, setPassword, signIn } from '../accounts/user.service.ts'
import { PERSON_ROLES, actorOf, requireAccess } from './actor.ts'
import { LockedError, LoginThrottle } from './login-throttle.ts'
import { recordEndedSession } from './ended-session.repository.ts'
import { clearSessionCookie, sessionSealerOf, setSessionCookie } from './session.ts'

const tags = ['sessions']

/** What the webtool knows of the signed-in person. */
export const SessionUser = Type.Object({
  id: Type.String(),
  login: Type.String(),
  role: Type.Enum(PERSON_ROLES),
  skills: Type.Array(Type.String()),
  maxConversations: Type.Integer(),
  status: Type.String(),
  welcomedAt: Type.Union([Type.String(), Type.Null()]),
})
const SessionResponse = Type.Object({
  user: SessionUser,
  csrfToken: Type.String({ description: 'send it as `x-csrf-token` on every POST, PUT, PATCH and DELETE of this session' }),
})
// Bodies are strict, as every other route's: an unknown property is a client's mistake (or a probe), answered 400.
const LoginBody = Type.Object({ login: Type.String({ minLength: 1, maxLength: 255 }), password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }) }, { additionalProperties: false })
const LogoutBody = Type.Object({ everywhere: Type.Optional(Type.Boolean({ description: 'end every session of this user, on every device' })) }, { additionalProperties: false })
const PasswordChangeBody = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }),
  newPassword: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }),
}, { additionalProperties: false })

function sessionUser(person: Person) {
  return {
    id: person.id,
    login: person.login,
    role: person.role as (typeof PERSON_ROLES)[number],
    skills: person.skills,
    maxConversations: person.maxConversations,
    status: person.status,
    welcomedAt: person.welcomedAt,
  }
}

/** The work's result; a `LockedError` also answers `Retry-After` with how long the lock lasts. */
async function answeringRetryAfter<T>(reply: FastifyReply, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (error instanceof LockedError) reply.header('retry-after', String(error.retryAfterSeconds))
    throw error
  }
}

/**
 * People's sessions: sign in with a login and password for a sealed, HTTP-only cookie (see
 * `session.ts`), read the session back, sign out here or everywhere, change one's password.
 */
export function sessionRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const sealer = sessionSealerOf(ctx)
    const throttle = new LoginThrottle(ctx, {
      maxFailures: ctx.config.loginMaxFailures,
      maxFailuresPerAddress: ctx.config.loginMaxFailuresPerAddress,
      lockSeconds: ctx.config.loginLockMinutes * 60,
    })
    const ttlMs = ctx.config.sessionTtlHours * 3600_000
    const signedIn = requireAccess(ctx, { key: null, roles: PERSON_ROLES })

    /** Starts a session for the person: the cookie, and the answer the webtool keeps. */
    function startSession(request: FastifyRequest, reply: FastifyReply, person: Person) {
      const { claims, cookie } = sealer.issue({ userId: person.id, accountId: person.accountId, sessionVersion: person.sessionVersion }, ctx.clock.now(), ttlMs)
      setSessionCookie(ctx, request, reply, cookie, ttlMs / 1000)
      return { user: sessionUser(person), csrfToken: sealer.csrfToken(claims) }
    }

    app.post(
      '/login',
      {
        schema: {
          tags,
          summary: 'Sign a person in: sets the session cookie',
          description:
            'JSON only (a cross-site HTML form cannot send `application/json`, so no login CSRF). ' +
            'An unknown login and a wrong password answer alike; repeated failures lock the login and the client address for a while (429 with `Retry-After`), ' +
            'and so are sign-ins beyond the few an instance checks at once.',
          security: [],
          params: AccountParams,
          body: LoginBody,
          response: { 200: SessionResponse, 400: ErrorResponse, 401: ErrorResponse, 415: ErrorResponse, 429: ErrorResponse },
        },
      },
      async (request, reply) => {
        const person = await answeringRetryAfter(reply, signIn({ ...ctx, throttle }, { accountId: request.params.accountId, ...request.body, address: request.ip }))
        return startSession(request, reply, person)
      },
    )

    app.get(
      '/session',
      { onRequest: signedIn, schema: { tags, summary: 'The signed-in person and the session\'s CSRF token', params: AccountParams, response: { 200: SessionResponse, ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        const actor = actorOf(request)
        if (actor.kind !== 'user' || !request.session) throw apiError('notEnoughPrivilege')
        const person = await getUser(ctx, actor.accountId, actor.userId)
        reply.header('cache-control', 'no-store')
        return { user: sessionUser(person), csrfToken: sealer.csrfToken(request.session) }
      },
    )

    app.post(
      '/logout',
      {
        onRequest: signedIn,
        // The body is optional: a plain sign-out sends none.
        preValidation: async (request) => {
          request.body ??= {}
        },
        schema: { tags, summary: 'Sign out: this session, or every session of the user', params: AccountParams, body: LogoutBody, response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS } },
      },
      async (request, reply) => {
        const actor = actorOf(request)
        if (actor.kind !== 'user') throw apiError('notEnoughPrivilege')
        if (request.body.everywhere === true) await endAllSessions(ctx, actor.accountId, actor.userId)
        else if (request.session) await recordEndedSession(ctx.db, request.session.sessionId, request.session.expiresAt, ctx.clock.now().getTime())
        clearSessionCookie(ctx, request, reply)
        return reply.code(204).send(null)
      },
    )

    app.post(
      '/users/me/password',
      {
        onRequest: signedIn,
        schema: {
          tags,
          summary: 'Change one\'s own password: every other session ends, this one continues with a new cookie',
          params: AccountParams,
          body: PasswordChangeBody,
          response: { 200: SessionResponse, ...AUTHENTICATED_ERRORS, 429: ErrorResponse },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request)
        if (actor.kind !== 'user') throw apiError('notEnoughPrivilege')
        const person = await getUser(ctx, actor.accountId, actor.userId)
        // The current password is guessed like a sign-in's, so it is throttled like one.
        const verified = await answeringRetryAfter(
          reply,
          throttle.guard(actor.accountId, actor.login, request.ip, async () =>
            person.passwordHash !== null && (await verifyPassword(request.body.currentPassword, person.passwordHash)) ? true : undefined,
          ),
        )
        if (!verified) throw invalidFields([{ field: 'currentPassword', message: 'is not the current password' }])
        const changed = await setPassword(ctx, actor.accountId, actor.userId, request.body.newPassword, 'newPassword')
        return startSession(request, reply, changed)
      },
    )

    app.post(
      '/users/me/welcomed',
      { onRequest: signedIn, schema: { tags, summary: 'Record that the person saw the welcome page', params: AccountParams, response: { 200: Type.Object({ welcomedAt: Type.String() }), ...AUTHENTICATED_ERRORS } } },
      async (request) => {
        const actor = actorOf(request)
        if (actor.kind !== 'user') throw apiError('notEnoughPrivilege')
        const person = await markWelcomed(ctx, actor.accountId, actor.userId)
        return { welcomedAt: person.welcomedAt as string }
      },
    )
  }
}
