import type { Kysely } from 'kysely'

// Eligibility's call contexts, the transactional outbox, the sandbox inbox, consumers' devices and opt-outs.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('handoff_id', 'text', (c) => c.notNull())
    .addColumn('skill', 'text', (c) => c.notNull())
    .addColumn('consumer_phone', 'text', (c) => c.notNull())
    .addColumn('consumer_id', 'text')
    .addColumn('ivr_number', 'text')
    .addColumn('sdes', 'text')
    .addColumn('template_variables', 'text', (c) => c.notNull())
    .addColumn('handoff', 'text', (c) => c.notNull())
    .addColumn('available_channels', 'text', (c) => c.notNull())
    .addColumn('channel_checks', 'text', (c) => c.notNull())
    .addColumn('eligible', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('invited_at', 'text')
    .addColumn('invite_channel', 'text')
    .addColumn('invite_skill', 'text')
    .execute()
  await db.schema.createIndex('calls_account_created_idx').on('calls').columns(['account_id', 'created_at']).execute()

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    // One message per invite: the store itself refuses a second, whatever races above it.
    .addColumn('call_id', 'text', (c) => c.notNull().unique())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('available_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['status', 'available_at']).execute()

  await db.schema
    .createTable('sandbox_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('from', 'text', (c) => c.notNull())
    .addColumn('to', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text')
    .addColumn('app_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sandbox_messages_consumer_idx').on('sandbox_messages').columns(['account_id', 'consumer', 'created_at']).execute()

  await db.schema
    .createTable('devices')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('consumer_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('push_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('devices_pk', ['account_id', 'consumer_id', 'app_id', 'push_token'])
    .execute()

  await db.schema
    .createTable('opt_outs')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('consumer_phone', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('opted_out_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('opt_outs_pk', ['account_id', 'consumer_phone', 'channel', 'from_number'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['opt_outs', 'devices', 'sandbox_messages', 'outbox', 'calls']) {
    await db.schema.dropTable(table).execute()
  }
}
