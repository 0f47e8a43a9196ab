import { type Kysely, sql } from 'kysely'

// Two pieces of groundwork for conversations:
// - Each brand's channel is explicitly `sandbox` or `live` (a missing row reads as sandbox). A
//   brand that already has a provider connection is live on that channel: upgrading must not
//   move a live brand's messages into the simulator.
// - The outbox and deliveries carry messages that answer a consumer (keyword confirmations now,
//   agents' replies next), which belong to no call: `call_id` becomes optional, a `kind` says what
//   the message is, and the one-message-per-invite guarantee becomes a partial unique index over
//   invitations. Both tables are rebuilt because SQLite cannot drop a NOT NULL constraint.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('channel_modes')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_modes_pk', ['account_id', 'channel'])
    .execute()
  await sql`
    insert into channel_modes (account_id, channel, mode, updated_at)
    select account_id, case provider when 'twilio' then 'sms' when 'whatsapp' then 'wa' else 'inapp' end, 'live', updated_at
    from channel_connections
  `.execute(db)

  await createOutbox(db, 'outbox_0008', 'with-kind')
  await sql`
    insert into outbox_0008 (id, account_id, kind, call_id, channel, message, status, attempts, available_at, lease_until, provider_message_id, last_error, created_at, updated_at)
    select id, account_id, 'invitation', call_id, channel, message, status, attempts, available_at, lease_until, provider_message_id, last_error, created_at, updated_at from outbox
  `.execute(db)
  await db.schema.dropTable('outbox').execute()
  await db.schema.alterTable('outbox_0008').renameTo('outbox').execute()
  await createOutboxIndexes(db)

  await createDeliveries(db, 'deliveries_0008', 'call-optional')
  await sql`insert into deliveries_0008 select id, outbox_id, account_id, call_id, channel, provider, provider_message_id, status, error_code, error_message, created_at, updated_at from deliveries`.execute(db)
  await db.schema.dropTable('deliveries').execute()
  await db.schema.alterTable('deliveries_0008').renameTo('deliveries').execute()
  await createDeliveryIndexes(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  // Rebuilt to the 0007 shape; messages that belong to no call cannot exist in it.
  await createOutbox(db, 'outbox_0007', 'one-per-call')
  await sql`
    insert into outbox_0007 (id, account_id, call_id, channel, message, status, attempts, available_at, lease_until, provider_message_id, last_error, created_at, updated_at)
    select id, account_id, call_id, channel, message, status, attempts, available_at, lease_until, provider_message_id, last_error, created_at, updated_at from outbox where kind = 'invitation'
  `.execute(db)
  await db.schema.dropTable('outbox').execute()
  await db.schema.alterTable('outbox_0007').renameTo('outbox').execute()
  await createDueIndexes(db)

  await createDeliveries(db, 'deliveries_0007', 'call-required')
  await sql`insert into deliveries_0007 select id, outbox_id, account_id, call_id, channel, provider, provider_message_id, status, error_code, error_message, created_at, updated_at from deliveries where call_id is not null`.execute(db)
  await db.schema.dropTable('deliveries').execute()
  await db.schema.alterTable('deliveries_0007').renameTo('deliveries').execute()
  await db.schema.createIndex('deliveries_outbox_idx').on('deliveries').column('outbox_id').execute()
  await db.schema.createIndex('deliveries_call_idx').on('deliveries').column('call_id').execute()

  await db.schema.dropTable('channel_modes').execute()
}

// Each rebuild names its tables after the migration (outbox_0008, deliveries_0007 …), so on
// PostgreSQL the constraints they carry never clash with the table they replace, up or down.

async function createOutboxIndexes(db: Kysely<any>): Promise<void> {
  // One invitation per call: the store itself refuses a second, whatever races above it.
  await db.schema.createIndex('outbox_invitation_call_unique').on('outbox').column('call_id').unique().where(sql.ref('kind'), '=', 'invitation').execute()
  await createDueIndexes(db)
}

/** The dispatcher's due rows, as 0006 indexed them. */
async function createDueIndexes(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('outbox_pending_due_idx').on('outbox').column('available_at').where(sql.ref('status'), '=', 'pending').execute()
  await db.schema.createIndex('outbox_sending_lease_idx').on('outbox').column('lease_until').where(sql.ref('status'), '=', 'sending').execute()
}

async function createDeliveryIndexes(db: Kysely<any>): Promise<void> {
  // A provider's message id is ours once: a retried send the provider de-duplicated is recognised.
  await db.schema.createIndex('deliveries_provider_message_idx').on('deliveries').columns(['provider', 'provider_message_id']).unique().execute()
  await db.schema.createIndex('deliveries_outbox_idx').on('deliveries').column('outbox_id').execute()
  await db.schema.createIndex('deliveries_call_idx').on('deliveries').column('call_id').execute()
}

/**
 * The outbox table under a temporary name: 0008's shape (`with-kind`: a kind, an optional call)
 * or 0007's (`one-per-call`: every row an invitation of one call).
 */
async function createOutbox(db: Kysely<any>, name: string, shape: 'with-kind' | 'one-per-call'): Promise<void> {
  let table = db.schema
    .createTable(name)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
  table =
    shape === 'with-kind'
      ? table
          // During a rolling upgrade, instances still on the code before 0008 write invitations without a kind.
          .addColumn('kind', 'text', (c) => c.notNull().defaultTo('invitation'))
          .addColumn('call_id', 'text')
      : table.addColumn('call_id', 'text', (c) => c.notNull().unique())
  await table
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
}

/**
 * The deliveries table under a temporary name: 0008's (`call-optional`; its provider-id uniqueness
 * is an index made after the rename) or 0007's (`call-required`, with its unique constraint).
 */
async function createDeliveries(db: Kysely<any>, name: string, shape: 'call-optional' | 'call-required'): Promise<void> {
  const table = db.schema
    .createTable(name)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('outbox_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('call_id', 'text', (c) => (shape === 'call-required' ? c.notNull() : c))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
  await (shape === 'call-required' ? table.addUniqueConstraint('deliveries_provider_message_unique', ['provider', 'provider_message_id']) : table).execute()
}
