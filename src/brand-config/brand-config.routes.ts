import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { CONFIG_READERS, CONFIG_WRITERS, requireAccess } from '../auth/actor.ts'
import { apiError } from '../shared/errors.ts'
import { AccountParams, AUTHENTICATED_ERRORS, ErrorResponse } from '../http/schemas.ts'
import { CHANNELS, NUMBER_CHANNELS } from '../shared/channel.ts'
import { listApps, listPhoneNumbers, listSkills } from './catalog.repository.ts'
import { addSkill, registerApp, registerPhoneNumber, removeApp, removePhoneNumber, removeSkill, replaceSettings } from './brand-config.service.ts'
import { findSettings } from './settings.repository.ts'

const SettingsBody = Type.Object(
  {
    channels: Type.Array(Type.Object({ name: Type.Enum(CHANNELS), enabled: Type.Boolean() }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 3,
      description: 'global channel priority, highest first',
    }),
    deviceCheck: Type.Boolean({ description: 'check the consumer\'s line type before offering sms or wa' }),
    routing: Type.Object(
      {
        skills: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 500 }),
        defaultSkill: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'where replies after the lookback period go' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

const SkillName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f]*[^\\s\\u0000-\\u001f][^\\u0000-\\u001f]*$' })
const SkillBody = Type.Object({ name: SkillName }, { additionalProperties: false })
const SkillResponse = Type.Object({ name: Type.String(), createdAt: Type.String() })

const NumberBody = Type.Object(
  { number: Type.String({ maxLength: 16, description: 'E.164, e.g. +18005550100' }), channel: Type.Enum(NUMBER_CHANNELS) },
  { additionalProperties: false },
)
const NumberResponse = Type.Object({ number: Type.String(), channel: Type.Enum(NUMBER_CHANNELS), createdAt: Type.String() })

const AppBody = Type.Object(
  {
    appId: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._-]+$', description: 'bundle id or package name, e.g. com.acme.ios' }),
    platform: Type.Enum(['ios', 'android'] as const),
    name: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
)
const AppResponse = Type.Object({ appId: Type.String(), platform: Type.Enum(['ios', 'android'] as const), name: Type.String(), createdAt: Type.String() })

const items = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item) })
const WRITE_ERRORS = { ...AUTHENTICATED_ERRORS, 409: ErrorResponse }

/** A brand's global settings and its catalogue of skills, sending numbers and apps. */
export function brandConfigRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const read = requireAccess(ctx, { key: 'management', roles: CONFIG_READERS })
    const write = requireAccess(ctx, { key: 'management', roles: CONFIG_WRITERS })

    app.get('/settings', { onRequest: read, schema: { tags: ['settings'], summary: 'Read the brand settings', params: AccountParams, response: { 200: SettingsBody, ...AUTHENTICATED_ERRORS } } }, async (request) => {
      const settings = await findSettings(ctx.db, request.params.accountId)
      if (!settings) throw apiError('notFound', 'this brand has no settings yet')
      return settings
    })

    app.put('/settings', { onRequest: write, schema: { tags: ['settings'], summary: 'Replace the brand settings', params: AccountParams, body: SettingsBody, response: { 200: SettingsBody, ...AUTHENTICATED_ERRORS } } }, async (request) =>
      replaceSettings(ctx, request.params.accountId, request.body),
    )

    app.get('/skills', { onRequest: read, schema: { tags: ['skills'], summary: 'List skills', params: AccountParams, response: { 200: items(SkillResponse), ...AUTHENTICATED_ERRORS } } }, async (request) => ({
      items: await listSkills(ctx.db, request.params.accountId),
    }))

    app.post('/skills', { onRequest: write, schema: { tags: ['skills'], summary: 'Add a skill', params: AccountParams, body: SkillBody, response: { 201: SkillResponse, ...WRITE_ERRORS } } }, async (request, reply) =>
      reply.code(201).send(await addSkill(ctx, request.params.accountId, request.body.name)),
    )

    app.delete(
      '/skills/:name',
      { onRequest: write, schema: { tags: ['skills'], summary: 'Remove a skill', params: Type.Intersect([AccountParams, Type.Object({ name: Type.String({ maxLength: 255 }) })]), response: { 204: Type.Null(), ...WRITE_ERRORS } } },
      async (request, reply) => {
        await removeSkill(ctx, request.params.accountId, request.params.name)
        return reply.code(204).send(null)
      },
    )

    app.get('/phone-numbers', { onRequest: read, schema: { tags: ['phone numbers'], summary: 'List outbound numbers', params: AccountParams, response: { 200: items(NumberResponse), ...AUTHENTICATED_ERRORS } } }, async (request) => ({
      items: await listPhoneNumbers(ctx.db, request.params.accountId),
    }))

    app.post('/phone-numbers', { onRequest: write, schema: { tags: ['phone numbers'], summary: 'Register an outbound number', params: AccountParams, body: NumberBody, response: { 201: NumberResponse, ...WRITE_ERRORS } } }, async (request, reply) =>
      reply.code(201).send(await registerPhoneNumber(ctx, request.params.accountId, request.body)),
    )

    app.delete(
      '/phone-numbers/:number',
      {
        onRequest: write,
        schema: {
          tags: ['phone numbers'],
          summary: 'Remove an outbound number (for one channel with ?channel=)',
          params: Type.Intersect([AccountParams, Type.Object({ number: Type.String({ maxLength: 16 }) })]),
          querystring: Type.Object({ channel: Type.Optional(Type.Enum(NUMBER_CHANNELS)) }),
          response: { 204: Type.Null(), ...WRITE_ERRORS },
        },
      },
      async (request, reply) => {
        await removePhoneNumber(ctx, request.params.accountId, request.params.number, request.query.channel)
        return reply.code(204).send(null)
      },
    )

    app.get('/apps', { onRequest: read, schema: { tags: ['apps'], summary: 'List mobile apps', params: AccountParams, response: { 200: items(AppResponse), ...AUTHENTICATED_ERRORS } } }, async (request) => ({
      items: await listApps(ctx.db, request.params.accountId),
    }))

    app.post('/apps', { onRequest: write, schema: { tags: ['apps'], summary: 'Register a mobile app', params: AccountParams, body: AppBody, response: { 201: AppResponse, ...WRITE_ERRORS } } }, async (request, reply) =>
      reply.code(201).send(await registerApp(ctx, request.params.accountId, request.body)),
    )

    app.delete(
      '/apps/:appId',
      { onRequest: write, schema: { tags: ['apps'], summary: 'Remove a mobile app', params: Type.Intersect([AccountParams, Type.Object({ appId: Type.String({ maxLength: 255 }) })]), response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        await removeApp(ctx, request.params.accountId, request.params.appId)
        return reply.code(204).send(null)
      },
    )
  }
}
