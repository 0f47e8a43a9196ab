import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { ProvisioningError, createApiKey } from '../accounts/provisioning.service.ts'
import { AccountParams, AUTHENTICATED_ERRORS } from '../http/schemas.ts'
import { apiError, invalidFields } from '../shared/errors.ts'
import { requireAccess } from './actor.ts'
import { PRIVILEGES, listApiKeys, revokeApiKey } from './api-key.repository.ts'

const tags = ['api-keys']
const Privilege = Type.Enum([...PRIVILEGES])
const Name = Type.String({ minLength: 1, maxLength: 200 })
const KeyView = Type.Object({
  id: Type.String(),
  appKey: Type.String(),
  appName: Type.String(),
  developer: Type.String(),
  privileges: Type.Array(Privilege),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})
const Issued = Type.Object(
  {
    id: Type.String(),
    appKey: Type.String(),
    secret: Type.String(),
    accessToken: Type.String(),
    accessTokenSecret: Type.String(),
    appName: Type.String(),
    developer: Type.String(),
    privileges: Type.Array(Privilege),
  },
  { description: 'the four OAuth 1.0a values, shown this once: only the appKey is ever shown again' },
)
const CreateBody = Type.Object(
  { appName: Name, developer: Name, privileges: Type.Array(Privilege, { minItems: 1, maxItems: PRIVILEGES.length, uniqueItems: true, description: '`ivr-engagement` for an IVR (eligibility, invite)' }) },
  { additionalProperties: false },
)
const KeyParams = Type.Intersect([AccountParams, Type.Object({ appKey: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) })])

/**
 * The brand's API keys, managed by its admins (the user guide's "C2M API keys"). People only: a
 * machine's key never mints or revokes keys, so a leaked key cannot make itself another.
 */
export function apiKeyRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const onRequest = requireAccess(ctx, { key: null, roles: ['admin'] })

    app.get(
      '/api-keys',
      { onRequest, schema: { tags, summary: 'List the brand\'s API keys (never their secrets)', params: AccountParams, response: { 200: Type.Object({ items: Type.Array(KeyView) }), ...AUTHENTICATED_ERRORS } } },
      async (request) => {
        const keys = await listApiKeys(ctx.db, request.params.accountId)
        return { items: keys.map(({ id, appKey, appName, developer, privileges, createdAt, revokedAt }) => ({ id, appKey, appName, developer, privileges, createdAt, revokedAt })) }
      },
    )

    app.post(
      '/api-keys',
      { onRequest, schema: { tags, summary: 'Create an API key: its four values are shown once', params: AccountParams, body: CreateBody, response: { 201: Issued, ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        try {
          const issued = await createApiKey(ctx, { accountId: request.params.accountId, ...request.body })
          return reply.code(201).header('cache-control', 'no-store').send({ ...issued, appName: request.body.appName.trim(), developer: request.body.developer.trim() })
        } catch (error) {
          // Blank names (all spaces) are the one rule the schema cannot say.
          if (error instanceof ProvisioningError) throw invalidFields([{ field: /developer/.test(error.message) ? 'developer' : 'appName', message: error.message }])
          throw error
        }
      },
    )

    app.delete(
      '/api-keys/:appKey',
      { onRequest, schema: { tags, summary: 'Revoke an API key: refused at once on every instance', params: KeyParams, response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        if (!(await revokeApiKey(ctx.db, request.params.accountId, request.params.appKey, ctx.clock.now().toISOString()))) throw apiError('notFound', 'no such active key')
        return reply.code(204).send(null)
      },
    )
  }
}
