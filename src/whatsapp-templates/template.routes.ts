import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import type { AppContext } from '../context.ts'
import { requirePrivilege } from '../auth/auth.hooks.ts'
import { listPhoneNumbers } from '../brand-config/catalog.repository.ts'
import { withBrandReferences } from '../brand-config/references.ts'
import { findConnection } from '../channels/connections/connection.repository.ts'
import type { WhatsAppConnection } from '../channels/connections/connection.ts'
import { providerTimeoutFor } from '../channels/http-errors.ts'
import { TemplateApiError, WhatsAppTemplatesClient } from '../channels/whatsapp/whatsapp-templates.client.ts'
import { handoffsUsingTemplate } from '../handoffs/handoff.repository.ts'
import { apiError, invalidFields } from '../shared/errors.ts'
import { AccountParams, AUTHENTICATED_ERRORS, ErrorResponse } from '../http/schemas.ts'
import { isoNow } from '../lib/clock.ts'
import { isUniqueViolation } from '../store/database.ts'
import { type WaTemplateInput, type WaTemplateStatus, WA_TEMPLATE_CATEGORIES, WA_TEMPLATE_STATUSES, checkTemplate, checkTemplateName, isEditable, placeholderCount } from './template.ts'
import { type StoredTemplate, deleteTemplate, findTemplate, insertTemplate, keepMetaTemplateId, listTemplates, replaceTemplate, setTemplateStatus } from './template.repository.ts'

const Status = Type.Enum(WA_TEMPLATE_STATUSES)

const TemplateBody = Type.Object(
  {
    name: Type.String({ maxLength: 1000, description: 'lower-case letters, digits and underscores; unique within the brand; read-only on PUT' }),
    category: Type.Enum(WA_TEMPLATE_CATEGORIES),
    language: Type.String({ maxLength: 20, description: 'a WhatsApp template language code, e.g. en_US' }),
    wabaId: Type.Optional(Type.String({ maxLength: 64, description: 'WhatsApp Business Account id; defaults to the brand\'s WhatsApp connection\'s' })),
    phoneNumber: Type.String({ maxLength: 16, description: 'a registered wa number of the brand' }),
    body: Type.String({ maxLength: 10_000, description: 'the message, with placeholders {{1}}…{{n}} numbered without gaps' }),
    examples: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100, description: 'a sample value per placeholder, for Meta\'s review' })),
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
    const auth = requirePrivilege(ctx, 'management')
    const tags = ['whatsapp-templates']

    app.get(
      '/whatsapp-templates',
      { onRequest: auth, schema: { tags, summary: 'List WhatsApp templates, by name', params: AccountParams, querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(TemplateResponse) }), ...AUTHENTICATED_ERRORS } } },
      async (request) => ({ items: (await listTemplates(ctx.db, request.params.accountId, request.query.status)).map(publicView) }),
    )

    app.post(
      '/whatsapp-templates',
      { onRequest: auth, schema: { tags, summary: 'Create a WhatsApp template (a draft until submitted)', params: AccountParams, body: TemplateBody, response: { 201: TemplateResponse, ...WRITE_ERRORS } } },
      async (request, reply) => {
        const { accountId } = request.params
        const nameProblem = checkTemplateName(request.body.name)
        const { template: input, warnings } = await checkAgainstBrand(ctx, accountId, request.body, nameProblem ? [{ field: 'name', message: nameProblem }] : [])
        const now = isoNow(ctx.clock)
        const template: StoredTemplate = { name: request.body.name, ...input, status: 'DRAFT', createdAt: now, updatedAt: now }
        try {
          await insertTemplate(ctx.db, accountId, template)
        } catch (error) {
          if (isUniqueViolation(error)) throw apiError('conflict', `a template named ${template.name} already exists`)
          throw error
        }
        return reply.code(201).send({ ...publicView(template), ...(warnings.length ? { warnings } : {}) })
      },
    )

    app.get(
      '/whatsapp-templates/:name',
      { onRequest: auth, schema: { tags, summary: 'Read a WhatsApp template', params: TemplateParams, response: { 200: TemplateResponse, ...AUTHENTICATED_ERRORS } } },
      async (request) => publicView(await existing(ctx, request.params)),
    )

    app.put(
      '/whatsapp-templates/:name',
      { onRequest: auth, schema: { tags, summary: 'Replace a draft or rejected WhatsApp template', params: TemplateParams, body: TemplateBody, response: { 200: TemplateResponse, ...WRITE_ERRORS } } },
      async (request) => {
        const { accountId, name } = request.params
        const current = await existing(ctx, request.params)
        if (request.body.name !== name) throw invalidFields([{ field: 'name', message: 'does not match the template in the path (a template cannot be renamed)' }])
        refuseUnlessEditable(current)
        const { template: input, warnings } = await checkAgainstBrand(ctx, accountId, request.body)
        // A resubmission edits Meta's template, which keeps its language for good.
        if (current.metaTemplateId && input.language !== current.language) {
          throw invalidFields([{ field: 'language', message: `WhatsApp keeps a submitted template's language (${current.language}); create a new template for ${input.language}` }])
        }
        // An edit of a rejected template is a new draft; Meta's id is kept so the resubmission edits it there.
        const { rejectedReason: _reason, examples: _examples, ...kept } = current
        const template: StoredTemplate = { ...kept, ...input, status: 'DRAFT', updatedAt: isoNow(ctx.clock) }
        if (!(await replaceTemplate(ctx.db, accountId, template, current))) throw changedMeanwhile()
        return { ...publicView(template), ...(warnings.length ? { warnings } : {}) }
      },
    )

    app.delete(
      '/whatsapp-templates/:name',
      { onRequest: auth, schema: { tags, summary: 'Delete a WhatsApp template no handoff uses', params: TemplateParams, response: { 204: Type.Null(), ...WRITE_ERRORS } } },
      async (request, reply) => {
        const { accountId, name } = request.params
        await withBrandReferences(ctx.db, accountId, async (trx) => {
          const users = await handoffsUsingTemplate(trx, accountId, name)
          if (users.length > 0) throw apiError('conflict', `the template is used by handoff${users.length === 1 ? '' : 's'} ${users.join(', ')}`)
          if (!(await deleteTemplate(trx, accountId, name))) throw apiError('notFound')
        })
        return reply.code(204).send(null)
      },
    )

    app.post(
      '/whatsapp-templates/:name/submit',
      { onRequest: auth, schema: { tags, summary: 'Send a draft or rejected template to WhatsApp for review', params: TemplateParams, response: { 200: TemplateResponse, ...PROVIDER_ERRORS } } },
      async (request) => {
        const { accountId } = request.params
        const current = await existing(ctx, request.params)
        if (!isEditable(current.status)) throw apiError('conflict', current.status === 'PENDING' ? 'the template is already in review' : `a template that is ${current.status} cannot be submitted again`)
        const connection = await findConnection(ctx.db, ctx.secrets, accountId, 'whatsapp')
        // The sandbox stands in for Meta's review: approved at once.
        let review: { status: WaTemplateStatus; metaTemplateId?: string } = { status: 'APPROVED' }
        if (connection) {
          const { config } = connection
          if (config.wabaId !== current.wabaId) throw invalidFields([{ field: 'wabaId', message: `is not the WhatsApp Business Account of this brand's WhatsApp connection (${config.wabaId})` }])
          if ((current.examples?.length ?? 0) === 0 && placeholderCount(current.body) > 0) {
            throw invalidFields([{ field: 'examples', message: 'WhatsApp needs a sample value for each placeholder before it reviews a template' }])
          }
          const state = await callMeta(() => metaClient(ctx, config).submit(current, current.metaTemplateId))
          review = { status: state.status ?? 'PENDING', metaTemplateId: state.metaTemplateId }
        }
        const now = isoNow(ctx.clock)
        const { rejectedReason: _reason, ...resubmitted } = current
        const submitted: StoredTemplate = { ...resubmitted, ...review, submittedAt: now, updatedAt: now }
        if (!(await replaceTemplate(ctx.db, accountId, submitted, current))) {
          // Meta has it now: keep its id so that submitting the edited template edits it there.
          if (submitted.metaTemplateId) await keepMetaTemplateId(ctx.db, accountId, current.name, submitted.metaTemplateId)
          throw changedMeanwhile()
        }
        request.log.info({ accountId, template: current.name, status: submitted.status }, 'whatsapp template submitted')
        return publicView(submitted)
      },
    )

    app.post(
      '/whatsapp-templates/:name/sync',
      { onRequest: auth, schema: { tags, summary: 'Read the template\'s review status from WhatsApp (when Meta\'s webhook is not set up)', params: TemplateParams, response: { 200: TemplateResponse, ...PROVIDER_ERRORS } } },
      async (request) => {
        const { accountId } = request.params
        const current = await existing(ctx, request.params)
        const connection = await findConnection(ctx.db, ctx.secrets, accountId, 'whatsapp')
        if (!connection || !current.metaTemplateId || current.status === 'DRAFT') return publicView(current)
        const { metaTemplateId, name, language } = current
        const state = await callMeta(() => metaClient(ctx, connection.config).read(metaTemplateId))
        if (!state.status || (state.status === current.status && state.rejectedReason === current.rejectedReason)) return publicView(current)
        // Applied exactly as Meta's webhook would apply it.
        const reason = state.status === 'REJECTED' ? (state.rejectedReason ?? null) : null
        const synced = await setTemplateStatus(ctx.db, accountId, { metaTemplateId, name, language }, { status: state.status, rejectedReason: reason, at: isoNow(ctx.clock) })
        return publicView(synced ?? (await existing(ctx, request.params)))
      },
    )
  }
}

type Body = Static<typeof TemplateBody>

/** Meta's template API for the brand's connection, with the service's provider timeout. */
function metaClient(ctx: AppContext, connection: WhatsAppConnection): WhatsAppTemplatesClient {
  return new WhatsAppTemplatesClient(connection, ctx.config, providerTimeoutFor(ctx.config.deliveryLeaseSeconds))
}

async function existing(ctx: AppContext, params: { accountId: string; name: string }): Promise<StoredTemplate> {
  const template = await findTemplate(ctx.db, params.accountId, params.name)
  if (!template) throw apiError('notFound')
  return template
}

function changedMeanwhile() {
  return apiError('conflict', 'the template changed meanwhile; read it again')
}

function refuseUnlessEditable(template: StoredTemplate): void {
  if (isEditable(template.status)) return
  if (template.status === 'PENDING') throw apiError('conflict', 'the template is in review by WhatsApp and cannot be edited')
  throw apiError('conflict', 'a template approved by WhatsApp cannot be edited; create a new one')
}

async function checkAgainstBrand(ctx: AppContext, accountId: string, body: Body, earlier: Array<{ field: string; message: string }> = []) {
  const [numbers, connection] = await Promise.all([listPhoneNumbers(ctx.db, accountId), findConnection(ctx.db, ctx.secrets, accountId, 'whatsapp')])
  const wabaId = body.wabaId ?? connection?.config.wabaId
  const input: WaTemplateInput = { category: body.category, language: body.language, wabaId: wabaId ?? '', phoneNumber: body.phoneNumber, body: body.body }
  if (body.examples !== undefined) input.examples = body.examples
  const check = checkTemplate(input, { waNumbers: new Set(numbers.filter((n) => n.channel === 'wa').map((n) => n.number)) })
  const errors = [...earlier, ...(check.ok ? [] : check.errors)]
  if (wabaId === undefined) {
    const at = errors.findIndex((e) => e.field === 'wabaId')
    errors.splice(at === -1 ? errors.length : at, at === -1 ? 0 : 1, { field: 'wabaId', message: 'is required while the brand has no WhatsApp connection' })
  }
  if (!check.ok || errors.length > 0) throw invalidFields(errors)
  return check
}

/** Meta's refusals are the brand's to fix (400 with Meta's words); its outages are worth a retry (502). */
async function callMeta<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (!(error instanceof TemplateApiError)) throw error
    if (error.kind === 'refused') throw apiError('invalidRequest', `WhatsApp refused the template: ${error.message} (code ${error.code})`)
    throw apiError('providerUnavailable', `WhatsApp did not answer; try again (${error.message})`)
  }
}

/** What the API shows: Meta's id stays internal. */
function publicView(template: StoredTemplate) {
  const { metaTemplateId: _id, ...shown } = template
  return shown
}
