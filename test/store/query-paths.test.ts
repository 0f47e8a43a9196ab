import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { dialects } from '../helper.ts'
import { type Db, type DbOrTrx, isUniqueViolation, openDatabase } from '../../src/store/database.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { groupCommitted } from '../../src/store/group-commit.ts'
import { preparedQuery } from '../../src/store/prepared-query.ts'

const AT = '2026-11-21T12:00:00.000Z'

for (const dialect of dialects) {
  describe(`hot-path query helpers on ${dialect.name}`, () => {
    let db: Db
    let drop: () => Promise<void>
    before(async () => {
      const store = await dialect.create()
      db = openDatabase(store.database, { schema: store.schema })
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
      // SQLite: first the three in one transaction (rolled back by the duplicate), then each alone.
      // PostgreSQL: each alone, concurrently, as without grouping.
      if (dialect.name === 'sqlite') assert.deepEqual(seen, [true, true, false, false, false])
      else assert.deepEqual(seen, [false, false, false])
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
