import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { dialects, json, signedRequest, startApp, type TestApp, type TestDialect } from '../helper.ts'
import { type DemoCredentials, seedDemoBrand } from '../../src/demo/seed.ts'
import { randomIds } from '../../src/lib/ids.ts'
import type { StoreContext } from '../../src/context.ts'

/** Rows in each table of the test's store (its own schema on PostgreSQL), Kysely's own tables aside. */
async function rowCounts(t: TestApp): Promise<Record<string, number>> {
  const db = t.runtime.db
  const tables = t.schema === undefined
    ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`
    : sql<{ name: string }>`select tablename as name from pg_catalog.pg_tables where schemaname = current_schema() and tablename not like 'kysely_%'`
  const counts: Record<string, number> = {}
  for (const { name } of (await tables.execute(db)).rows) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(name)}`.execute(db)
    counts[name] = Number(rows[0]?.n)
  }
  return counts
}

function suite(dialect: TestDialect): void {
  describe(`the demo seed (${dialect.name})`, () => {
    let t: TestApp
    before(async () => {
      t = await startApp(dialect)
    })
    after(() => t.close())

    // A start that crashes while seeding: after the last write (the credentials about to be
    // printed), and halfway (the admin user clashing with the system user's id).
    const crashes: Array<[string, RegExp, () => [StoreContext, (demo: DemoCredentials) => void]]> = [
      [
        'after the last write, while the credentials are printed',
        /crashed while printing/,
        () => [
          t.runtime,
          () => {
            throw new Error('crashed while printing')
          },
        ],
      ],
      [
        'halfway, at the admin user',
        /user admin already exists/,
        () => [{ ...t.runtime, ids: { ...randomIds, uuid: () => '00000000-0000-4000-8000-000000000000' } }, () => assert.fail('nothing to print')],
      ],
    ]
    for (const [when, error, crash] of crashes) {
      test(`a seed that fails ${when} leaves nothing of the demo brand`, async () => {
        const empty = await rowCounts(t)
        const [services, announce] = crash()
        await assert.rejects(seedDemoBrand(services, announce), error)
        assert.deepEqual(await rowCounts(t), empty)
        assert.ok(Object.values(empty).every((n) => n === 0), 'the store was empty to begin with')
      })
    }

    test('the next start seeds the demo brand completely and announces it once', async () => {
      const announced: DemoCredentials[] = []
      const demo = await seedDemoBrand(t.runtime, (credentials) => announced.push(credentials))
      assert.ok(demo)
      assert.deepEqual(announced, [demo])

      const get = async (resource: string) => {
        const res = await signedRequest(t, demo.apiKey, 'GET', `/api/account/${demo.accountId}/${resource}`)
        assert.equal(res.statusCode, 200, `${resource}: ${res.body}`)
        return json(res)
      }
      assert.deepEqual((await get('skills')).items.map((s: { name: string }) => s.name), ['billing', 'sales', 'support'])
      assert.deepEqual((await get('phone-numbers')).items.map((n: { channel: string }) => n.channel).sort(), ['sms', 'wa'])
      assert.equal((await get('apps')).items.length, 1)
      assert.equal((await get('settings')).routing.defaultSkill, 'support')
      assert.equal((await get('whatsapp-templates/ivr_followup')).status, 'APPROVED')
      assert.deepEqual((await get('handoffs')).items.map((h: { id: string }) => h.id), [demo.handoffId])
      const counts = await rowCounts(t)
      assert.equal(counts.users, 5, 'the outbound system user, the admin and an agent per skill')
      assert.equal(counts.api_keys, 1)

      assert.equal(await seedDemoBrand(t.runtime, (credentials) => announced.push(credentials)), null, 'a store with a brand is not seeded again')
      assert.equal(announced.length, 1)
    })
  })
}

for (const dialect of dialects) suite(dialect)
