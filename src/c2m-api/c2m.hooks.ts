import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler, preValidationAsyncHookHandler } from 'fastify'
import type { ErrorObject } from 'ajv'
import { ApiError, ERRORS, apiError } from '../shared/errors.ts'
import { fieldErrors } from '../http/validation.ts'
import type { RateLimit } from '../http/rate-limit.ts'

/** The C2M API's version parameter: `?v=2.0`, exactly once (400 1002 otherwise). */
export const requireVersion: onRequestAsyncHookHandler = async (request) => {
  const { v } = request.query as { v?: string | string[] }
  if (v !== '2.0') throw apiError('invalidVersion', v === undefined ? 'the query must carry v=2.0' : 'only v=2.0 is served')
}

/**
 * Counts the request against the brand's budget for this endpoint and advertises the budget
 * (RateLimit-Policy / RateLimit, IETF httpapi draft); over it: 429 1029 with Retry-After.
 */
export function rateLimited(limit: RateLimit, endpoint: string): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const { accountId } = request.params as { accountId: string }
    const verdict = await limit.consume(accountId, endpoint)
    reply.header('ratelimit-policy', `${verdict.limit};w=${verdict.windowSeconds}`)
    reply.header('ratelimit', `limit=${verdict.limit}, remaining=${verdict.remaining}, reset=${verdict.resetSeconds}`)
    if (!verdict.allowed) {
      reply.header('retry-after', String(verdict.resetSeconds))
      throw apiError('rateLimitHit')
    }
  }
}

/** The body must be declared JSON; a body without a Content-Type is refused like any other type. */
export const requireJson: preValidationAsyncHookHandler = async (request) => {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') throw apiError('unsupportedMediaType', 'Content-Type must be application/json')
}

/**
 * The C2M API answers `{errorCode, errorMessage, detail}` without the configuration API's
 * `fields`: a shape failure becomes 1000 with the failing fields named in `detail`.
 */
export function invalidBody(errors: readonly ErrorObject[]): ApiError {
  if (errors.some((e) => e.instancePath === '' && e.keyword === 'type')) return apiError('invalidRequest', 'the body must be a JSON object')
  const detail = fieldErrors(errors, 'body').map((f) => `${f.field} ${f.message}`).join('; ')
  return new ApiError(ERRORS.invalidRequest, detail)
}
