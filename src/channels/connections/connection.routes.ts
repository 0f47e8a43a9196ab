import { setChannelMode } from '../../brand-config/channel-mode.repository.ts'
import { type Channel, CHANNEL_PROVIDER } from '../../shared/channel.ts'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from 'typebox'
import type { AppContext } from '../../context.ts'
import { requirePrivilege } from '../../auth/auth.hooks.ts'
import { type FieldError, apiError, invalidFields } from '../../shared/errors.ts'
import { AccountParams, AUTHENTICATED_ERRORS } from '../../http/schemas.ts'
import { type Connections, DEFAULTS, type Provider, URL_FIELDS, mask } from './connection.ts'
import { checkBrandUrl } from '../provider-url.ts'
import { deleteConnection, findConnection, saveConnection, hasConnection } from './connection.repository.ts'
import { returnSandboxApprovalsToDraft } from '../../whatsapp-templates/template.repository.ts'

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

/**
 * A brand's provider connections. Secrets are sealed at rest and never returned (GET shows
 * their last four characters). Connecting a provider switches its channel to live.
 */
export function connectionRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const onRequest = requirePrivilege(ctx, 'management')
    for (const provider of Object.keys(BODIES) as Provider[]) {
      const schema = { tags: ['channel connections'], params: AccountParams }
      app.put(
        `/channels/${provider}`,
        { onRequest, schema: { ...schema, summary: `Connect ${provider}`, body: BODIES[provider], response: { 200: Type.Object({}, { additionalProperties: true }), ...AUTHENTICATED_ERRORS } } },
        async (request) => {
          const fields: Record<string, string> = { ...DEFAULTS[provider], ...(request.body as Record<string, string>) }
          const refused: FieldError[] = []
          for (const { field, keepPath } of URL_FIELDS[provider]) {
            if (!fields[field]) continue
            const checked = await checkBrandUrl(fields[field], ctx.config.providerUrlAllowlist, keepPath)
            if ('problem' in checked) refused.push({ field, message: checked.problem })
            else fields[field] = checked.url
          }
          if (refused.length > 0) throw invalidFields(refused)
          const config = fields as unknown as Connections[typeof provider]
          const { accountId } = request.params
          const at = ctx.clock.now().toISOString()
          await ctx.db.transaction().execute(async (trx) => {
            const first = provider === 'whatsapp' && !(await hasConnection(trx, accountId, provider))
            await saveConnection(trx, ctx.secrets, accountId, provider, config, at)
            // Connecting is what makes a channel live; going back to the sandbox is explicit (PUT /channel-modes/{channel}).
            await setChannelMode(trx, accountId, CHANNEL_OF_PROVIDER[provider], 'live', at)
            if (first) {
              const drafts = await returnSandboxApprovalsToDraft(trx, accountId, at)
              if (drafts > 0) request.log.info({ accountId, drafts }, 'whatsapp connected: templates the sandbox approved are drafts again, to submit to Meta')
            }
          })
          return mask(provider, config)
        },
      )
      app.get(`/channels/${provider}`, { onRequest, schema: { ...schema, summary: `Read the ${provider} connection (secrets masked)`, response: { 200: Type.Object({}, { additionalProperties: true }), ...AUTHENTICATED_ERRORS } } }, async (request) => {
        const stored = await findConnection(ctx.db, ctx.secrets, request.params.accountId, provider)
        if (!stored) throw apiError('notFound', `no ${provider} connection`)
        return mask(provider, stored.config)
      })
      app.delete(`/channels/${provider}`, { onRequest, schema: { ...schema, summary: `Disconnect ${provider}`, description: 'The channel stays live: its sends fail and eligibility stops offering it, until it is connected again or switched to sandbox', response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS } } }, async (request, reply) => {
        if (!(await deleteConnection(ctx.db, request.params.accountId, provider))) throw apiError('notFound', `no ${provider} connection`)
        return reply.code(204).send(null)
      })
    }
  }
}

const CHANNEL_OF_PROVIDER = Object.fromEntries(Object.entries(CHANNEL_PROVIDER).map(([channel, provider]) => [provider, channel])) as { [P in Provider]: Channel }
