import { Migrator, type Migration, type MigrationResultSet, type NoMigrations } from 'kysely'
import { type Db, currentSchema } from './database.ts'
import * as foundation from './migrations/0001-foundation.ts'
import * as callsAndDelivery from './migrations/0002-calls-and-delivery.ts'
import * as providerChannels from './migrations/0003-provider-channels.ts'
import * as whatsAppTemplates from './migrations/0004-whatsapp-templates.ts'
import * as pendingStatusEvents from './migrations/0005-pending-status-events.ts'
import * as lookupIndexes from './migrations/0006-lookup-indexes.ts'
import * as callView from './migrations/0007-call-view.ts'
import * as channelModesAndReplies from './migrations/0008-channel-modes-and-replies.ts'
import * as conversations from './migrations/0009-conversations.ts'

/** The one migration set, in order. Names never change once released. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-foundation': foundation,
  '0002-calls-and-delivery': callsAndDelivery,
  '0003-provider-channels': providerChannels,
  '0004-whatsapp-templates': whatsAppTemplates,
  '0005-pending-status-events': pendingStatusEvents,
  '0006-lookup-indexes': lookupIndexes,
  '0007-call-view': callView,
  '0008-channel-modes-and-replies': channelModesAndReplies,
  '0009-conversations': conversations,
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/** Brings the store to the latest schema; safe to run on every start and from several processes. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  return migrate(db, (migrator) => migrator.migrateToLatest())
}

/**
 * Brings the store up or down to the named migration, or down to none (`NO_MIGRATIONS`); answers the
 * migrations run, in order. Tests of an upgrade start from an older schema this way.
 */
export async function migrateTo(db: Db, target: string | NoMigrations): Promise<string[]> {
  return migrate(db, (migrator) => migrator.migrateTo(target))
}

async function migrate(db: Db, step: (migrator: Migrator) => Promise<MigrationResultSet>): Promise<string[]> {
  // Kysely looks for its own migration tables in every schema of the database: pinned to ours, another
  // schema's tables (another app, a parallel test run) cannot make it skip creating them here.
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) }, migrationTableSchema: await currentSchema(db) })
  let outcome = await step(migrator)
  for (let retry = 0; retry < 5 && isCatalogueRace(outcome); retry++) outcome = await step(migrator)
  const { error, results } = outcome
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new MigrationError(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`)
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** The migrations of this version the store has not run, in order; only reads, so an absent store stays absent. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) }, migrationTableSchema: await currentSchema(db) })
  for (let retry = 0; ; retry++) {
    try {
      return (await migrator.getMigrations()).filter((migration) => migration.executedAt === undefined).map((migration) => migration.name)
    } catch (error) {
      // The same catalogue read as a migration's, with the same race (below).
      if (retry >= 5 || !isCatalogueRaceError(error)) throw error
    }
  }
}

/**
 * Before running anything, Kysely's migrator introspects the catalogue of every schema of a
 * PostgreSQL database; a schema or table dropped meanwhile by someone else (another app, a parallel
 * test run) fails that step although ours is fine: 3F000 (invalid_schema_name) from its schema
 * privilege check, 42P01 (undefined_table) or 42703 (undefined_column: a column dropped meanwhile,
as a parallel test's migration down does) from its look-up of a table's sequences. Such a failure
 * has no results (no migration ran; they run in one transaction), so trying again is safe. Any
 * other failure (the store unreachable, a migration history this code does not know) is not a race
 * and would fail again the same way.
 */
function isCatalogueRace({ error, results }: MigrationResultSet): boolean {
  return error !== undefined && results === undefined && isCatalogueRaceError(error)
}

function isCatalogueRaceError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '3F000' || code === '42P01' || code === '42703'
}
