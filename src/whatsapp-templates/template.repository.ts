import type { Selectable } from 'kysely'
import type { DbOrTrx } from '../store/database.ts'
import { preparedQuery } from '../store/prepared-query.ts'
import type { WaTemplateTable } from '../store/schema.ts'
import type { WaTemplate, WaTemplateCategory, WaTemplateStatus } from './template.ts'

/** A template as stored, with Meta's id once it has been submitted. */
export interface StoredTemplate extends WaTemplate {
  metaTemplateId?: string
}

function fromRow(row: Selectable<WaTemplateTable>): StoredTemplate {
  return {
    name: row.name,
    category: row.category as WaTemplateCategory,
    language: row.language,
    wabaId: row.waba_id,
    phoneNumber: row.phone_number,
    body: row.body,
    ...(row.examples !== null ? { examples: JSON.parse(row.examples) as string[] } : {}),
    status: row.status as WaTemplateStatus,
    ...(row.rejected_reason !== null ? { rejectedReason: row.rejected_reason } : {}),
    ...(row.submitted_at !== null ? { submittedAt: row.submitted_at } : {}),
    ...(row.meta_template_id !== null ? { metaTemplateId: row.meta_template_id } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toRow(accountId: string, template: StoredTemplate): Selectable<WaTemplateTable> {
  return {
    account_id: accountId,
    name: template.name,
    category: template.category,
    language: template.language,
    waba_id: template.wabaId,
    phone_number: template.phoneNumber,
    body: template.body,
    examples: template.examples ? JSON.stringify(template.examples) : null,
    status: template.status,
    meta_template_id: template.metaTemplateId ?? null,
    rejected_reason: template.rejectedReason ?? null,
    submitted_at: template.submittedAt ?? null,
    created_at: template.createdAt,
    updated_at: template.updatedAt,
  }
}

export async function listTemplates(db: DbOrTrx, accountId: string, status?: WaTemplateStatus): Promise<StoredTemplate[]> {
  let query = db.selectFrom('wa_templates').selectAll().where('account_id', '=', accountId)
  if (status) query = query.where('status', '=', status)
  return (await query.orderBy('name').execute()).map(fromRow)
}

export async function findTemplate(db: DbOrTrx, accountId: string, name: string): Promise<StoredTemplate | undefined> {
  const row = await db.selectFrom('wa_templates').selectAll().where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst()
  return row ? fromRow(row) : undefined
}

const selectTemplateStatus = preparedQuery((db, v: { accountId: string; name: string }) =>
  db.selectFrom('wa_templates').select('status').where('account_id', '=', v.accountId).where('name', '=', v.name),
)

/** Whether the template can be sent: Meta approves it (and has not paused or disabled it since). On Eligibility's path. */
export async function isTemplateApproved(db: DbOrTrx, accountId: string, name: string): Promise<boolean> {
  const { rows } = await selectTemplateStatus(db, { accountId, name })
  return rows[0]?.status === 'APPROVED'
}

export async function insertTemplate(db: DbOrTrx, accountId: string, template: StoredTemplate): Promise<void> {
  await db.insertInto('wa_templates').values(toRow(accountId, template)).execute()
}

/**
 * Replaces the stored template, but only while it is still as it was read (same status, same
 * last change): an edit, a submit and Meta's verdict racing cannot overwrite each other unseen.
 * False when it was not written.
 */
export async function replaceTemplate(db: DbOrTrx, accountId: string, template: StoredTemplate, read: Pick<StoredTemplate, 'status' | 'updatedAt'>): Promise<boolean> {
  const { account_id: _account, name: _name, created_at: _created, ...changes } = toRow(accountId, template)
  const result = await db
    .updateTable('wa_templates')
    .set(changes)
    .where('account_id', '=', accountId)
    .where('name', '=', template.name)
    .where('status', '=', read.status)
    .where('updated_at', '=', read.updatedAt)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Keeps Meta's id of a template whose submit lost a race: a later resubmission must edit it, not create it again. */
export async function keepMetaTemplateId(db: DbOrTrx, accountId: string, name: string, metaTemplateId: string): Promise<void> {
  await db.updateTable('wa_templates').set({ meta_template_id: metaTemplateId }).where('account_id', '=', accountId).where('name', '=', name).where('meta_template_id', 'is', null).execute()
}

/**
 * Meta's verdict on a submitted template, found by name and language (and Meta's id when both
 * sides know it). A draft being edited after a rejection is the brand's again: a late verdict on
 * the old text does not touch it. The template as it now is, or undefined when nothing matched.
 */
export async function setTemplateStatus(
  db: DbOrTrx,
  accountId: string,
  match: { metaTemplateId?: string; name: string; language: string },
  change: { status: WaTemplateStatus; rejectedReason: string | null; at: string },
): Promise<StoredTemplate | undefined> {
  let query = db
    .updateTable('wa_templates')
    .set({ status: change.status, rejected_reason: change.rejectedReason, updated_at: change.at })
    .where('account_id', '=', accountId)
    .where('name', '=', match.name)
    .where('language', '=', match.language)
    .where('status', '<>', 'DRAFT')
  if (match.metaTemplateId) query = query.where((eb) => eb.or([eb('meta_template_id', 'is', null), eb('meta_template_id', '=', match.metaTemplateId!)]))
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows) > 0 ? findTemplate(db, accountId, match.name) : undefined
}

/**
 * A brand leaving the sandbox for Meta: the templates the sandbox approved do not exist at Meta,
 * so they are drafts again, to be submitted for Meta's review. How many there were.
 */
export async function returnSandboxApprovalsToDraft(db: DbOrTrx, accountId: string, at: string): Promise<number> {
  const result = await db
    .updateTable('wa_templates')
    .set({ status: 'DRAFT', submitted_at: null, updated_at: at })
    .where('account_id', '=', accountId)
    .where('meta_template_id', 'is', null)
    // Imported templates (unknown text, from handoffs older than templates) stay as they were.
    .where('body', '<>', '')
    .where('status', '=', 'APPROVED')
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

export async function deleteTemplate(db: DbOrTrx, accountId: string, name: string): Promise<boolean> {
  const result = await db.deleteFrom('wa_templates').where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
