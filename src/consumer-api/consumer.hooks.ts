import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { RateLimit } from '../http/rate-limit.ts'
import type { Clock } from '../lib/clock.ts'
import { apiError } from '../shared/errors.ts'
import type { ConsumerClaims, ConsumerTokenIssuer } from './consumer-token.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireConsumer`: the one consumer the request acts for. */
    consumer: ConsumerClaims | null
  }
}

/**
 * An onRequest hook for the app's routes under `/api/account/:accountId/consumer/`: 401 1100
 * unless the request carries a consumer token of this brand, still valid. Anything else (no
 * token, an app JWT, an expired token, another brand's) is the same 401: a consumer token is a
 * credential of one brand only. It runs before the body is read.
 */
export function requireConsumer(tokens: ConsumerTokenIssuer, clock: Clock): onRequestAsyncHookHandler {
  return async (request) => {
    const match = /^bearer\s+(\S+)\s*$/i.exec(request.headers.authorization?.trim() ?? '')
    if (!match) throw apiError('invalidBearerToken', 'a consumer token is required')
    const claims = await tokens.verify(match[1]!, clock.now())
    const { accountId } = request.params as { accountId?: string }
    if (!claims || claims.accountId !== accountId) {
      request.log.info({ reason: claims ? 'consumer token of another brand' : 'invalid or expired consumer token' }, 'authentication failed')
      throw apiError('invalidBearerToken')
    }
    request.consumer = claims
  }
}

/**
 * Counts the request against the consumer's own budget for this route (a token's subject, not
 * the brand: one busy consumer never slows the others) and advertises it as the C2M routes do;
 * over it: 429 1029 with Retry-After. Runs after `requireConsumer`.
 */
export function consumerRateLimited(limit: RateLimit, route: string): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const consumer = request.consumer as ConsumerClaims
    // The consumer id comes last, so no consumer id can read as another route's key.
    const verdict = await limit.consume(consumer.accountId, `consumer/${route}/${consumer.consumerId}`)
    reply.header('ratelimit-policy', `${verdict.limit};w=${verdict.windowSeconds}`)
    reply.header('ratelimit', `limit=${verdict.limit}, remaining=${verdict.remaining}, reset=${verdict.resetSeconds}`)
    if (!verdict.allowed) {
      reply.header('retry-after', String(verdict.resetSeconds))
      throw apiError('rateLimitHit')
    }
  }
}
