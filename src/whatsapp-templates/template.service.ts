import type { AppContext } from '../context.ts'
import { listPhoneNumbers } from '../brand-config/catalog.repository.ts'
import { withBrandReferences } from '../brand-config/references.ts'
import { findChannelMode } from '../brand-config/channel-mode.repository.ts'
import { findConnection } from '../channels/connections/connection.repository.ts'
import type { WhatsAppConnection } from '../channels/connections/connection.ts'
import { providerTimeoutFor } from '../channels/http-errors.ts'
import { TemplateApiError, WhatsAppTemplatesClient } from '../channels/whatsapp/whatsapp-templates.client.ts'
import { handoffsUsingTemplate } from '../handoffs/handoff.repository.ts'
import { nameHandoffs } from '../handoffs/handoff.ts'
import { type FieldError, apiError, invalidFields } from '../shared/errors.ts'
import { isoNow } from '../lib/clock.ts'
import { isUniqueViolation } from '../store/database.ts'
import { type WaTemplateCategory, type WaTemplateInput, type WaTemplateStatus, checkTemplate, checkTemplateName, isEditable, placeholderCount } from './template.ts'
import { type StoredTemplate, deleteTemplate, findTemplate, insertTemplate, keepMetaTemplateId, replaceTemplate, setTemplateStatus } from './template.repository.ts'

/** A template as the brand writes it; without `wabaId` it is the brand's WhatsApp connection's. */
export interface TemplateWrite {
  name: string
  category: WaTemplateCategory
  language: string
  wabaId?: string
  phoneNumber: string
  body: string
  examples?: string[]
}

/** A saved template and what the brand should know about it (warnings never prevent saving). */
export interface SavedTemplate {
  template: StoredTemplate
  warnings: FieldError[]
}

/** What template writes work with: the store, and the brand's WhatsApp connection (sealed). */
type TemplateContext = Pick<AppContext, 'db' | 'clock' | 'secrets'>
/** What a call to Meta's template API adds: its endpoint and the provider timeout. */
type ReviewContext = TemplateContext & Pick<AppContext, 'config'>

/** Creates a draft: nothing reaches Meta until it is submitted. */
export async function createTemplate(ctx: TemplateContext, accountId: string, input: TemplateWrite): Promise<SavedTemplate> {
  const nameProblem = checkTemplateName(input.name)
  const { template: checked, warnings } = await checkAgainstBrand(ctx, accountId, input, nameProblem ? [{ field: 'name', message: nameProblem }] : [])
  const now = isoNow(ctx.clock)
  const template: StoredTemplate = { name: input.name, ...checked, status: 'DRAFT', createdAt: now, updatedAt: now }
  try {
    await insertTemplate(ctx.db, accountId, template)
  } catch (error) {
    if (isUniqueViolation(error)) throw apiError('conflict', `a template named ${template.name} already exists`)
    throw error
  }
  return { template, warnings }
}

/** The brand's template, or notFound. */
export async function readTemplate(ctx: Pick<AppContext, 'db'>, accountId: string, name: string): Promise<StoredTemplate> {
  const template = await findTemplate(ctx.db, accountId, name)
  if (!template) throw apiError('notFound')
  return template
}

/** Replaces a draft or rejected template with a new draft; a template in review or approved cannot change. */
export async function editTemplate(ctx: TemplateContext, accountId: string, name: string, input: TemplateWrite): Promise<SavedTemplate> {
  const current = await readTemplate(ctx, accountId, name)
  if (input.name !== name) throw invalidFields([{ field: 'name', message: 'does not match the template in the path (a template cannot be renamed)' }])
  refuseUnlessEditable(current)
  const { template: checked, warnings } = await checkAgainstBrand(ctx, accountId, input)
  // A resubmission edits Meta's template, which keeps its language for good.
  if (current.metaTemplateId && checked.language !== current.language) {
    throw invalidFields([{ field: 'language', message: `WhatsApp keeps a submitted template's language (${current.language}); create a new template for ${checked.language}` }])
  }
  // An edit of a rejected template is a new draft; Meta's id is kept so the resubmission edits it there.
  const { rejectedReason: _reason, examples: _examples, ...kept } = current
  const template: StoredTemplate = { ...kept, ...checked, status: 'DRAFT', updatedAt: isoNow(ctx.clock) }
  if (!(await replaceTemplate(ctx.db, accountId, template, current))) throw changedMeanwhile()
  return { template, warnings }
}

/** Deletes a template no handoff uses, under the brand's reference lock. */
export async function removeTemplate(ctx: Pick<AppContext, 'db'>, accountId: string, name: string): Promise<void> {
  await withBrandReferences(ctx.db, accountId, async (trx) => {
    const users = await handoffsUsingTemplate(trx, accountId, name)
    if (users.length > 0) {
      const named = nameHandoffs(users.map((handoff) => `"${handoff.title}" (${handoff.id})`))
      throw apiError('conflict', `the template is used by handoff${users.length === 1 ? '' : 's'} ${named}: change or delete ${users.length === 1 ? 'it' : 'them'} first`)
    }
    if (!(await deleteTemplate(trx, accountId, name))) throw apiError('notFound')
  })
}

/**
 * Sends a draft or rejected template to Meta for review. A brand that has never connected WhatsApp
 * (its wa channel in sandbox mode) has the sandbox stand in for Meta's review: approved at once.
 * The template as stored.
 */
export async function submitTemplate(ctx: ReviewContext, accountId: string, name: string): Promise<StoredTemplate> {
  const current = await readTemplate(ctx, accountId, name)
  if (!isEditable(current.status)) throw apiError('conflict', current.status === 'PENDING' ? 'the template is already in review' : `a template that is ${current.status} cannot be submitted again`)
  const connection = await findConnection(ctx.db, ctx.secrets, accountId, 'whatsapp')
  // A live WhatsApp channel whose connection is gone has no Meta to review it, and is no sandbox either.
  if (!connection && (await findChannelMode(ctx.db, accountId, 'wa')) === 'live') {
    throw apiError('conflict', 'WhatsApp is live but not connected: connect it again to submit templates to Meta, or switch wa to sandbox')
  }
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
  return submitted
}

/** Reads the template's review status from Meta and applies it exactly as Meta's webhook would. */
export async function syncTemplate(ctx: ReviewContext, accountId: string, name: string): Promise<StoredTemplate> {
  const current = await readTemplate(ctx, accountId, name)
  const connection = await findConnection(ctx.db, ctx.secrets, accountId, 'whatsapp')
  if (!connection || !current.metaTemplateId || current.status === 'DRAFT') return current
  const { metaTemplateId, language } = current
  const state = await callMeta(() => metaClient(ctx, connection.config).read(metaTemplateId))
  if (!state.status || (state.status === current.status && state.rejectedReason === current.rejectedReason)) return current
  const reason = state.status === 'REJECTED' ? (state.rejectedReason ?? null) : null
  const synced = await setTemplateStatus(ctx.db, accountId, { metaTemplateId, name: current.name, language }, { status: state.status, rejectedReason: reason, at: isoNow(ctx.clock) })
  return synced ?? (await readTemplate(ctx, accountId, name))
}

/** Meta's template API for the brand's connection, with the service's provider timeout. */
function metaClient(ctx: Pick<AppContext, 'config'>, connection: WhatsAppConnection): WhatsAppTemplatesClient {
  return new WhatsAppTemplatesClient(connection, ctx.config, providerTimeoutFor(ctx.config.deliveryLeaseSeconds))
}

function changedMeanwhile() {
  return apiError('conflict', 'the template changed meanwhile; read it again')
}

function refuseUnlessEditable(template: StoredTemplate): void {
  if (isEditable(template.status)) return
  if (template.status === 'PENDING') throw apiError('conflict', 'the template is in review by WhatsApp and cannot be edited')
  throw apiError('conflict', 'a template approved by WhatsApp cannot be edited; create a new one')
}

async function checkAgainstBrand(ctx: Pick<AppContext, 'db' | 'secrets'>, accountId: string, write: TemplateWrite, earlier: FieldError[] = []): Promise<{ template: WaTemplateInput; warnings: FieldError[] }> {
  const [numbers, connection] = await Promise.all([listPhoneNumbers(ctx.db, accountId), findConnection(ctx.db, ctx.secrets, accountId, 'whatsapp')])
  const wabaId = write.wabaId ?? connection?.config.wabaId
  const input: WaTemplateInput = { category: write.category, language: write.language, wabaId: wabaId ?? '', phoneNumber: write.phoneNumber, body: write.body }
  if (write.examples !== undefined) input.examples = write.examples
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
