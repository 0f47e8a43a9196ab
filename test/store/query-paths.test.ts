import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { dialects } from '../helper.ts'
import { type Db, type DbOrTrx, isUniqueViolation, openDatabase } from '../../src/store/database.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { groupCommitted } from '../../src/store/group-commit.ts'
import { preparedQuery } from '../../src/store/prepared-query.ts'

const AT = '2026-11-21T12:00:00.000Z'

for (const dialect of dialects) {
  describe(`hot-path query helpers on ${dialect.name}`, () => {
    let db: Db
    let schema: string | undefined
    let drop: () => Promise<void>
    before(async () => {
      const store = await dialect.create()
      db = openDatabase(store.database, { schema: store.schema })
      schema = store.schema
      drop = store.drop
      await migrateToLatest(db)
    })
    after(async () => {
      await db.destroy()
      await drop()
    })

    const selectAccount = preparedQuery((db, v: { id: string; zone: string }) => db.selectFrom('accounts').select(['id', 'name']).where('id', '=', v.id).where('zone', '=', v.zone))
    const insertAccount = async (db: DbOrTrx, account: { id: string; name: string }) => {
      await db.insertInto('accounts').values({ id: account.id, name: account.name, zone: 'z1', created_at: AT }).execute()
    }

    test('a prepared query runs with each call\'s values, in and out of a transaction', async () => {
      await insertAccount(db, { id: 'p1', name: 'One' })
      await insertAccount(db, { id: 'p2', name: 'Two' })
      assert.deepEqual((await selectAccount(db, { id: 'p1', zone: 'z1' })).rows, [{ id: 'p1', name: 'One' }])
      assert.deepEqual((await selectAccount(db, { id: 'p2', zone: 'z1' })).rows, [{ id: 'p2', name: 'Two' }])
      assert.deepEqual((await selectAccount(db, { id: 'p2', zone: 'z9' })).rows, [])
      const inTrx = await db.transaction().execute((trx) => selectAccount(trx, { id: 'p1', zone: 'z1' }))
      assert.deepEqual(inTrx.rows, [{ id: 'p1', name: 'One' }])
    })

    test('a prepared query refuses a value that does not become a parameter', async () => {
      const shapeDependsOnValue = preparedQuery((db, v: { id: string }) => db.selectFrom('accounts').select('id').where('id', '=', 'fixed').$if(v.id === 'never', (q) => q))
      // `v.id` was read, but only to decide the shape: it cannot be replaced later.
      await assert.rejects(shapeDependsOnValue(db, { id: 'x' }), /did not become a parameter/)
    })

    test('a prepared query refuses, on its first run, values that chose the query\'s shape', async () => {
      await insertAccount(db, { id: 'p3', name: 'Three' })
      // With placeholders the name is never null, so the clause is in; with a null name it is not.
      const clauseByValue = preparedQuery((db, v: { id: string; name: string | null }) =>
        db.selectFrom('accounts').select('id').where('id', '=', v.id).$if(v.name !== null, (q) => q.where('name', '=', v.name)),
      )
      await assert.rejects(clauseByValue(db, { id: 'p3', name: null }), /chose the query's shape/)
      // Same SQL, but a value picked which constant is bound: the parameters differ.
      const constantByValue = preparedQuery((db, v: { id: string; zone: string }) =>
        db.selectFrom('accounts').select('id').where('id', '=', v.id).where('zone', '=', v.id === 'p3' ? 'z1' : v.zone),
      )
      await assert.rejects(constantByValue(db, { id: 'p3', zone: 'z9' }), /chose the query's shape/)
    })

    test('a prepared query refuses undefined and values other than a string, number, bigint or null', async () => {
      await insertAccount(db, { id: 'p4', name: 'Four' })
      const byName = preparedQuery((db, v: { name: unknown }) => db.selectFrom('accounts').select('id').where('name', '=', v.name as string))
      // Refused on the first run (which compiles) and on later runs alike.
      await assert.rejects(byName(db, { name: undefined }), { name: 'TypeError', message: /"name" is undefined; pass null/ })
      assert.deepEqual((await byName(db, { name: 'Four' })).rows, [{ id: 'p4' }])
      await assert.rejects(byName(db, { name: undefined }), { name: 'TypeError', message: /"name" is undefined; pass null/ })
      await assert.rejects(byName(db, {} as { name: unknown }), /"name" is undefined/)
      const refused: Array<[unknown, RegExp]> = [
        [{ first: 'Four' }, /of type Object/],
        [['Four'], /of type Array/],
        [new Date(0), /of type Date/],
        [true, /of type boolean/],
        [Buffer.from('Four'), /of type Buffer/],
        [Symbol('Four'), /of type symbol/],
      ]
      for (const [value, kind] of refused) {
        await assert.rejects(byName(db, { name: value }), (error: unknown) => {
          assert.ok(error instanceof TypeError)
          assert.match(error.message, kind)
          assert.match(error.message, /only a string, number, bigint or null/)
          return true
        })
      }
      assert.deepEqual((await byName(db, { name: null })).rows, [])
      assert.deepEqual((await db.transaction().execute((trx) => byName(trx, { name: 'Four' }))).rows, [{ id: 'p4' }])
    })

    test('a prepared query honours withSchema: its SQL is kept per executor, transactions included', async () => {
      // Another schema holding another accounts table: an attached database on SQLite.
      const other = schema === undefined ? 'other' : `${schema}_other`
      if (schema === undefined) await sql`attach database ':memory:' as other`.execute(db)
      else await sql`create schema ${sql.id(other)}`.execute(db)
      try {
        await db.schema.withSchema(other).createTable('accounts').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('name', 'text').addColumn('zone', 'text').addColumn('created_at', 'text').execute()
        await insertAccount(db, { id: 'p5', name: 'In ours' })
        await insertAccount(db.withSchema(other), { id: 'p5', name: 'In the other' })
        const rows = async (on: DbOrTrx) => (await selectAccount(on, { id: 'p5', zone: 'z1' })).rows
        assert.deepEqual(await rows(db), [{ id: 'p5', name: 'In ours' }])
        assert.deepEqual(await rows(db.withSchema(other)), [{ id: 'p5', name: 'In the other' }])
        assert.deepEqual(await rows(db), [{ id: 'p5', name: 'In ours' }])
        assert.deepEqual(await db.withSchema(other).transaction().execute(rows), [{ id: 'p5', name: 'In the other' }])
        assert.deepEqual(await db.transaction().execute(rows), [{ id: 'p5', name: 'In ours' }])
      } finally {
        if (schema === undefined) await sql`detach database other`.execute(db)
        else await sql`drop schema ${sql.id(other)} cascade`.execute(db)
      }
    })

    test('writes asked for together are all stored; one that fails fails alone', async () => {
      const seen: boolean[] = []
      const write = groupCommitted(async (db: DbOrTrx, account: { id: string; name: string }) => {
        seen.push(db.isTransaction)
        await insertAccount(db, account)
      })
      await insertAccount(db, { id: 'g-taken', name: 'Taken' })
      const results = await Promise.allSettled([
        write(db, { id: 'g1', name: 'A' }),
        write(db, { id: 'g-taken', name: 'Duplicate' }),
        write(db, { id: 'g2', name: 'B' }),
      ])
      assert.equal(results[0]!.status, 'fulfilled')
      assert.equal(results[2]!.status, 'fulfilled')
      assert.equal(results[1]!.status, 'rejected')
      assert.ok(isUniqueViolation((results[1] as PromiseRejectedResult).reason))
      const stored = await db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', ['g1', 'g2', 'g-taken']).orderBy('id').execute()
      assert.deepEqual(stored, [
        { id: 'g-taken', name: 'Taken' },
        { id: 'g1', name: 'A' },
        { id: 'g2', name: 'B' },
      ])
      // SQLite: first the three in one transaction (rolled back by the duplicate), then each alone,
      // in its own transaction. PostgreSQL: each alone, concurrently, each in its own transaction.
      if (dialect.name === 'sqlite') assert.deepEqual(seen, [true, true, true, true, true])
      else assert.deepEqual(seen, [true, true, true])
    })

    test('a write of two statements is atomic alone, and alone again after its group failed', async () => {
      // The first statement succeeds; the second fails when the account already exists.
      const write = groupCommitted(async (db: DbOrTrx, account: { id: string; name: string }) => {
        await insertAccount(db, { id: `${account.id}-first`, name: account.name })
        await insertAccount(db, account)
      })
      const stored = async (ids: string[]) => (await db.selectFrom('accounts').select('id').where('id', 'in', ids).orderBy('id').execute()).map((a) => a.id)
      await insertAccount(db, { id: 'a-taken', name: 'Taken' })
      // Alone in its turn (SQLite), or any write (PostgreSQL).
      await assert.rejects(write(db, { id: 'a-taken', name: 'Duplicate' }), isUniqueViolation)
      assert.deepEqual(await stored(['a-taken-first']), [], 'the first statement was rolled back')
      // In a group that fails, then each alone.
      const results = await Promise.allSettled([write(db, { id: 'a-ok', name: 'A' }), write(db, { id: 'a-taken', name: 'Duplicate' })])
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected'])
      assert.deepEqual(await stored(['a-ok', 'a-ok-first', 'a-taken-first']), ['a-ok', 'a-ok-first'])
    })

    test('a write already inside a transaction is made in it', async () => {
      const write = groupCommitted(insertAccount)
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await write(trx, { id: 'g-rolled-back', name: 'X' })
          throw new Error('abort')
        }),
        /abort/,
      )
      assert.equal(await db.selectFrom('accounts').select('id').where('id', '=', 'g-rolled-back').executeTakeFirst(), undefined)
    })
  })
}
