import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { TEST_SECRET_KEY, dialects, type TestDialect } from '../helper.ts'
import { loadConfig } from '../../src/config.ts'
import { openRuntime } from '../../src/runtime.ts'
import { type Db, openDatabase } from '../../src/store/database.ts'
import { migrateTo, migrateToLatest, pendingMigrations } from '../../src/store/migrate.ts'

const AT = '2026-11-21T12:00:00.000Z'

async function withStore(dialect: TestDialect, work: (db: Db) => Promise<void>): Promise<void> {
  const store = await dialect.create()
  const db = openDatabase(store.database, { schema: store.schema })
  try {
    await work(db)
  } finally {
    await db.destroy()
    await store.drop()
  }
}

/** The tables of this store only (its own schema on PostgreSQL). */
async function tableNames(db: Db, dialect: TestDialect): Promise<string[]> {
  const query = dialect.name === 'sqlite'
    ? sql<{ name: string }>`select name from sqlite_master where type = 'table'`
    : sql<{ name: string }>`select tablename as name from pg_catalog.pg_tables where schemaname = current_schema()`
  return (await query.execute(db)).rows.map((row) => row.name)
}

async function columnNames(db: Db, dialect: TestDialect, table: string): Promise<string[]> {
  const query = dialect.name === 'sqlite'
    ? sql<{ name: string }>`select name from pragma_table_info(${table})`
    : sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table}`
  return (await query.execute(db)).rows.map((row) => row.name)
}

async function migrationNames(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)
  return rows.map((row) => row.name)
}

for (const dialect of dialects) {
  describe(`migrations (${dialect.name})`, () => {
    test('a migration that fails halfway leaves nothing of itself behind, and runs once the cause is gone', async () => {
      await withStore(dialect, async (db) => {
        await migrateTo(db, '0007-call-view')
        // 0008 creates channel_modes and rebuilds the outbox before it creates deliveries_0008:
        // a table already under that name fails it in the middle, as a crash there would stop it.
        await sql`create table deliveries_0008 (x text)`.execute(db)

        await assert.rejects(migrateTo(db, '0008-channel-modes-and-replies'), { name: 'MigrationError', message: /0008-channel-modes-and-replies/ })
        const tables = await tableNames(db, dialect)
        assert.equal(tables.includes('channel_modes'), false, 'channel_modes was rolled back')
        assert.equal(tables.includes('outbox_0008'), false, 'the outbox rebuild was rolled back')
        assert.ok(tables.includes('outbox'), 'the 0007 outbox is still there')
        assert.equal((await columnNames(db, dialect, 'outbox')).includes('kind'), false, 'the outbox has its 0007 shape')
        assert.equal((await migrationNames(db)).includes('0008-channel-modes-and-replies'), false)

        await sql`drop table deliveries_0008`.execute(db)
        assert.deepEqual(await migrateTo(db, '0008-channel-modes-and-replies'), ['0008-channel-modes-and-replies'])
        assert.ok((await columnNames(db, dialect, 'outbox')).includes('kind'))
      })
    })

    test('an outbox row written without a kind, as code from before 0008 writes it, is an invitation', async () => {
      await withStore(dialect, async (db) => {
        await migrateToLatest(db)
        await sql`insert into accounts (id, name, zone, created_at) values ('1', 'Acme', 'z1', ${AT})`.execute(db)
        await sql`
          insert into outbox (id, account_id, call_id, channel, message, status, attempts, available_at, created_at, updated_at)
          values ('o1', '1', 'c1', 'sms', 'Hi', 'pending', 0, ${AT}, ${AT}, ${AT})
        `.execute(db)
        const { rows } = await sql<{ kind: string }>`select kind from outbox where id = 'o1'`.execute(db)
        assert.deepEqual(rows, [{ kind: 'invitation' }])
        // Still required: a row cannot say it is nothing.
        await assert.rejects(sql`
          insert into outbox (id, account_id, kind, call_id, channel, message, status, attempts, available_at, created_at, updated_at)
          values ('o2', '1', null, 'c2', 'sms', 'Hi', 'pending', 0, ${AT}, ${AT}, ${AT})
        `.execute(db))
      })
    })

    test('migrations at start are not bound by the query timeout that serves requests', async () => {
      const store = await dialect.create()
      try {
        // A timeout shorter than any statement: had the migrations run under it, the start would fail.
        const config = { ...loadConfig({ C2M_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent', DATABASE_QUERY_TIMEOUT_MS: '1' }), database: store.database }
        const runtime = await openRuntime(config, { schema: store.schema })
        await runtime.close()
        const db = openDatabase(store.database, { schema: store.schema })
        try {
          assert.deepEqual(await pendingMigrations(db), [])
        } finally {
          await db.destroy()
        }
      } finally {
        await store.drop()
      }
    })
  })
}
