import { type Kysely, sql } from 'kysely'
import { PostgresAdapter } from 'kysely'

// The conversation side: a consumer's replies become conversations routed to agents of a skill.
// - users gain what agents and sessions need: capacity, status, the conversations they hold now
//   (`load`, guarded by conditional updates), when they last got one, a session version that
//   revokes every cookie at once, and a disabled mark.
// - conversations, their transcript, the steps the reporting funnel counts, and the per-brand
//   routing settings (ring timeout, auto-accept).
// - the live event log the SSE streams replay from (`Last-Event-ID` is its sequence number).
// - outbound webhooks (the external desk connector; reporting subscribers later): endpoints and
//   a delivery queue beside the outbox.
// - `rate_limits`: counters of failed logins, shared by every instance through the store.
// - the outbox names its recipient (what the consumer API and the CX widget look up), and a call
//   records why an invitation was refused (the active-conversation rule).
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter

  await db.schema.alterTable('users').addColumn('max_conversations', 'integer', (c) => c.notNull().defaultTo(5)).execute()
  await db.schema.alterTable('users').addColumn('status', 'text', (c) => c.notNull().defaultTo('offline')).execute()
  await db.schema.alterTable('users').addColumn('load', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('users').addColumn('last_assigned_at', 'text').execute()
  await db.schema.alterTable('users').addColumn('session_version', 'integer', (c) => c.notNull().defaultTo(1)).execute()
  await db.schema.alterTable('users').addColumn('disabled_at', 'text').execute()
  await db.schema.alterTable('users').addColumn('welcomed_at', 'text').execute()
  await db.schema.alterTable('users').addColumn('updated_at', 'text').execute()
  await sql`update users set updated_at = created_at`.execute(db)
  await db.schema.createIndex('users_agents_idx').on('users').columns(['account_id', 'status']).execute()

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('brand_address', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('skill', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text')
    .addColumn('handoff_id', 'text')
    .addColumn('sdes', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('ring_expires_at', 'text')
    .addColumn('passed_over', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('queued_at', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('closed_by', 'text')
    .addColumn('last_consumer_message_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  // At most one active conversation per consumer, brand and channel: two messages arriving at once cannot open two.
  await sql`create unique index conversations_active_idx on conversations (account_id, channel, consumer) where state <> 'closed'`.execute(db)
  await sql`create index conversations_waiting_idx on conversations (account_id, queued_at) where state = 'queued'`.execute(db)
  await sql`create index conversations_ringing_idx on conversations (ring_expires_at) where state = 'ringing'`.execute(db)
  await db.schema.createIndex('conversations_state_idx').on('conversations').columns(['account_id', 'state', 'updated_at']).execute()
  await db.schema.createIndex('conversations_consumer_idx').on('conversations').columns(['account_id', 'consumer']).execute()
  // Whether a call already had its conversation: asked by every reply within a lookback period.
  await db.schema.createIndex('conversations_call_idx').on('conversations').column('call_id').execute()

  await db.schema
    .createTable('conversation_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('inbound_id', 'text')
    .addColumn('outbox_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('conversation_messages_seq_uq', ['conversation_id', 'seq'])
    .execute()

  await db.schema
    .createTable('conversation_steps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text')
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('skill', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('wait_ms', 'integer')
    .addColumn('by', 'text')
    .addColumn('detail', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('conversation_steps_account_idx').on('conversation_steps').columns(['account_id', 'at']).execute()
  await db.schema.createIndex('conversation_steps_conversation_idx').on('conversation_steps').column('conversation_id').execute()

  await db.schema
    .createTable('conversation_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('ring_timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('auto_accept', 'integer', (c) => c.notNull())
    // JSON array of origins that may frame the CX widget page (`frame-ancestors`); none by default.
    .addColumn('cx_widget_frame_ancestors', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('live_events')
    .addColumn('seq', postgres ? sql`bigserial` : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('skill', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('live_events_account_idx').on('live_events').columns(['account_id', 'seq']).execute()
  await db.schema.createIndex('live_events_at_idx').on('live_events').column('at').execute()

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('mode', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'text')
    .execute()
  await db.schema.createIndex('webhook_endpoints_account_idx').on('webhook_endpoints').columns(['account_id', 'purpose']).execute()

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('ordering_key', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('available_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (available_at) where status in ('pending', 'sending')`.execute(db)
  await db.schema.createIndex('webhook_deliveries_order_idx').on('webhook_deliveries').columns(['endpoint_id', 'ordering_key', 'created_at']).execute()

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('expire_at', 'bigint')
    .execute()

  await db.schema.alterTable('outbox').addColumn('recipient', 'text').execute()
  await (postgres
    ? sql`update outbox set recipient = (message::json ->> 'to')`
    : sql`update outbox set recipient = json_extract(message, '$.to')`
  ).execute(db)
  await db.schema.createIndex('outbox_recipient_idx').on('outbox').columns(['account_id', 'recipient', 'created_at']).execute()

  await db.schema.alterTable('calls').addColumn('invite_refusal', 'text').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('calls').dropColumn('invite_refusal').execute()
  await db.schema.dropIndex('outbox_recipient_idx').execute()
  await db.schema.alterTable('outbox').dropColumn('recipient').execute()
  await db.schema.dropTable('rate_limits').execute()
  await db.schema.dropTable('webhook_deliveries').execute()
  await db.schema.dropTable('webhook_endpoints').execute()
  await db.schema.dropTable('live_events').execute()
  await db.schema.dropTable('conversation_settings').execute()
  await db.schema.dropTable('conversation_steps').execute()
  await db.schema.dropTable('conversation_messages').execute()
  await db.schema.dropTable('conversations').execute()
  await db.schema.dropIndex('users_agents_idx').execute()
  for (const column of ['updated_at', 'welcomed_at', 'disabled_at', 'session_version', 'last_assigned_at', 'load', 'status', 'max_conversations']) {
    await db.schema.alterTable('users').dropColumn(column).execute()
  }
}
