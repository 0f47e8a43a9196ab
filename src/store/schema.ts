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
