import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { requirePrivilege } from '../auth/auth.hooks.ts'
import { apiError, invalidFields } from '../shared/errors.ts'
import { AccountParams, AUTHENTICATED_ERRORS, ErrorResponse } from '../http/schemas.ts'
import { isoNow } from '../lib/clock.ts'
import { isValidE164 } from '../lib/phone.ts'
import { isUniqueViolation } from '../store/database.ts'
import { handoffsUsingNumber, handoffsUsingSkill } from '../handoffs/handoff.repository.ts'
import { CHANNELS, NUMBER_CHANNELS } from '../shared/channel.ts'
import { deleteApp, deletePhoneNumber, deleteSkill, insertApp, insertPhoneNumber, insertSkill, listApps, listPhoneNumbers, listSkills } from './catalog.repository.ts'
import { withBrandReferences } from './references.ts'
import { findSettings, saveSettings } from './settings.repository.ts'
import { validateSettings } from './settings.ts'

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
    const onRequest = requirePrivilege(ctx, 'management')

    app.get('/settings', { onRequest, schema: { tags: ['settings'], summary: 'Read the brand settings', params: AccountParams, response: { 200: SettingsBody, ...AUTHENTICATED_ERRORS } } }, async (request) => {
      const settings = await findSettings(ctx.db, request.params.accountId)
      if (!settings) throw apiError('notFound', 'this brand has no settings yet')
      return settings
    })

    app.put('/settings', { onRequest, schema: { tags: ['settings'], summary: 'Replace the brand settings', params: AccountParams, body: SettingsBody, response: { 200: SettingsBody, ...AUTHENTICATED_ERRORS } } }, async (request) => {
      const { accountId } = request.params
      await withBrandReferences(ctx.db, accountId, async (trx) => {
        const skills = new Set((await listSkills(trx, accountId)).map((s) => s.name))
        const errors = validateSettings(request.body, skills)
        if (errors.length > 0) throw invalidFields(errors)
        await saveSettings(trx, accountId, request.body, isoNow(ctx.clock))
      })
      return request.body
    })

    app.get('/skills', { onRequest, schema: { tags: ['skills'], summary: 'List skills', params: AccountParams, response: { 200: items(SkillResponse), ...AUTHENTICATED_ERRORS } } }, async (request) => ({
      items: await listSkills(ctx.db, request.params.accountId),
    }))

    app.post('/skills', { onRequest, schema: { tags: ['skills'], summary: 'Add a skill', params: AccountParams, body: SkillBody, response: { 201: SkillResponse, ...WRITE_ERRORS } } }, async (request, reply) => {
      const skill = { name: request.body.name.trim(), createdAt: isoNow(ctx.clock) }
      await insertOrConflict(() => insertSkill(ctx.db, request.params.accountId, skill), `skill ${skill.name} already exists`)
      return reply.code(201).send(skill)
    })

    app.delete(
      '/skills/:name',
      { onRequest, schema: { tags: ['skills'], summary: 'Remove a skill', params: Type.Intersect([AccountParams, Type.Object({ name: Type.String({ maxLength: 255 }) })]), response: { 204: Type.Null(), ...WRITE_ERRORS } } },
      async (request, reply) => {
        const { accountId, name } = request.params
        await withBrandReferences(ctx.db, accountId, async (trx) => {
          const settings = await findSettings(trx, accountId)
          if (settings?.routing.skills.includes(name)) throw apiError('conflict', `skill ${name} is used by the routing settings`)
          const users = await handoffsUsingSkill(trx, accountId, name)
          if (users.length > 0) throw apiError('conflict', `skill ${name} is used by handoff ${users.join(', ')}`)
          if (!(await deleteSkill(trx, accountId, name))) throw apiError('notFound')
        })
        return reply.code(204).send(null)
      },
    )

    app.get('/phone-numbers', { onRequest, schema: { tags: ['phone numbers'], summary: 'List outbound numbers', params: AccountParams, response: { 200: items(NumberResponse), ...AUTHENTICATED_ERRORS } } }, async (request) => ({
      items: await listPhoneNumbers(ctx.db, request.params.accountId),
    }))

    app.post('/phone-numbers', { onRequest, schema: { tags: ['phone numbers'], summary: 'Register an outbound number', params: AccountParams, body: NumberBody, response: { 201: NumberResponse, ...WRITE_ERRORS } } }, async (request, reply) => {
      const { number, channel } = request.body
      if (!isValidE164(number)) throw invalidFields([{ field: 'number', message: 'must be a valid E.164 number with a leading +' }])
      const phone = { number, channel, createdAt: isoNow(ctx.clock) }
      await insertOrConflict(() => insertPhoneNumber(ctx.db, request.params.accountId, phone), `${channel} number is already registered`)
      return reply.code(201).send(phone)
    })

    app.delete(
      '/phone-numbers/:number',
      {
        onRequest,
        schema: {
          tags: ['phone numbers'],
          summary: 'Remove an outbound number (for one channel with ?channel=)',
          params: Type.Intersect([AccountParams, Type.Object({ number: Type.String({ maxLength: 16 }) })]),
          querystring: Type.Object({ channel: Type.Optional(Type.Enum(NUMBER_CHANNELS)) }),
          response: { 204: Type.Null(), ...WRITE_ERRORS },
        },
      },
      async (request, reply) => {
        const { accountId, number } = request.params
        const channels = request.query.channel ? [request.query.channel] : NUMBER_CHANNELS
        await withBrandReferences(ctx.db, accountId, async (trx) => {
          for (const channel of channels) {
            const users = await handoffsUsingNumber(trx, accountId, number, channel)
            if (users.length > 0) throw apiError('conflict', `the ${channel} number is used by handoff ${users.join(', ')}`)
          }
          if ((await deletePhoneNumber(trx, accountId, number, request.query.channel)) === 0) throw apiError('notFound')
        })
        return reply.code(204).send(null)
      },
    )

    app.get('/apps', { onRequest, schema: { tags: ['apps'], summary: 'List mobile apps', params: AccountParams, response: { 200: items(AppResponse), ...AUTHENTICATED_ERRORS } } }, async (request) => ({
      items: await listApps(ctx.db, request.params.accountId),
    }))

    app.post('/apps', { onRequest, schema: { tags: ['apps'], summary: 'Register a mobile app', params: AccountParams, body: AppBody, response: { 201: AppResponse, ...WRITE_ERRORS } } }, async (request, reply) => {
      const registered = { ...request.body, name: request.body.name.trim(), createdAt: isoNow(ctx.clock) }
      await insertOrConflict(() => insertApp(ctx.db, request.params.accountId, registered), `app ${registered.appId} is already registered`)
      return reply.code(201).send(registered)
    })

    app.delete(
      '/apps/:appId',
      { onRequest, schema: { tags: ['apps'], summary: 'Remove a mobile app', params: Type.Intersect([AccountParams, Type.Object({ appId: Type.String({ maxLength: 255 }) })]), response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        // Handoffs naming a removed app stay; the C2M API answers 1201 for them until they are edited.
        if (!(await deleteApp(ctx.db, request.params.accountId, request.params.appId))) throw apiError('notFound')
        return reply.code(204).send(null)
      },
    )
  }
}

async function insertOrConflict(insert: () => Promise<void>, message: string): Promise<void> {
  try {
    await insert()
  } catch (error) {
    if (isUniqueViolation(error)) throw apiError('conflict', message)
    throw error
  }
}
