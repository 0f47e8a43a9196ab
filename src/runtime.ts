import { Redis } from 'ioredis'
import type { Config } from './config.ts'
import { type Clock, systemClock } from './lib/clock.ts'
import { type IdGenerator, randomIds } from './lib/ids.ts'
import { SecretBox, loadOrCreateKeyFile } from './lib/secret-box.ts'
import { type Db, openDatabase, withoutQueryTimeout } from './store/database.ts'
import { migrateToLatest } from './store/migrate.ts'
import { FallbackNonceStore, MemoryNonceStore, type NonceStore, RedisNonceStore } from './auth/nonce-store.ts'
import type { AppContext } from './context.ts'
import { createLogger } from './http/logging.ts'

/** The process's open resources — the part of the context that needs no HTTP server — and how to release them. */
export type Runtime = Pick<AppContext, 'config' | 'logger' | 'db' | 'clock' | 'ids' | 'secrets' | 'nonces' | 'redis'> & {
  close(): Promise<void>
}

export interface RuntimeOverrides {
  clock?: Clock
  ids?: IdGenerator
  /** PostgreSQL schema for tests that isolate themselves. */
  schema?: string
}

/**
 * Opens the store (migrating it to the latest schema), the master key and, when configured,
 * Redis. The server and every CLI command start here, so they always read the same configuration.
 */
export async function openRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const logger = createLogger(config.logLevel)
  const secrets = new SecretBox(config.secretKey ?? loadOrCreateKeyFile(config.dataDir))
  const storeOptions = { schema: overrides.schema, logger, queryTimeoutMs: config.databaseQueryTimeoutMs }
  const db = openDatabase(config.database, storeOptions)
  let redis: Redis | undefined
  try {
    await withoutQueryTimeout(db, config.database, storeOptions, migrateToLatest)
    if (config.redisUrl) {
      // No offline queue: while Redis is away, commands fail at once and callers fall back to
      // memory, instead of holding a caller on the phone until Redis returns.
      redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false })
      redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'))
      await redis.connect()
    }
  } catch (error) {
    redis?.disconnect()
    await db.destroy()
    throw error
  }
  const clock = overrides.clock ?? systemClock
  const memoryNonces = new MemoryNonceStore(() => clock.now().getTime())
  return {
    config,
    logger,
    db,
    clock,
    ids: overrides.ids ?? randomIds,
    secrets,
    redis,
    nonces: redis
      ? new FallbackNonceStore(new RedisNonceStore(redis), memoryNonces, (error) => logger.warn({ err: error }, 'redis unavailable: OAuth nonces checked per instance'))
      : memoryNonces,
    async close() {
      if (redis) await redis.quit().catch(() => redis?.disconnect())
      await db.destroy()
    },
  }
}
