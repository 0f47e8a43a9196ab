import { type Kysely, sql } from 'kysely'

// Status events kept per brand, with the error they carried, and marked pending while no
// delivery of ours has their provider message id yet: a provider's status callback can beat our
// record of the send (the provider answered, and its callback came before our transaction
// committed), and is applied when the send is recorded instead of being lost. The table is
// rebuilt because the brand joins its primary key: another brand's callback for an id not yet
// recorded must not count as this brand's (provider ids are global, and its signature proves
// only which brand sent it).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('delivery_status_events_0005')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('pending', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_status_events_account_pk', ['account_id', 'provider', 'provider_message_id', 'status'])
    .execute()
  // Every event so far was applied to a delivery of ours (in-app receipts, under provider `app`,
  // name our message id); one whose delivery went with its brand goes too.
  await sql`
    insert into delivery_status_events_0005 (account_id, provider, provider_message_id, status, error_code, error_message, received_at, pending)
    select d.account_id, e.provider, e.provider_message_id, e.status, null, null, e.received_at, 0
    from delivery_status_events e
    join deliveries d on (e.provider = 'app' and d.outbox_id = e.provider_message_id and d.channel = 'inapp')
      or (e.provider <> 'app' and d.provider = e.provider and d.provider_message_id = e.provider_message_id)
  `.execute(db)
  await db.schema.dropTable('delivery_status_events').execute()
  await db.schema.alterTable('delivery_status_events_0005').renameTo('delivery_status_events').execute()
  // Pending events are looked up when a send is recorded, and pruned by age.
  await db.schema.createIndex('delivery_status_events_pending_idx').on('delivery_status_events').columns(['pending', 'received_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('delivery_status_events_0003')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_status_events_pk', ['provider', 'provider_message_id', 'status'])
    .execute()
  await sql`
    insert into delivery_status_events_0003 (provider, provider_message_id, status, received_at)
    select provider, provider_message_id, status, min(received_at) from delivery_status_events where pending = 0
    group by provider, provider_message_id, status
  `.execute(db)
  await db.schema.dropTable('delivery_status_events').execute()
  await db.schema.alterTable('delivery_status_events_0003').renameTo('delivery_status_events').execute()
}
