import type { Kysely } from 'kysely'

// The channel fallbacks of each message, for a call's history (GET …/calls/{callId}): a
// fallback moves the outbox row to the next channel in place and a later success clears its
// `last_error`, so without this record nothing would say which channel failed first, or why.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('outbox_fallbacks')
    .addColumn('outbox_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('from_channel', 'text', (c) => c.notNull())
    .addColumn('to_channel', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    // Fallback only moves forward in the call's channel order: a message leaves each channel once.
    .addPrimaryKeyConstraint('outbox_fallbacks_pk', ['outbox_id', 'from_channel'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('outbox_fallbacks').execute()
}
