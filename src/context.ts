import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Config } from './config.ts'
import type { AppJwtIssuer } from './auth/app-jwt.ts'
import type { NonceStore } from './auth/nonce-store.ts'
import type { LineTypeLookup } from './calls/device-check.ts'
import type { AdapterRegistry } from './channels/adapter-registry.ts'
import type { Dispatcher } from './delivery/dispatcher.ts'
import type { RateLimit } from './http/rate-limit.ts'
import type { Clock } from './lib/clock.ts'
import type { LiveHub } from './live/live-hub.ts'
import type { IdGenerator } from './lib/ids.ts'
import type { SecretBox } from './lib/secret-box.ts'
import type { Db } from './store/database.ts'
import type { WebhookDispatcher } from './webhooks/webhook.dispatcher.ts'

/**
 * What every feature works with, built once per process by the composition root (`app.ts`).
 * Features import this type, never the app: a function that needs less declares the slice it
 * uses with `Pick<AppContext, …>` (see `StoreContext`), so it can be called without a server.
 */
export interface AppContext {
  config: Config
  logger: Logger
  /** The store: SQLite or PostgreSQL behind one Kysely interface. */
  db: Db
  clock: Clock
  ids: IdGenerator
  /** The master key: seals provider secrets and API key secrets at rest. */
  secrets: SecretBox
  /** Shared Redis when `REDIS_URL` is set. */
  redis: Redis | undefined
  nonces: NonceStore
  jwt: AppJwtIssuer
  rateLimit: RateLimit
  /** The adapter that delivers a brand's messages on each channel. */
  adapters: AdapterRegistry
  /** Carrier line-type lookups for the device check. */
  lineTypes: LineTypeLookup
  dispatcher: Dispatcher
  /** Delivers the brands' outbound webhooks (the desk connector); kicked after a transaction queues events. */
  webhooks: WebhookDispatcher
  /** Live updates: `notify` after a commit that appended live events; streams `subscribe`. */
  live: LiveHub
}

/** What store-only work needs (CLI commands, the demo seed, provisioning): no server, no providers. */
export type StoreContext = Pick<AppContext, 'db' | 'clock' | 'ids' | 'secrets'>
