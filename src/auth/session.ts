import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../context.ts'
import { SecretBox, UnreadableSecretError } from '../lib/secret-box.ts'

/** The one cookie a person's browser holds: the sealed session. */
export const SESSION_COOKIE = 'c2m_session'
/** The header a cookie-authenticated unsafe request repeats the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token'

/** What the sealed cookie carries. Nothing else is kept: every instance can open it. */
export interface SessionClaims {
  /** Random: names the session when it is signed out (see ended-session.repository.ts). */
  sessionId: string
  userId: string
  accountId: string
  /** The user's `session_version` at sign-in: raising it ends this session. */
  sessionVersion: number
  /** Random; the CSRF token is an HMAC of it, so the token never travels inside the cookie. */
  csrfSecret: string
  issuedAt: number
  /** Absolute expiry, milliseconds since the epoch; checked against the injected clock. */
  expiresAt: number
}

/**
 * Seals and opens session cookies with AES-256-GCM (the same sealed format as secrets at rest)
 * under a key derived from the master key for this purpose only: a cookie cannot be read or
 * altered by the browser, and any instance sharing the master key accepts it, with no session store.
 */
export class SessionSealer {
  readonly #box: SecretBox
  readonly #csrfKey: Uint8Array

  constructor(secrets: Pick<SecretBox, 'deriveKey'>) {
    this.#box = new SecretBox(Buffer.from(secrets.deriveKey('session')))
    this.#csrfKey = secrets.deriveKey('session-csrf')
  }

  issue(input: Omit<SessionClaims, 'sessionId' | 'csrfSecret' | 'issuedAt' | 'expiresAt'>, now: Date, ttlMs: number): { claims: SessionClaims; cookie: string } {
    const claims: SessionClaims = { ...input, sessionId: randomBytes(16).toString('base64url'), csrfSecret: randomBytes(18).toString('base64url'), issuedAt: now.getTime(), expiresAt: now.getTime() + ttlMs }
    return { claims, cookie: this.#box.seal(JSON.stringify(claims)) }
  }

  /** The claims of a cookie we sealed and that has not expired at `now`; null for anything else. */
  open(cookie: string, now: Date): SessionClaims | null {
    // A sealed session is a few hundred characters; anything much longer is not ours.
    if (cookie.length > 2048) return null
    let claims: unknown
    try {
      claims = JSON.parse(this.#box.open(cookie))
    } catch (error) {
      if (error instanceof UnreadableSecretError || error instanceof SyntaxError) return null
      throw error
    }
    if (!isClaims(claims) || claims.expiresAt <= now.getTime()) return null
    return claims
  }

  csrfToken(claims: SessionClaims): string {
    return createHmac('sha256', this.#csrfKey).update(claims.csrfSecret).digest('base64url')
  }

  csrfMatches(claims: SessionClaims, given: string | undefined): boolean {
    if (given === undefined) return false
    const expected = Buffer.from(this.csrfToken(claims))
    const actual = Buffer.from(given)
    return expected.length === actual.length && timingSafeEqual(expected, actual)
  }
}

function isClaims(value: unknown): value is SessionClaims {
  const v = value as Record<string, unknown> | null
  return (
    typeof v === 'object' && v !== null &&
    typeof v.sessionId === 'string' && typeof v.userId === 'string' && typeof v.accountId === 'string' && Number.isInteger(v.sessionVersion) &&
    typeof v.csrfSecret === 'string' && typeof v.issuedAt === 'number' && typeof v.expiresAt === 'number'
  )
}

/** The value of one cookie of the request's `Cookie` header (RFC 6265 §5.4: `name=value` pairs split by `;`). */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie
  if (header === undefined || header.length > 8192) return undefined
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * Whether the browser reached us over https: the public URL's scheme when configured (behind a
 * proxy that terminates TLS), else the request's own (forwarded headers only with TRUST_PROXY).
 */
function overHttps(ctx: AppContext, request: FastifyRequest): boolean {
  return ctx.config.publicUrl?.startsWith('https:') === true || request.protocol === 'https'
}

/**
 * Sets the session cookie: HttpOnly (page scripts never see it), SameSite=Lax (a link from
 * another site still opens the webtool signed in, while another site's form POST, image or fetch
 * carries no cookie; the CSRF header guards the rest), Secure over https, and a Max-Age matching
 * the absolute expiry sealed inside. Path=/ so the webtool's pages and the API share it.
 */
export function setSessionCookie(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, cookie: string, maxAgeSeconds: number): void {
  const attributes = [`${SESSION_COOKIE}=${cookie}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`, 'HttpOnly', 'SameSite=Lax']
  if (overHttps(ctx, request)) attributes.push('Secure')
  reply.header('set-cookie', attributes.join('; '))
  // A response that sets a credential must not be cached by anything on the way.
  reply.header('cache-control', 'no-store')
}

export function clearSessionCookie(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): void {
  setSessionCookie(ctx, request, reply, '', 0)
}

/** One sealer per master key, shared by every route of the app (deriving keys is not free). */
const sealers = new WeakMap<SecretBox, SessionSealer>()
export function sessionSealerOf(ctx: Pick<AppContext, 'secrets'>): SessionSealer {
  let sealer = sealers.get(ctx.secrets)
  if (!sealer) sealers.set(ctx.secrets, (sealer = new SessionSealer(ctx.secrets)))
  return sealer
}
