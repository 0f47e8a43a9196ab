import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { dialects } from '../helper.ts'
import { openDatabase } from '../../src/store/database.ts'

// A query PostgreSQL leaves unanswered past the query timeout is still pending on its connection:
// the connection must not go back to the pool, or the next query on it waits behind the first.
// PostgreSQL only (SQLite has no query timeout): run when TEST_DATABASE_URL is set, like every PostgreSQL suite.
for (const postgres of dialects.filter((d) => d.name === 'postgres')) {
  test('a connection whose query timed out is not reused: the next query gets a fresh one (postgres)', async () => {
    const store = await postgres.create()
    // One connection at most, so the next query could only run on the same one if it were returned.
    const database = store.database.dialect === 'postgres' ? { ...store.database, poolSize: 1 } : store.database
    const db = openDatabase(database, { schema: store.schema, queryTimeoutMs: 300 })
    try {
      await assert.rejects(sql`select pg_sleep(2)`.execute(db), /Query read timeout/)
      const { rows } = await sql<{ answer: number }>`select 1 as answer`.execute(db)
      assert.deepEqual(rows, [{ answer: 1 }])
    } finally {
      await db.destroy()
      await store.drop()
    }
  })
}
