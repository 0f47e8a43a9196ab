import type { Generated } from 'kysely'

/**
 * Every table of the store. Columns hold only text and integers (JSON as text, booleans as
 * 0/1, times as ISO-8601 UTC strings) so one set of queries runs on SQLite and PostgreSQL.
 */
export interface Database {
  accounts: AccountTable
  users: UserTable
  api_keys: ApiKeyTable
  brand_settings: BrandSettingsTable
  skills: SkillTable
  phone_numbers: PhoneNumberTable
  apps: AppTable
  handoffs: HandoffTable
  calls: CallTable
  outbox: OutboxTable
  outbox_fallbacks: OutboxFallbackTable
  sandbox_messages: SandboxMessageTable
  devices: DeviceTable
  opt_outs: OptOutTable
  channel_connections: ChannelConnectionTable
  deliveries: DeliveryTable
  delivery_status_events: DeliveryStatusEventTable
  inbound_messages: InboundMessageTable
  opt_out_events: OptOutEventTable
  line_types: LineTypeTable
  wa_templates: WaTemplateTable
  channel_modes: ChannelModeTable
  conversations: ConversationTable
  conversation_messages: ConversationMessageTable
  conversation_steps: ConversationStepTable
  conversation_settings: ConversationSettingsTable
  live_events: LiveEventTable
  webhook_endpoints: WebhookEndpointTable
  webhook_deliveries: WebhookDeliveryTable
  rate_limits: RateLimitTable
}

export interface AccountTable {
  id: string
  name: string
  zone: string
  created_at: string
}

export interface UserTable {
  id: string
  account_id: string
  login: string
  role: string
  /** JSON array of skill names. */
  skills: string
  /** scrypt hash; null for the system user, which never logs in. */
  password_hash: string | null
  created_at: string
  /** Most conversations (ringing or open) an agent holds at once. */
  max_conversations: Generated<number>
  /** `online`, `away` or `offline`: only online agents are offered conversations. */
  status: Generated<string>
  /** Conversations ringing or open with this agent now; changed only by conditional updates. */
  load: Generated<number>
  /** When the agent was last offered a conversation: the longest idle is offered first. */
  last_assigned_at: string | null
  /** Part of every session cookie: raising it ends all of the user's sessions at once. */
  session_version: Generated<number>
  disabled_at: string | null
  /** When the user saw the welcome page (once). */
  welcomed_at: string | null
  updated_at: string | null
}

export interface ApiKeyTable {
  id: string
  account_id: string
  app_key: string
  /** AES-256-GCM sealed. */
  secret: string
  access_token: string
  /** AES-256-GCM sealed. */
  access_token_secret: string
  app_name: string
  developer: string
  /** JSON array of privileges. */
  privileges: string
  created_at: string
  revoked_at: string | null
}

export interface BrandSettingsTable {
  account_id: string
  /** JSON array of {name, enabled}, in priority order. */
  channels: string
  device_check: number
  /** JSON {skills, defaultSkill}. */
  routing: string
  updated_at: string
}

export interface SkillTable {
  account_id: string
  name: string
  created_at: string
}

export interface PhoneNumberTable {
  account_id: string
  number: string
  channel: string
  created_at: string
}

export interface AppTable {
  account_id: string
  app_id: string
  platform: string
  name: string
  created_at: string
}

export interface HandoffTable {
  id: string
  account_id: string
  title: string
  /** Lower-cased title: uniqueness within a brand is case-insensitive. */
  title_key: string
  lookback_minutes: number
  /** JSON array of channel names in priority order. */
  channels: string
  /** JSON array of skill names allowed with this handoff (empty = all). */
  skills: string
  sms: string | null
  wa: string | null
  inapp: string | null
  created_at: string
  updated_at: string
}

/** One eligibility check: its inputs, the handoff as it was, what was available and why not. */
export interface CallTable {
  id: string
  account_id: string
  handoff_id: string
  skill: string
  consumer_phone: string
  consumer_id: string | null
  ivr_number: string | null
  /** JSON array of SDEs as given. */
  sdes: string | null
  /** JSON object. */
  template_variables: string
  /** JSON snapshot of the handoff at eligibility time: invite sends what was checked. */
  handoff: string
  /** JSON array of channels in priority order. */
  available_channels: string
  /** JSON object: channel → "available" or the reason it is not. */
  channel_checks: string
  eligible: number
  created_at: string
  expires_at: string
  invited_at: string | null
  invite_channel: string | null
  invite_skill: string | null
  invite_override_message: string | null
  /** JSON DeviceCheck: the line type, where it came from, and why a lookup fell back. */
  device_check: string | null
  /** Why the invitation was refused (the active-conversation rule), when it was. */
  invite_refusal: string | null
}

/** The transactional outbox: a message to deliver, written with the invite that caused it. */
export interface OutboxTable {
  id: string
  account_id: string
  /** `invitation` (one per call) or `confirmation` (an answer to a consumer's keyword). */
  kind: string
  /** The call an invitation belongs to; null for messages that answer a consumer. */
  call_id: string | null
  channel: string
  /** JSON OutboundMessage. */
  message: string
  /** pending → sending → sent | failed */
  status: string
  attempts: number
  available_at: string
  /** While `sending`: after this instant another dispatcher may claim the row again. */
  lease_until: string | null
  provider_message_id: string | null
  last_error: string | null
  created_at: string
  updated_at: string
  /** The message's `to`: a consumer's number or consumerId. */
  recipient: string | null
}

/** A message moved to the next channel after a permanent failure: which channel it left, for which, and why. */
export interface OutboxFallbackTable {
  outbox_id: string
  account_id: string
  from_channel: string
  to_channel: string
  /** The failure that caused it, as the outbox's `last_error` held it. */
  reason: string
  /** Sends tried on `from_channel`. */
  attempts: number
  at: string
}

/** The built-in sandbox channel's inbox: what was "sent" and what consumers "replied". */
export interface SandboxMessageTable {
  id: string
  account_id: string
  direction: string
  channel: string
  /** Phone number or consumerId: whose conversation this is. */
  consumer: string
  from: string
  to: string
  text: string
  status: string
  call_id: string | null
  app_id: string | null
  created_at: string
}

export interface DeviceTable {
  account_id: string
  consumer_id: string
  app_id: string
  platform: string
  push_token: string
  created_at: string
  updated_at: string
}

export interface OptOutTable {
  account_id: string
  consumer_phone: string
  channel: string
  from_number: string
  opted_out_at: string
}

/** A brand's connection to a provider (twilio, whatsapp, fcm); the whole config is sealed. */
export interface ChannelConnectionTable {
  account_id: string
  provider: string
  config: string
  created_at: string
  updated_at: string
}

/** One message handed to a provider, tracked by the provider's id through its status callbacks. */
export interface DeliveryTable {
  id: string
  outbox_id: string
  account_id: string
  call_id: string | null
  channel: string
  provider: string
  provider_message_id: string | null
  status: string
  error_code: string | null
  error_message: string | null
  created_at: string
  updated_at: string
}

/**
 * Status events received, once per (brand, message, status): a repeat is recognised and ignored.
 * `provider` is `app` for the brand's app's in-app receipts, whose `provider_message_id` is our
 * message id. `pending` is 1 while no delivery has the message id (the callback beat our record
 * of the send); recording the send applies the furthest-forward pending status and clears it.
 */
export interface DeliveryStatusEventTable {
  account_id: string
  provider: string
  provider_message_id: string
  status: string
  error_code: string | null
  error_message: string | null
  received_at: string
  pending: number
}

/** Consumer messages received from providers, once each, for the conversations to route. */
export interface InboundMessageTable {
  id: string
  account_id: string
  channel: string
  provider: string
  provider_message_id: string
  from: string
  to: string
  text: string
  received_at: string
}

/** Every opt-out and opt-in, with its time and the keyword that caused it. */
export interface OptOutEventTable {
  id: string
  account_id: string
  consumer_phone: string
  channel: string
  from_number: string
  action: string
  keyword: string
  at: string
}

/** Line types from the provider's lookup, shared by every brand (a number's type is a fact about the number). */
export interface LineTypeTable {
  phone: string
  line_type: string
  checked_at: string
}

/** A WhatsApp message template of a brand; `name` is unique within the brand. */
export interface WaTemplateTable {
  account_id: string
  name: string
  category: string
  language: string
  waba_id: string
  phone_number: string
  body: string
  /** JSON array of sample values, one per placeholder. */
  examples: string | null
  status: string
  meta_template_id: string | null
  rejected_reason: string | null
  submitted_at: string | null
  created_at: string
  updated_at: string
}

/** Whether a brand's channel delivers for real (`live`) or into the simulator (`sandbox`); no row is sandbox. */
export interface ChannelModeTable {
  account_id: string
  channel: string
  mode: string
  updated_at: string
}

/**
 * A consumer's conversation with the brand on one channel. `queued` waits in its skill's queue;
 * `ringing` is offered to `agent_id` until `ring_expires_at`; `open` is held by `agent_id` (or by
 * the brand's own desk when `agent_id` is null); `closed` is over.
 */
export interface ConversationTable {
  id: string
  account_id: string
  channel: string
  /** The consumer: an E.164 number (sms, wa) or the consumerId (inapp). */
  consumer: string
  /** What the consumer writes to: the brand's number (sms, wa) or app id (inapp); replies leave from it. */
  brand_address: string
  /** `live` or `sandbox`: the way the consumer's messages come in, which replies go back by. */
  via: string
  state: string
  skill: string
  /** `ivr-deflection` or `inbound`. */
  source: string
  call_id: string | null
  handoff_id: string | null
  /** JSON array of the call's SDEs. */
  sdes: string | null
  agent_id: string | null
  ring_expires_at: string | null
  /** JSON array of the agents whose ring ran out: offered again only when nobody else can take it. */
  passed_over: Generated<string>
  /** When it joined its current queue: the oldest is offered first. */
  queued_at: string
  accepted_at: string | null
  closed_at: string | null
  /** `agent:<id>`, `key:<id>`, … */
  closed_by: string | null
  /** The WhatsApp 24-hour window starts here. */
  last_consumer_message_at: string | null
  created_at: string
  updated_at: string
}

/** One entry of a conversation's transcript, in order (`seq`). */
export interface ConversationMessageTable {
  id: string
  conversation_id: string
  account_id: string
  seq: number
  /** `consumer`, `agent` or `invitation` (the deflection's first outbound message). */
  author: string
  agent_id: string | null
  text: string
  inbound_id: string | null
  outbox_id: string | null
  created_at: string
}

/** What the reporting funnel counts, written with the change itself. */
export interface ConversationStepTable {
  id: string
  account_id: string
  conversation_id: string
  call_id: string | null
  /** `created`, `rung`, `accepted`, `transferred`, `closed`. */
  step: string
  skill: string
  source: string | null
  agent_id: string | null
  /** For `accepted`: from queueing to acceptance. */
  wait_ms: number | null
  /** Who caused it: `agent:<id>`, `key:<id>`, `system`. */
  by: string | null
  /** JSON: anything else the step carries (the skill transferred from, …). */
  detail: string | null
  at: string
}

/** A brand's conversation routing settings; no row means the defaults. */
export interface ConversationSettingsTable {
  account_id: string
  ring_timeout_seconds: number
  auto_accept: number
  /** JSON array of the origins that may frame the CX widget page. */
  cx_widget_frame_ancestors: Generated<string>
  updated_at: string
}

/** What the live streams carry, kept so a reconnect replays what it missed (`seq` is the SSE event id). */
export interface LiveEventTable {
  seq: Generated<number>
  account_id: string
  /** For one user only; null: for every agent of `skill` (or everyone, when `skill` is null too). Managers see all. */
  user_id: string | null
  skill: string | null
  type: string
  /** JSON. */
  data: string
  at: string
}

/** Where a brand's events are POSTed (the desk connector; reporting subscribers), signed per Standard Webhooks. */
export interface WebhookEndpointTable {
  id: string
  account_id: string
  /** `desk` (or, later, `reporting`). */
  purpose: string
  url: string
  /** The `whsec_` signing secret, sealed. */
  secret: string
  /** JSON array of event types. */
  events: string
  /** For the desk: `instead` of the built-in agents, or `alongside` them. */
  mode: string | null
  created_at: string
  updated_at: string
  disabled_at: string | null
}

/** One event to POST to one endpoint; at least once, in order per `ordering_key`, like the outbox. */
export interface WebhookDeliveryTable {
  /** The `webhook-id`: the same on every retry. */
  id: string
  endpoint_id: string
  account_id: string
  ordering_key: string
  type: string
  /** JSON body. */
  payload: string
  /** pending → sending → sent | failed */
  status: string
  attempts: number
  available_at: string
  lease_until: string | null
  last_error: string | null
  created_at: string
  updated_at: string
}

/** rate-limiter-flexible's counters kept in the store (failed logins), so every instance agrees without Redis. */
export interface RateLimitTable {
  key: string
  points: number
  /** Milliseconds since the epoch; null: never expires. */
  expire_at: number | null
}
