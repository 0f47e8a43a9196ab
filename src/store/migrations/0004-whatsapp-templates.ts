import type { Kysely } from 'kysely'

// WhatsApp message templates: written by the brand, reviewed by Meta, referenced by handoffs.
// Handoffs saved before templates existed name theirs freely; each name is imported as an
// approved template whose text is unknown (an empty body), so those handoffs keep sending.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('wa_templates')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('waba_id', 'text', (c) => c.notNull())
    .addColumn('phone_number', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    // JSON array of sample values, one per placeholder: Meta's reviewers read them.
    .addColumn('examples', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    // Meta's id once submitted: a resubmission after a rejection edits that template.
    .addColumn('meta_template_id', 'text')
    .addColumn('rejected_reason', 'text')
    .addColumn('submitted_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('wa_templates_pk', ['account_id', 'name'])
    .execute()

  const now = new Date().toISOString()
  const handoffs: Array<{ account_id: string; wa: string }> = await db.selectFrom('handoffs').select(['account_id', 'wa']).where('wa', 'is not', null).orderBy('created_at').execute()
  const imported = new Map<string, object>()
  for (const { account_id, wa } of handoffs) {
    const { templateName, language, fromNumber } = JSON.parse(wa) as { templateName?: string; language?: string; fromNumber?: string }
    if (!templateName || imported.has(`${account_id} ${templateName}`)) continue
    imported.set(`${account_id} ${templateName}`, {
      account_id,
      name: templateName,
      category: 'UTILITY',
      language: language ?? '',
      waba_id: '',
      phone_number: fromNumber ?? '',
      body: '',
      examples: null,
      status: 'APPROVED',
      meta_template_id: null,
      rejected_reason: null,
      submitted_at: null,
      created_at: now,
      updated_at: now,
    })
  }
  if (imported.size > 0) await db.insertInto('wa_templates').values([...imported.values()]).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('wa_templates').execute()
}
