import type { Kysely } from 'kysely'

// Real channels: per-brand provider connections, provider message tracking, inbound messages
// and the opt-out history; cached line types; the invite's SMS override kept for channel fallback.
export async function up(db: Kysely<any>): Promise<void> {
  // The SMS text an invite asked for, kept so a fallback to SMS after another channel failed sends it.
  await db.schema.alterTable('calls').addColumn('invite_override_message', 'text').execute()
  // How the device check settled the consumer's line type for this call (JSON), when it ran.
  await db.schema.alterTable('calls').addColumn('device_check', 'text').execute()

  await db.schema
    .createTable('line_types')
    .addColumn('phone', 'text', (c) => c.primaryKey())
    .addColumn('line_type', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('channel_connections')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    // AES-256-GCM sealed JSON of the whole connection: secrets never sit in the store in clear.
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_connections_pk', ['account_id', 'provider'])
    .execute()

  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('outbox_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('deliveries_provider_message_unique', ['provider', 'provider_message_id'])
    .execute()
  await db.schema.createIndex('deliveries_outbox_idx').on('deliveries').column('outbox_id').execute()

  await db.schema
    .createTable('delivery_status_events')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_status_events_pk', ['provider', 'provider_message_id', 'status'])
    .execute()

  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('from', 'text', (c) => c.notNull())
    .addColumn('to', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('inbound_messages_provider_unique', ['provider', 'provider_message_id'])
    .execute()
  await db.schema.createIndex('inbound_messages_consumer_idx').on('inbound_messages').columns(['account_id', 'from', 'received_at']).execute()

  await db.schema
    .createTable('opt_out_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('consumer_phone', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('keyword', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('opt_out_events_consumer_idx').on('opt_out_events').columns(['account_id', 'consumer_phone', 'at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['line_types', 'opt_out_events', 'inbound_messages', 'delivery_status_events', 'deliveries', 'channel_connections']) {
    await db.schema.dropTable(table).execute()
  }
  await db.schema.alterTable('calls').dropColumn('device_check').execute()
  await db.schema.alterTable('calls').dropColumn('invite_override_message').execute()
}
