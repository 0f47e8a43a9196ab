import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { CompiledQuery, type DatabaseConnection, type DialectAdapter, type Driver, Kysely, PostgresAdapter, PostgresDialect, type PostgresPool, type PostgresPoolClient, SqliteAdapter, SqliteDialect, type SqliteDialectConfig, SqliteDriver, sql, type SqliteDatabase, type Transaction } from 'kysely'
import pg from 'pg'
import type { Logger } from 'pino'
import type { DatabaseConfig } from '../config.ts'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>
/** Repositories take either the database or an open transaction as their first argument. */
export type DbOrTrx = Kysely<Database> | Transaction<Database>

export interface OpenOptions {
  /** PostgreSQL schema to use instead of `public` (tests give each run its own). */
  schema?: string
  /** Where PostgreSQL pool errors are reported; the process's standard error when absent. */
  logger?: Pick<Logger, 'warn'>
  /**
   * Longest wait for PostgreSQL's answer to a query, in ms; none when 0 or absent. A server that
   * keeps the connection open but stops answering would otherwise hold every request on it.
   */
  queryTimeoutMs?: number
}

/**
 * The one place the dialect is branched on. Everything above this works through Kysely
 * and stores only text and integers, so the same queries serve SQLite and PostgreSQL.
 */
export function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Db {
  if (config.dialect === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize ?? 10,
      // A store that cannot be reached (or a pool with no free client) answers 503 within a second, never holds the caller.
      connectionTimeoutMillis: 1_000,
      // pg then fails the query with "Query read timeout", which is store unavailability (503 5003).
      ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
      // An idle connection to a server that has gone (a partition, a host that vanished) is found
      // out by TCP probes after 10 s of silence (Node probes every second, ten times), not at the
      // next query's timeout; without a delay, the system's default (two hours) would apply.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    })
    // An idle client losing its connection (the server restarted, an administrator ended it) must
    // not take the process down, which an unheard 'error' event would: the pool drops the client
    // and opens another when next needed. It is logged, since a run of them means the store is away.
    pool.on('error', (error) => {
      if (options.logger) options.logger.warn({ err: error }, 'postgres pool: an idle connection failed')
      else process.stderr.write(`postgres pool: an idle connection failed: ${error.message}\n`)
    })
    // Nor may one losing it while checked out: pg reports that as an event besides failing the query, and Kysely does not listen.
    pool.on('connect', (client) => client.on('error', () => {}))
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool: discardingUnanswered(pool) }) })
  }
  if (config.file !== ':memory:') fs.mkdirSync(path.dirname(config.file), { recursive: true })
  const sqlite = new SQLite(config.file)
  sqlite.pragma('journal_mode = WAL')
  // better-sqlite3 builds SQLite to run WAL at NORMAL, which survives a process crash but can lose
  // the last commits to a power loss: an invitation already answered 200 would be gone. FULL syncs
  // the WAL on every commit (the group commit makes that one sync per group of calls).
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  // Concurrent CLI commands and the server share the file; wait for a lock instead of failing.
  sqlite.pragma('busy_timeout = 5000')
  return new Kysely<Database>({ dialect: new TransactionalSqliteDialect({ database: withStatementCache(sqlite) }) })
}

/**
 * The pool as Kysely takes it, except that a connection whose query went unanswered (pg's
 * `query_timeout`) is destroyed when released instead of going back to the pool: that query is
 * still pending on it, and every later query on the connection would queue behind it.
 */
function discardingUnanswered(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect()
      let unanswered = false
      return {
        // Kysely sends SQL text with parameters only (no cursors: nothing here streams).
        query: ((text: string, parameters: unknown[]) =>
          client.query(text, parameters).catch((error: unknown) => {
            if (error instanceof Error && error.message === 'Query read timeout') unanswered = true
            throw error
          })) as unknown as PostgresPoolClient['query'],
        release: () => client.release(unanswered ? new Error('a query went unanswered on this connection') : undefined),
      }
    },
    end: () => pool.end(),
  }
}

/**
 * SQLite runs DDL inside transactions, but Kysely's adapter says it does not, so its migrator
 * would run each migration statement by statement: a crash halfway through a table rebuild left
 * the store half-migrated, and every later start failed on a table that already existed. Saying
 * so makes the migrator run the pending migrations and their kysely_migration rows in one
 * transaction, as on PostgreSQL. Its SQLite migration lock stays a no-op: within the process the
 * one connection is held throughout; a second process migrating the same file at the same moment
 * fails on SQLite's write lock (SQLITE_BUSY) and leaves nothing behind, where it used to collide
 * halfway.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

/**
 * Every transaction takes SQLite's write lock up front (`begin immediate`). A deferred transaction
 * that reads before it writes (an agent's capacity, then the assignment) could otherwise meet a
 * second process's writer at its first write and fail with SQLITE_BUSY, which the busy timeout
 * cannot wait out; taken up front, the lock is waited for like any other.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class TransactionalSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter()
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

/**
 * Kysely prepares every query it runs, and better-sqlite3 compiles a statement on every prepare:
 * about a fifth of an eligibility request's CPU (bench/run.ts). Statements are kept by their SQL
 * text instead; Kysely passes values as parameters, so the texts are few, and the oldest are dropped
 * past `max`. SQLite re-prepares a kept statement itself when the schema changes. A statement still
 * iterating a stream is busy and is not handed out twice.
 */
function withStatementCache(sqlite: SQLite.Database, max = 500): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(text) {
      const kept = statements.get(text)
      if (kept && !kept.busy) return kept
      const statement = sqlite.prepare(text)
      if (!kept && statements.size >= max) statements.delete(statements.keys().next().value as string)
      statements.set(text, statement)
      return statement
    },
  }
}

export function isPostgres(db: DbOrTrx): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

/** The PostgreSQL schema unqualified names resolve to (first of the search_path); undefined on SQLite. */
export async function currentSchema(db: Db): Promise<string | undefined> {
  if (!isPostgres(db)) return undefined
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema ?? undefined
}

/**
 * Runs `work` (migrations) over the store `db` serves, without `db`'s query timeout: rebuilding a
 * large table may take longer than any query serving a request may. On PostgreSQL that is a
 * connection of its own, closed after; SQLite has no query timeout, and `db` may be the only
 * handle on its store (`:memory:`).
 */
export async function withoutQueryTimeout<T>(db: Db, config: DatabaseConfig, options: OpenOptions, work: (db: Db) => Promise<T>): Promise<T> {
  if (config.dialect !== 'postgres' || !options.queryTimeoutMs) return work(db)
  const own = openDatabase({ ...config, poolSize: 1 }, { ...options, queryTimeoutMs: undefined })
  try {
    return await work(own)
  } finally {
    await own.destroy()
  }
}

/**
 * True when the store answers a trivial query within `deadlineMs`; used by the readiness probe,
 * which must answer in bounded time whatever the pool's query timeout (or its absence).
 */
export async function isReachable(db: Db, deadlineMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), deadlineMs)
  })
  // The query may still fail after the deadline has answered: it is awaited (and caught) here either way.
  const answered = db.selectNoFrom((eb) => eb.lit(1).as('one')).execute().then(() => true, () => false)
  try {
    return await Promise.race([answered, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** Runs `work` in the caller's transaction, or in a new one when the caller has none. */
export async function inTransaction<T>(db: DbOrTrx, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work)
}

/**
 * Holds the lock named `key` until the transaction ends, so transactions about the same thing
 * run one after the other. PostgreSQL takes a transaction-level advisory lock (a collision of
 * two keys' hashes only makes them wait for each other); SQLite runs one transaction at a time.
 */
export async function lockKey(trx: Transaction<Database>, key: string): Promise<void> {
  if (!isPostgres(trx)) return
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx)
}

/**
 * Takes the lock named `key` for the transaction if nobody holds it, without waiting: false when
 * another transaction has it. SQLite runs one transaction at a time, so it is always free there.
 */
export async function tryLockKey(trx: Transaction<Database>, key: string): Promise<boolean> {
  if (!isPostgres(trx)) return true
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtextextended(${key}, 0)) as locked`.execute(trx)
  return rows[0]?.locked === true
}

/** A unique-constraint violation, recognised on both dialects. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}
