import type { FastifyPluginAsync, FastifySchemaCompiler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { CONFIG_READERS, CONFIG_WRITERS, requireAccess } from '../auth/actor.ts'
import { CHANNELS } from '../shared/channel.ts'
import { apiError } from '../shared/errors.ts'
import { AccountParams, AUTHENTICATED_ERRORS, ErrorResponse } from '../http/schemas.ts'
import { validatorCompiler } from '../http/validation.ts'
import {
  DEFAULT_OPT_OUT_TEXT,
  LOOKBACK_MAX_MINUTES,
  LOOKBACK_MIN_MINUTES,
  MAX_INAPP_APPS,
  OPT_OUT_TEXT_MAX_LENGTH,
  SMS_MAX_LENGTH,
  SMS_RECOMMENDED_LENGTH,
  TITLE_MAX_LENGTH,
} from './handoff.ts'
import { HANDOFF_SORTS, findHandoff, listHandoffs } from './handoff.repository.ts'
import { type SavedHandoff, createHandoff, removeHandoff, replaceHandoff } from './handoff.service.ts'

const Channel = Type.Enum(CHANNELS)
const Text = (maxLength: number) => Type.String({ maxLength })

const HandoffBody = Type.Object(
  {
    title: Type.String({
      minLength: 1,
      maxLength: TITLE_MAX_LENGTH,
      description: 'unique within the brand, ignoring case; letters, digits, spaces, punctuation and symbols, without < or >; surrounding spaces are dropped',
    }),
    lookbackMinutes: Type.Integer({ minimum: LOOKBACK_MIN_MINUTES, maximum: LOOKBACK_MAX_MINUTES, description: 'from 60 (1 hour) to 43200 (30 days)' }),
    channels: Type.Array(Channel, { maxItems: 3, description: 'priority order' }),
    skills: Type.Optional(Type.Array(Text(255), { maxItems: 100, description: 'routing skills allowed with this handoff; empty = all' })),
    sms: Type.Optional(
      Type.Object(
        {
          fromNumber: Text(16),
          message: Type.Optional(Type.String({ minLength: 1, maxLength: SMS_MAX_LENGTH, description: `required with sms; above ${SMS_RECOMMENDED_LENGTH} characters the answer carries a warning` })),
          optOutText: Type.Optional(Type.String({ minLength: 1, maxLength: OPT_OUT_TEXT_MAX_LENGTH, description: `appended to the message; default "${DEFAULT_OPT_OUT_TEXT}"` })),
        },
        { additionalProperties: false },
      ),
    ),
    wa: Type.Optional(
      Type.Object(
        {
          fromNumber: Text(16),
          templateName: Type.Optional(Type.String({ maxLength: 512, description: 'an approved WhatsApp template of the brand' })),
          language: Type.Optional(Type.String({ maxLength: 20, description: 'the template\'s language; defaults to it' })),
          variables: Type.Optional(Type.Record(Type.String({ pattern: '^[1-9][0-9]{0,2}$' }), Text(1024), { additionalProperties: false, maxProperties: 100, description: 'template placeholder number → text' })),
        },
        { additionalProperties: false },
      ),
    ),
    inapp: Type.Optional(
      Type.Object(
        { appIds: Type.Array(Text(255), { minItems: 1, maxItems: MAX_INAPP_APPS }), message: Type.Optional(Type.String({ minLength: 1, maxLength: SMS_MAX_LENGTH, description: 'required with inapp' })) },
        { additionalProperties: false },
      ),
    ),
    // Read-only fields are accepted so that what GET returns can be sent back to PUT as it is.
    id: Type.Optional(Type.String({ maxLength: 16, description: 'read-only; on PUT it must match the path' })),
    createdAt: Type.Optional(Type.String({ description: 'read-only; ignored' })),
    updatedAt: Type.Optional(Type.String({ description: 'read-only; ignored' })),
  },
  { additionalProperties: false },
)

/**
 * Limits checkHandoff enforces itself, next to the rules that need the brand's catalogue.
 * HandoffBody states them, so the document shows the real rules; the body is validated without
 * them, so that one answer names every broken rule (a title too long and an unknown sending
 * number, say) instead of stopping at the schema's.
 */
const RULE_LIMITS: Record<string, string[]> = {
  title: ['minLength', 'maxLength'],
  lookbackMinutes: ['minimum', 'maximum'],
  'sms.message': ['minLength', 'maxLength'],
  'sms.optOutText': ['minLength', 'maxLength'],
  'inapp.message': ['minLength', 'maxLength'],
  'inapp.appIds': ['minItems'],
}

const HandoffShape = withoutKeywords(HandoffBody, RULE_LIMITS)
const validateShape: FastifySchemaCompiler<unknown> = (route) => validatorCompiler(route.httpPart === 'body' ? { ...route, schema: HandoffShape } : route)

const FieldList = Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))

const HandoffResponse = Type.Object({
  id: Type.String(),
  title: Type.String(),
  lookbackMinutes: Type.Integer(),
  channels: Type.Array(Channel),
  skills: Type.Array(Type.String()),
  sms: Type.Optional(Type.Object({ fromNumber: Type.String(), message: Type.String(), optOutText: Type.String() })),
  wa: Type.Optional(Type.Object({ fromNumber: Type.String(), templateName: Type.String(), language: Type.String(), variables: Type.Record(Type.String(), Type.String()) })),
  inapp: Type.Optional(Type.Object({ appIds: Type.Array(Type.String()), message: Type.String() })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  warnings: Type.Optional(FieldList),
})

const HandoffParams = Type.Intersect([AccountParams, Type.Object({ handoffId: Type.String({ maxLength: 16 }) })])

const ListQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  sort: Type.Enum(HANDOFF_SORTS, { default: 'createdAt' }),
  order: Type.Enum(['asc', 'desc'], { default: 'desc' }),
  title: Type.Optional(Type.String({ maxLength: 100 })),
  channel: Type.Optional(Channel),
})

const WRITE_ERRORS = { ...AUTHENTICATED_ERRORS, 409: ErrorResponse }

/** API handoffs: the configurations an IVR names by id when it calls Eligibility. */
export function handoffRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const read = requireAccess(ctx, { key: 'management', roles: CONFIG_READERS })
    const write = requireAccess(ctx, { key: 'management', roles: CONFIG_WRITERS })
    const tags = ['handoffs']

    app.get(
      '/handoffs',
      { onRequest: read, schema: { tags, summary: 'List handoffs', params: AccountParams, querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(HandoffResponse), page: Type.Integer(), pageSize: Type.Integer(), total: Type.Integer() }), ...AUTHENTICATED_ERRORS } } },
      async (request) => {
        const { page, pageSize } = request.query
        const { items, total } = await listHandoffs(ctx.db, request.params.accountId, request.query)
        return { items, page, pageSize, total }
      },
    )

    app.post(
      '/handoffs',
      { onRequest: write, validatorCompiler: validateShape, schema: { tags, summary: 'Create a handoff', params: AccountParams, body: HandoffBody, response: { 201: HandoffResponse, ...WRITE_ERRORS } } },
      async (request, reply) => {
        const saved = await createHandoff(ctx, request.params.accountId, request.body)
        return reply.code(201).send(withWarnings(saved))
      },
    )

    app.get(
      '/handoffs/:handoffId',
      { onRequest: read, schema: { tags, summary: 'Read a handoff', params: HandoffParams, response: { 200: HandoffResponse, ...AUTHENTICATED_ERRORS } } },
      async (request) => {
        const handoff = await findHandoff(ctx.db, request.params.accountId, request.params.handoffId)
        if (!handoff) throw apiError('notFound')
        return handoff
      },
    )

    app.put(
      '/handoffs/:handoffId',
      { onRequest: write, validatorCompiler: validateShape, schema: { tags, summary: 'Replace a handoff', params: HandoffParams, body: HandoffBody, response: { 200: HandoffResponse, ...WRITE_ERRORS } } },
      async (request) => {
        const { accountId, handoffId } = request.params
        return withWarnings(await replaceHandoff(ctx, accountId, handoffId, request.body))
      },
    )

    app.delete(
      '/handoffs/:handoffId',
      { onRequest: write, schema: { tags, summary: 'Delete a handoff', params: HandoffParams, response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        await removeHandoff(ctx, request.params.accountId, request.params.handoffId)
        return reply.code(204).send(null)
      },
    )
  }
}

/** A saved handoff as the API shows it: warnings only when there are some. */
function withWarnings({ handoff, warnings }: SavedHandoff) {
  return { ...handoff, ...(warnings.length ? { warnings } : {}) }
}

/** `schema` without the given keywords of the properties at the given dotted paths. */
function withoutKeywords<T extends object>(schema: T, keywords: Record<string, string[]>): T {
  const copy = structuredClone(schema)
  for (const [path, names] of Object.entries(keywords)) {
    let node = copy as SchemaNode
    for (const name of path.split('.')) node = node.properties![name]!
    for (const name of names) delete node[name]
  }
  return copy
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>
  [keyword: string]: unknown
}
