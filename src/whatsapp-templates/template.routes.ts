import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { CONFIG_READERS, CONFIG_WRITERS, actorOf, requireAccess } from '../auth/actor.ts'
import { apiError } from '../shared/errors.ts'
import { AccountParams, AUTHENTICATED_ERRORS, ErrorResponse } from '../http/schemas.ts'
import { TEMPLATE_EXAMPLE_MAX_LENGTH, WA_TEMPLATE_CATEGORIES, WA_TEMPLATE_STATUSES } from './template.ts'
import { type StoredTemplate, listTemplates } from './template.repository.ts'
import { type SavedTemplate, createTemplate, editTemplate, readTemplate, removeTemplate, submitTemplate, syncTemplate } from './template.service.ts'

const Status = Type.Enum(WA_TEMPLATE_STATUSES)

const TemplateBody = Type.Object(
  {
    name: Type.String({ maxLength: 1000, description: 'lower-case letters, digits and underscores; unique within the brand; read-only on PUT' }),
    category: Type.Enum(WA_TEMPLATE_CATEGORIES),
    language: Type.String({ maxLength: 20, description: 'a WhatsApp template language code, e.g. en_US' }),
    wabaId: Type.Optional(Type.String({ maxLength: 64, description: 'WhatsApp Business Account id; defaults to the brand\'s WhatsApp connection\'s' })),
    phoneNumber: Type.String({ maxLength: 16, description: 'a registered wa number of the brand' }),
    body: Type.String({ maxLength: 10_000, description: 'the message, with placeholders {{1}}…{{n}} numbered without gaps' }),
    examples: Type.Optional(Type.Array(Type.String({ maxLength: TEMPLATE_EXAMPLE_MAX_LENGTH }), { maxItems: 100, description: 'a sample value per placeholder, for Meta\'s review' })),
    // Read-only fields are accepted so that what GET returns can be sent back to PUT as it is.
    status: Type.Optional(Type.String({ description: 'read-only; ignored' })),
    rejectedReason: Type.Optional(Type.String({ description: 'read-only; ignored' })),
    submittedAt: Type.Optional(Type.String({ description: 'read-only; ignored' })),
    createdAt: Type.Optional(Type.String({ description: 'read-only; ignored' })),
    updatedAt: Type.Optional(Type.String({ description: 'read-only; ignored' })),
  },
  { additionalProperties: false },
)

const FieldList = Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))

const TemplateResponse = Type.Object({
  name: Type.String(),
  category: Type.Enum(WA_TEMPLATE_CATEGORIES),
  language: Type.String(),
  wabaId: Type.String(),
  phoneNumber: Type.String(),
  body: Type.String(),
  examples: Type.Optional(Type.Array(Type.String())),
  status: Status,
  rejectedReason: Type.Optional(Type.String()),
  submittedAt: Type.Optional(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  warnings: Type.Optional(FieldList),
})

const TemplateParams = Type.Intersect([AccountParams, Type.Object({ name: Type.String({ maxLength: 1000 }) })])
const ListQuery = Type.Object({ status: Type.Optional(Status) })
const WRITE_ERRORS = { ...AUTHENTICATED_ERRORS, 409: ErrorResponse }
const PROVIDER_ERRORS = { ...WRITE_ERRORS, 502: ErrorResponse }

/**
 * WhatsApp message templates: written here, reviewed by Meta (submit, then Meta's webhook or a
 * sync), referenced by handoffs once approved. Brands without a WhatsApp connection are in the
 * sandbox, where a submitted template is approved at once.
 */
export function templateRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    // Agent managers see approved templates only (the user guide's "Status: Yes - Approved").
    const read = requireAccess(ctx, { key: 'management', roles: [...CONFIG_READERS, 'agent-manager'] })
    const write = requireAccess(ctx, { key: 'management', roles: CONFIG_WRITERS })
    const approvedOnly = (request: FastifyRequest) => {
      const actor = actorOf(request)
      return actor.kind === 'user' && actor.role === 'agent-manager'
    }
    const tags = ['whatsapp-templates']

    app.get(
      '/whatsapp-templates',
      { onRequest: read, schema: { tags, summary: 'List WhatsApp templates, by name', params: AccountParams, querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(TemplateResponse) }), ...AUTHENTICATED_ERRORS } } },
      async (request) => {
        const templates = await listTemplates(ctx.db, request.params.accountId, request.query.status)
        return { items: (approvedOnly(request) ? templates.filter((template) => template.status === 'APPROVED') : templates).map(publicView) }
      },
    )

    app.post(
      '/whatsapp-templates',
      { onRequest: write, schema: { tags, summary: 'Create a WhatsApp template (a draft until submitted)', params: AccountParams, body: TemplateBody, response: { 201: TemplateResponse, ...WRITE_ERRORS } } },
      async (request, reply) => {
        const saved = await createTemplate(ctx, request.params.accountId, request.body)
        return reply.code(201).send(withWarnings(saved))
      },
    )

    app.get(
      '/whatsapp-templates/:name',
      { onRequest: read, schema: { tags, summary: 'Read a WhatsApp template', params: TemplateParams, response: { 200: TemplateResponse, ...AUTHENTICATED_ERRORS } } },
      async (request) => {
        const template = await readTemplate(ctx, request.params.accountId, request.params.name)
        if (approvedOnly(request) && template.status !== 'APPROVED') throw apiError('notFound')
        return publicView(template)
      },
    )

    app.put(
      '/whatsapp-templates/:name',
      { onRequest: write, schema: { tags, summary: 'Replace a draft or rejected WhatsApp template', params: TemplateParams, body: TemplateBody, response: { 200: TemplateResponse, ...WRITE_ERRORS } } },
      async (request) => {
        const { accountId, name } = request.params
        return withWarnings(await editTemplate(ctx, accountId, name, request.body))
      },
    )

    app.delete(
      '/whatsapp-templates/:name',
      { onRequest: write, schema: { tags, summary: 'Delete a WhatsApp template no handoff uses', params: TemplateParams, response: { 204: Type.Null(), ...WRITE_ERRORS } } },
      async (request, reply) => {
        await removeTemplate(ctx, request.params.accountId, request.params.name)
        return reply.code(204).send(null)
      },
    )

    app.post(
      '/whatsapp-templates/:name/submit',
      { onRequest: write, schema: { tags, summary: 'Send a draft or rejected template to WhatsApp for review', params: TemplateParams, response: { 200: TemplateResponse, ...PROVIDER_ERRORS } } },
      async (request) => {
        const { accountId, name } = request.params
        const submitted = await submitTemplate(ctx, accountId, name)
        request.log.info({ accountId, template: submitted.name, status: submitted.status }, 'whatsapp template submitted')
        return publicView(submitted)
      },
    )

    app.post(
      '/whatsapp-templates/:name/sync',
      { onRequest: write, schema: { tags, summary: 'Read the template\'s review status from WhatsApp (when Meta\'s webhook is not set up)', params: TemplateParams, response: { 200: TemplateResponse, ...PROVIDER_ERRORS } } },
      async (request) => publicView(await syncTemplate(ctx, request.params.accountId, request.params.name)),
    )
  }
}

/** A saved template as the API shows it: warnings only when there are some. */
function withWarnings({ template, warnings }: SavedTemplate) {
  return { ...publicView(template), ...(warnings.length ? { warnings } : {}) }
}

/** What the API shows: Meta's id stays internal. */
function publicView(template: StoredTemplate) {
  const { metaTemplateId: _id, ...shown } = template
  return shown
}
