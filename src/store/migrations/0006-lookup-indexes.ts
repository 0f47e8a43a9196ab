import { type Kysely, sql } from 'kysely'

// Indexes for what comes next. A consumer's reply is routed to their latest call within the
// handoff's lookback, found by phone number (SMS, WhatsApp) or by consumerId (in-app); a call's
// report lists its deliveries. The dispatcher's due index keeps only the rows it can claim: sent
// and failed rows, nearly all of the outbox over time, leave it. It is one partial index per
// claimable status, each on the column its half of the claim compares (pending rows by
// `available_at`, sending rows by `lease_until`): SQLite uses a partial index only when the query
// repeats its condition, and each half of the claim's `or` says `status = …`, never
// `status in (…)` (measured with `explain query plan`: one index `where status in ('pending',
// 'sending')` was not used, and the claim scanned the table).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('calls_account_phone_created_idx').on('calls').columns(['account_id', 'consumer_phone', 'created_at']).execute()
  await db.schema.createIndex('calls_account_consumer_created_idx').on('calls').columns(['account_id', 'consumer_id', 'created_at']).execute()
  await db.schema.createIndex('deliveries_call_idx').on('deliveries').column('call_id').execute()
  await db.schema.dropIndex('outbox_due_idx').execute()
  await db.schema.createIndex('outbox_pending_due_idx').on('outbox').column('available_at').where(sql.ref('status'), '=', 'pending').execute()
  await db.schema.createIndex('outbox_sending_lease_idx').on('outbox').column('lease_until').where(sql.ref('status'), '=', 'sending').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['status', 'available_at']).execute()
  for (const index of ['outbox_sending_lease_idx', 'outbox_pending_due_idx', 'deliveries_call_idx', 'calls_account_consumer_created_idx', 'calls_account_phone_created_idx']) await db.schema.dropIndex(index).execute()
}
