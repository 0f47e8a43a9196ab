import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from 'typebox'
import type { AppContext } from '../../context.ts'
import { CONFIG_READERS, CONFIG_WRITERS, requireAccess } from '../../auth/actor.ts'
import { apiError } from '../../shared/errors.ts'
import { publicOriginOf } from '../../auth/auth.hooks.ts'
import { AccountParams, AUTHENTICATED_ERRORS } from '../../http/schemas.ts'
import { CHANNELS, CHANNEL_PROVIDER } from '../../shared/channel.ts'
import { DEFAULTS, PROVIDERS, type Provider, mask } from './connection.ts'
import { findConnection, listConnections } from './connection.repository.ts'
import { type ConnectionWrite, connectProvider, disconnectProvider } from './connection.service.ts'
import { providerWebhooks } from './webhook-urls.ts'

/** A provider endpoint a brand names instead of the operator's: checked further at save time (`checkBrandUrl`). */
const endpointUrl = (operatorVariable: string) =>
  Type.String({ format: 'uri', maxLength: 255, description: `an https origin instead of the service's ${operatorVariable}: only hosts on its PROVIDER_URL_ALLOWLIST, with public addresses` })
const Secret = Type.String({ minLength: 4, maxLength: 1024 })

const BODIES: { [P in Provider]: TSchema } = {
  twilio: Type.Object(
    {
      accountSid: Type.String({ pattern: '^AC[0-9a-fA-F]{32}$' }),
      authToken: Secret,
      baseUrl: Type.Optional(endpointUrl('TWILIO_API_URL')),
      lookupBaseUrl: Type.Optional(endpointUrl('TWILIO_LOOKUP_URL')),
      helpText: Type.Optional(Type.String({ minLength: 1, maxLength: 320, pattern: '\\S', description: `the reply to HELP and INFO; default "${DEFAULTS.twilio.helpText}"` })),
    },
    { additionalProperties: false },
  ),
  whatsapp: Type.Object(
    {
      phoneNumberId: Type.String({ pattern: '^[0-9]{1,32}$' }),
      wabaId: Type.String({ pattern: '^[0-9]{1,32}$' }),
      accessToken: Secret,
      appSecret: Secret,
      verifyToken: Secret,
      apiVersion: Type.Optional(Type.String({ pattern: '^v[0-9]{1,3}\\.[0-9]{1,2}$' })),
      baseUrl: Type.Optional(endpointUrl('WHATSAPP_API_URL')),
    },
    { additionalProperties: false },
  ),
  fcm: Type.Object(
    {
      // Google Cloud project ids (https://cloud.google.com/resource-manager/docs/creating-managing-projects).
      projectId: Type.String({ pattern: '^[a-z][a-z0-9-]{4,28}[a-z0-9]$' }),
      serviceAccount: Type.Object(
        {
          type: Type.Literal('service_account'),
          project_id: Type.String({ minLength: 1, maxLength: 255 }),
          private_key_id: Type.String({ minLength: 1, maxLength: 255 }),
          private_key: Type.String({ pattern: '^-----BEGIN (RSA )?PRIVATE KEY-----', maxLength: 8192 }),
          client_email: Type.String({ format: 'email', maxLength: 255 }),
        },
        // The key file as downloaded: its other fields (client_id, auth_uri, token_uri…) are kept as they are.
        { additionalProperties: Type.String({ maxLength: 2048 }), maxProperties: 30, propertyNames: { maxLength: 64 }, description: 'the service account\'s JSON key, as downloaded' },
      ),
      baseUrl: Type.Optional(endpointUrl('FCM_API_URL')),
      tokenUrl: Type.Optional(endpointUrl('FCM_TOKEN_URL')),
      notificationTitle: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'the push notification\'s title; none by default (the device shows the app\'s name)' })),
    },
    { additionalProperties: false },
  ),
}

const ProviderSummary = Type.Object({
  provider: Type.Enum(PROVIDERS),
  channel: Type.Enum(CHANNELS, { description: 'the channel the provider carries' }),
  connected: Type.Boolean(),
  connectedAt: Type.Optional(Type.String({ format: 'date-time', description: 'since when it is connected (a new token keeps it; a reconnection after a disconnect does not)' })),
  updatedAt: Type.Optional(Type.String({ format: 'date-time', description: 'when the connection was last saved' })),
  connection: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'as `GET /channels/{provider}` answers it: secrets masked' })),
  webhooks: Type.Array(
    Type.Object({
      name: Type.Union([Type.Literal('inbound'), Type.Literal('status')], { description: '`inbound`: to paste into the provider\'s console; `status`: named by the service with each message' }),
      url: Type.String(),
    }),
    { description: 'what the provider calls, under PUBLIC_URL (or, without it, the origin of this request); none for FCM' },
  ),
})

/**
 * A brand's provider connections. Secrets are sealed at rest and never returned (GET shows
 * their last four characters). Connecting a provider switches its channel to live.
 */
export function connectionRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const read = requireAccess(ctx, { key: 'management', roles: CONFIG_READERS })
    const write = requireAccess(ctx, { key: 'management', roles: CONFIG_WRITERS })
    app.get(
      '/channels',
      {
        onRequest: read,
        schema: {
          tags: ['channel connections'],
          summary: 'Every provider: connected or not, since when, its connection (secrets masked) and the webhook URLs it calls',
          params: AccountParams,
          response: {
            200: Type.Object({
              items: Type.Array(ProviderSummary),
              publicUrlSet: Type.Boolean({ description: 'false: PUBLIC_URL is not set, so the URLs use this request\'s origin and Twilio sends ask for no status callbacks' }),
            }),
            ...AUTHENTICATED_ERRORS,
          },
        },
      },
      async (request) => {
        const { accountId } = request.params
        const origin = publicOriginOf(ctx, request)
        const stored = await listConnections(ctx.db, ctx.secrets, accountId)
        const items = CHANNELS.map((channel) => {
          const provider = CHANNEL_PROVIDER[channel]
          const found = stored.find((c) => c.provider === provider)
          const webhooks = providerWebhooks(origin, accountId, provider)
          if (!found) return { provider, channel, connected: false, webhooks }
          return { provider, channel, connected: true, connectedAt: found.createdAt, updatedAt: found.updatedAt, connection: mask(provider, found.config), webhooks }
        })
        return { items, publicUrlSet: ctx.config.publicUrl !== undefined }
      },
    )
    for (const provider of Object.keys(BODIES) as Provider[]) {
      const schema = { tags: ['channel connections'], params: AccountParams }
      app.put(
        `/channels/${provider}`,
        { onRequest: write, schema: { ...schema, summary: `Connect ${provider}`, body: BODIES[provider], response: { 200: Type.Object({}, { additionalProperties: true }), ...AUTHENTICATED_ERRORS } } },
        async (request) => {
          const { accountId } = request.params
          const { connection, draftsAgain: drafts } = await connectProvider(ctx, accountId, provider, request.body as ConnectionWrite<Provider>)
          if (drafts > 0) request.log.info({ accountId, drafts }, 'whatsapp connected: templates the sandbox approved are drafts again, to submit to Meta')
          return mask(provider, connection)
        },
      )
      app.get(`/channels/${provider}`, { onRequest: read, schema: { ...schema, summary: `Read the ${provider} connection (secrets masked)`, response: { 200: Type.Object({}, { additionalProperties: true }), ...AUTHENTICATED_ERRORS } } }, async (request) => {
        const stored = await findConnection(ctx.db, ctx.secrets, request.params.accountId, provider)
        if (!stored) throw apiError('notFound', `no ${provider} connection`)
        return mask(provider, stored.config)
      })
      app.delete(`/channels/${provider}`, { onRequest: write, schema: { ...schema, summary: `Disconnect ${provider}`, description: 'The channel stays live: its sends fail and eligibility stops offering it, until it is connected again or switched to sandbox', response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS } } }, async (request, reply) => {
        await disconnectProvider(ctx, request.params.accountId, provider)
        return reply.code(204).send(null)
      })
    }
  }
}
