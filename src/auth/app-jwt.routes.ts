import formbody from '@fastify/formbody'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { timingSafeEqual } from 'node:crypto'
import type { AppContext } from '../context.ts'
import { apiError } from '../shared/errors.ts'
import { UnreadableSecretError } from '../lib/secret-box.ts'
import { AccountParams, ErrorResponse } from '../http/schemas.ts'
import { findApiKeyByAppKey } from './api-key.repository.ts'

const TokenRequest = Type.Object({
  grant_type: Type.Literal('client_credentials'),
  client_id: Type.String({ minLength: 1, maxLength: 200 }),
  client_secret: Type.String({ minLength: 1, maxLength: 200 }),
})

/** `POST /app-jwt`: the OAuth 2 client-credentials grant that trades an API key for a Bearer token. */
export function appJwtRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    // Form bodies are accepted here only: the usual encoding of an OAuth 2 token request.
    await app.register(formbody)
    app.post(
      '/app-jwt',
      {
        schema: {
          summary: 'Issue an app JWT for an API key (client credentials)',
          tags: ['authentication'],
          security: [],
          params: AccountParams,
          consumes: ['application/x-www-form-urlencoded', 'application/json'],
          body: TokenRequest,
          response: {
            200: Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer() }),
            400: ErrorResponse,
            401: ErrorResponse,
            403: ErrorResponse,
          },
        },
      },
      async (request, reply) => {
        const { accountId } = request.params
        const key = await findApiKeyByAppKey(ctx.db, request.body.client_id)
        if (!key || key.revokedAt !== null || !sameSecret(openSecret(ctx, request, key.sealedSecret), request.body.client_secret)) {
          throw apiError('invalidBearerToken', 'unknown client or wrong secret')
        }
        if (key.accountId !== accountId) throw apiError('notEnoughPrivilege')
        const { token, expiresIn } = await ctx.jwt.issue({ keyId: key.id, accountId }, ctx.clock.now(), ctx.ids.uuid())
        // A token is a credential: keep it out of shared caches.
        reply.header('cache-control', 'no-store')
        return { access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn }
      },
    )
  }
}

/** The key's secret; none (so no match) when the master key cannot open it, which the operator must hear of. */
function openSecret(ctx: AppContext, request: FastifyRequest, sealed: string): string | undefined {
  try {
    return ctx.secrets.open(sealed)
  } catch (error) {
    if (!(error instanceof UnreadableSecretError)) throw error
    request.log.error({ reason: `API key secret unreadable: ${error.message}` }, 'authentication failed')
    return undefined
  }
}

function sameSecret(expected: string | undefined, given: string): boolean {
  if (expected === undefined) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}
