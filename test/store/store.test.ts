import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { type DatabaseIntrospector, Kysely, NO_MIGRATIONS, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { ManualClock, TEST_SECRET_KEY, dialects, type TestDialect } from '../helper.ts'
import { type Db, isUniqueViolation, openDatabase } from '../../src/store/database.ts'
import { MIGRATIONS, migrateTo, migrateToLatest } from '../../src/store/migrate.ts'
import type { Database } from '../../src/store/schema.ts'

const ALL_MIGRATIONS = Object.keys(MIGRATIONS)
import type { StoreContext } from '../../src/context.ts'
import { SecretBox } from '../../src/lib/secret-box.ts'
import { randomIds } from '../../src/lib/ids.ts'
import { verifyPassword } from '../../src/lib/password.ts'
import { countAccounts, findAccount, insertAccount } from '../../src/accounts/account.repository.ts'
import { OUTBOUND_SYSTEM_LOGIN, findUserByLogin, hasOutboundSystemUser, insertUser } from '../../src/accounts/user.repository.ts'
import { ProvisioningError, createAccount, createApiKey, createUser } from '../../src/accounts/provisioning.service.ts'
import { findApiKeyByAppKey, findApiKeyById, insertApiKey, listApiKeys, revokeApiKey, type SealedApiKey } from '../../src/auth/api-key.repository.ts'
import { findSettings, saveSettings } from '../../src/brand-config/settings.repository.ts'
import { deleteApp, deletePhoneNumber, deleteSkill, insertApp, insertPhoneNumber, insertSkill, listApps, listPhoneNumbers, listSkills } from '../../src/brand-config/catalog.repository.ts'
import {
  deleteHandoff,
  findHandoff,
  handoffsUsingNumber,
  handoffsUsingSkill,
  insertHandoff,
  isTitleTaken,
  listHandoffs,
  updateHandoff,
  type HandoffQuery,
} from '../../src/handoffs/handoff.repository.ts'
import type { Handoff } from '../../src/handoffs/handoff.ts'

const TABLES = ['accounts', 'api_keys', 'apps', 'brand_settings', 'calls', 'devices', 'handoffs', 'opt_outs', 'outbox', 'phone_numbers', 'sandbox_messages', 'skills', 'users']
const AT = '2026-11-21T12:00:00.000Z'

interface Store {
  db: Db
  schema: string | undefined
  close(): Promise<void>
}

async function openStore(dialect: TestDialect): Promise<Store> {
  const store = await dialect.create()
  const db = openDatabase(store.database, { schema: store.schema })
  return {
    db,
    schema: store.schema,
    async close() {
      await db.destroy()
      await store.drop()
    },
  }
}

/**
 * The tables of this store only. Read from its own schema's catalogue rows: Kysely's introspector
 * reads every schema's, and fails when a parallel test run drops its schema at that moment.
 */
async function tableNames(store: Store): Promise<string[]> {
  const query = store.schema === undefined
    ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`
    : sql<{ name: string }>`select tablename as name from pg_catalog.pg_tables where schemaname = current_schema()`
  const { rows } = await query.execute(store.db)
  return rows.map((t) => t.name).sort()
}

/**
 * The indexes of this store, read from its own schema's catalogue, each as `table (columns)` and its
 * `where` when partial, written alike on both dialects.
 */
async function indexDefinitions(store: Store): Promise<Map<string, string>> {
  const query = store.schema === undefined
    ? sql<{ name: string; definition: string }>`select name, sql as definition from sqlite_master where type = 'index' and sql is not null`
    : sql<{ name: string; definition: string }>`select indexname as name, indexdef as definition from pg_catalog.pg_indexes where schemaname = current_schema() and indexdef not like 'CREATE UNIQUE%'`
  const { rows } = await query.execute(store.db)
  const definitions = new Map<string, string>()
  for (const { name, definition } of rows) {
    const plain = definition.toLowerCase().replaceAll('"', '').replaceAll('::text', '').replace(' using btree', '')
    const [, table, columns, where] = /\son (?:\S+\.)?(\S+) \(([^)]*)\)(?: where \(?(.*?)\)?)?$/.exec(plain) ?? []
    definitions.set(name, `${table} (${columns})${where ? ` where ${where}` : ''}`)
  }
  return definitions
}

async function captureError(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  assert.fail('expected the operation to fail')
}

/** A stored handoff as the service writes it: only the blocks of its channels are present. */
function handoff(id: string, title: string, overrides: Partial<Handoff> = {}): Handoff {
  const value: Handoff = {
    id,
    title,
    lookbackMinutes: 60,
    channels: ['sms'],
    skills: [],
    sms: { fromNumber: '+14155552671', message: `Text us about ${title}`, optOutText: 'Reply STOP to opt out' },
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  }
  if (!value.channels.includes('sms')) delete value.sms
  return value
}

const QUERY: HandoffQuery = { page: 1, pageSize: 20, sort: 'id', order: 'asc' }

describe('SQLite durability', () => {
  test('the store runs WAL with synchronous FULL: a commit answered is on disk, power loss included', async () => {
    const store = await openStore(dialects[0]!)
    try {
      const { rows: journal } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db)
      const { rows: sync } = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db)
      assert.deepEqual([journal[0]?.journal_mode, sync[0]?.synchronous], ['wal', 2])
    } finally {
      await store.close()
    }
  })
})

for (const dialect of dialects) {
  describe(`store migrations (${dialect.name})`, () => {
    test('apply on an empty store; a second run applies nothing', async () => {
      const store = await openStore(dialect)
      try {
        assert.deepEqual(await tableNames(store), [])
        assert.deepEqual(await migrateToLatest(store.db), ALL_MIGRATIONS)
        const tables = await tableNames(store)
        for (const table of TABLES) assert.ok(tables.includes(table), `${table} exists`)
        assert.deepEqual(await migrateToLatest(store.db), [])
        assert.deepEqual(await tableNames(store), tables)
      } finally {
        await store.close()
      }
    })

    test('a store beside another migrated store of the same database is migrated on its own', async () => {
      const first = await openStore(dialect)
      const second = await openStore(dialect)
      try {
        assert.deepEqual(await migrateToLatest(first.db), ALL_MIGRATIONS)
        assert.deepEqual(await migrateToLatest(second.db), ALL_MIGRATIONS)
        await insertAccount(second.db, { id: '2', name: 'Second', zone: 'z1', createdAt: AT })
        assert.equal(await countAccounts(first.db), 0)
        assert.equal(await countAccounts(second.db), 1)
      } finally {
        await first.close()
        await second.close()
      }
    })

    test('the lookup indexes exist, the outbox\'s only over the rows a dispatcher can claim; down restores the old ones', async () => {
      const store = await openStore(dialect)
      try {
        await migrateToLatest(store.db)
        const indexes = await indexDefinitions(store)
        assert.equal(indexes.get('calls_account_phone_created_idx'), 'calls (account_id, consumer_phone, created_at)')
        assert.equal(indexes.get('calls_account_consumer_created_idx'), 'calls (account_id, consumer_id, created_at)')
        assert.equal(indexes.get('deliveries_call_idx'), 'deliveries (call_id)')
        assert.equal(indexes.get('outbox_pending_due_idx'), "outbox (available_at) where status = 'pending'")
        assert.equal(indexes.get('outbox_sending_lease_idx'), "outbox (lease_until) where status = 'sending'")
        assert.equal(indexes.has('outbox_due_idx'), false, 'the index over every outbox row is gone')

        await migrateTo(store.db, '0005-pending-status-events')
        const before = await indexDefinitions(store)
        for (const name of ['calls_account_phone_created_idx', 'calls_account_consumer_created_idx', 'deliveries_call_idx', 'outbox_pending_due_idx', 'outbox_sending_lease_idx']) {
          assert.equal(before.has(name), false, `${name} was dropped`)
        }
        assert.equal(before.get('outbox_due_idx'), 'outbox (status, available_at)')
        assert.deepEqual(await migrateTo(store.db, '0006-lookup-indexes'), ['0006-lookup-indexes'])
      } finally {
        await store.close()
      }
    })

    test('a migration failure that is not the catalogue race is thrown at once, not tried again', async () => {
      const store = await openStore(dialect)
      try {
        await migrateToLatest(store.db)
        // A history this code does not know: a newer version's migration, as after a downgrade.
        await sql`insert into kysely_migration (name, timestamp) values ('9999-from-a-newer-version', ${AT})`.execute(store.db)
        let historyReads = 0
        const counted = store.db.withPlugin({
          transformQuery({ node }) {
            if (node.kind === 'SelectQueryNode' && JSON.stringify(node).includes('"kysely_migration"')) historyReads++
            return node
          },
          transformResult: async ({ result }) => result,
        })
        await assert.rejects(migrateToLatest(counted), { name: 'MigrationError', message: /9999-from-a-newer-version is missing/ })
        assert.equal(historyReads, 1, 'the history was read once: the failure was not retried')
      } finally {
        await store.close()
      }
    })

    if (dialect.name === 'postgres') {
      // Kysely's introspector, whose first catalogue read meets the error a schema or a column dropped
      // meanwhile gives: 3F000 from the schema privilege check, 42703 from the look-up of a column's sequence.
      const races: Array<[string, ReturnType<typeof sql>]> = [
        ['a schema dropped', sql`select has_schema_privilege('c2m_dropped_meanwhile', 'USAGE')`],
        ['a column dropped', sql`select pg_get_serial_sequence('pg_catalog.pg_class', 'c2m_dropped_meanwhile')`],
      ]
      for (const [what, racingRead] of races) test(`the catalogue race, ${what} by someone else during Kysely's introspection, is tried again`, async () => {
        const store = await dialect.create()
        assert.equal(store.database.dialect, 'postgres')
        const pool = new pg.Pool({ connectionString: store.database.url, options: `-c search_path=${store.schema}` })
        let reads = 0
        class RacingDialect extends PostgresDialect {
          override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
            const introspector = super.createIntrospector(db)
            return {
              getSchemas: () => introspector.getSchemas(),
              getMetadata: (options) => introspector.getMetadata(options),
              async getTables(options) {
                if (reads++ === 0) await racingRead.execute(db)
                return introspector.getTables(options)
              },
            }
          }
        }
        const db = new Kysely<Database>({ dialect: new RacingDialect({ pool }) })
        try {
          assert.deepEqual(await migrateToLatest(db), ALL_MIGRATIONS)
          assert.ok(reads > 1)
        } finally {
          await db.destroy()
          await store.drop()
        }
      })

      test('an idle connection ended by the server is logged, the process goes on, and the pool opens another', async () => {
        const created = await dialect.create()
        let warned: (args: unknown[]) => void = () => {}
        const warning = new Promise<unknown[]>((resolve) => (warned = resolve))
        const db = openDatabase(created.database, { schema: created.schema, logger: { warn: (...args: unknown[]) => warned(args) } })
        const admin = new pg.Client({ connectionString: (created.database as { url: string }).url })
        await admin.connect()
        try {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)
          await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid])
          // Without a listener the pool's 'error' event would end this process here.
          const [fields, message] = (await warning) as [{ err: { code?: string } }, string]
          assert.equal(fields.err.code, '57P01', 'admin_shutdown')
          assert.match(message, /postgres pool/)
          const { rows: again } = await sql<{ one: number }>`select 1 as one`.execute(db)
          assert.deepEqual(again, [{ one: 1 }])
        } finally {
          await admin.end()
          await db.destroy()
          await created.drop()
        }
      })
    }

    test('the down migrations drop every table they created, and up works again after it', async () => {
      const store = await openStore(dialect)
      try {
        await migrateToLatest(store.db)
        await insertAccount(store.db, { id: '1', name: 'Before down', zone: 'z1', createdAt: AT })
        assert.deepEqual(await migrateTo(store.db, NO_MIGRATIONS), [...ALL_MIGRATIONS].reverse(), 'every migration went down, newest first')
        const left = await tableNames(store)
        for (const table of TABLES) assert.ok(!left.includes(table), `${table} was dropped`)
        assert.deepEqual(left.filter((t) => !t.startsWith('kysely_migration')), [])
        assert.deepEqual(await migrateToLatest(store.db), ALL_MIGRATIONS)
        assert.equal(await countAccounts(store.db), 0)
      } finally {
        await store.close()
      }
    })
  })

  describe(`store repositories (${dialect.name})`, () => {
    let store: Store
    let db: Db
    const secrets = new SecretBox(Buffer.from(TEST_SECRET_KEY, 'base64'))

    before(async () => {
      store = await openStore(dialect)
      db = store.db
      await migrateToLatest(db)
    })
    after(() => store.close())

    async function account(id: string): Promise<void> {
      await insertAccount(db, { id, name: `Brand ${id}`, zone: 'z1', createdAt: AT })
    }

    function sealedKey(accountId: string, n: number, secret: string, tokenSecret: string): SealedApiKey {
      return {
        id: `00000000-0000-4000-8000-${accountId.padStart(6, '0')}${String(n).padStart(6, '0')}`,
        accountId,
        appKey: `appkey-${accountId}-${n}`,
        accessToken: `token-${accountId}-${n}`,
        appName: `app ${n}`,
        developer: 'dev',
        privileges: ['ivr-engagement', 'management'],
        createdAt: `2026-11-21T12:00:0${n}.000Z`,
        revokedAt: null,
        sealedSecret: secrets.seal(secret),
        sealedAccessTokenSecret: secrets.seal(tokenSecret),
      }
    }

    test('accounts round-trip and are counted', async () => {
      const before = await countAccounts(db)
      await insertAccount(db, { id: '100', name: 'Acme', zone: 'z2', createdAt: AT })
      assert.deepEqual(await findAccount(db, '100'), { id: '100', name: 'Acme', zone: 'z2', createdAt: AT })
      assert.equal(await findAccount(db, '999999'), undefined)
      assert.equal(await countAccounts(db), before + 1)
      assert.equal(typeof (await countAccounts(db)), 'number')
    })

    test('users round-trip; the outbound system user is recognised', async () => {
      await account('101')
      assert.equal(await hasOutboundSystemUser(db, '101'), false)
      await insertUser(db, { id: randomUUID(), accountId: '101', login: 'alice', role: 'agent', skills: ['sales', 'support'], createdAt: AT }, 'scrypt$hash')
      const alice = await findUserByLogin(db, '101', 'alice')
      assert.ok(alice)
      assert.deepEqual({ ...alice, id: undefined }, { id: undefined, accountId: '101', login: 'alice', role: 'agent', skills: ['sales', 'support'], createdAt: AT, passwordHash: 'scrypt$hash' })
      assert.equal(await findUserByLogin(db, '101', 'bob'), undefined)
      assert.equal(await findUserByLogin(db, '100', 'alice'), undefined)

      // The system login with another role is not the system user.
      await insertUser(db, { id: randomUUID(), accountId: '101', login: 'system-lookalike', role: 'system', skills: [], createdAt: AT }, null)
      assert.equal(await hasOutboundSystemUser(db, '101'), false)
      await insertUser(db, { id: randomUUID(), accountId: '101', login: OUTBOUND_SYSTEM_LOGIN, role: 'system', skills: [], createdAt: AT }, null)
      assert.equal(await hasOutboundSystemUser(db, '101'), true)
      assert.equal((await findUserByLogin(db, '101', OUTBOUND_SYSTEM_LOGIN))?.passwordHash, null)
      assert.equal(await hasOutboundSystemUser(db, '100'), false)
    })

    test('a user of an unknown account is refused by the foreign key', async () => {
      const error = await captureError(() =>
        insertUser(db, { id: randomUUID(), accountId: '424242', login: 'ghost', role: 'agent', skills: [], createdAt: AT }, null),
      )
      assert.equal(isUniqueViolation(error), false)
    })

    test('api keys keep their secrets sealed in the table and list without them', async () => {
      await account('102')
      const first = sealedKey('102', 1, 'plain-secret-1', 'plain-token-secret-1')
      const second = sealedKey('102', 2, 'plain-secret-2', 'plain-token-secret-2')
      await insertApiKey(db, second)
      await insertApiKey(db, first)

      const row = await db.selectFrom('api_keys').selectAll().where('app_key', '=', first.appKey).executeTakeFirstOrThrow()
      assert.notEqual(row.secret, 'plain-secret-1')
      assert.notEqual(row.access_token_secret, 'plain-token-secret-1')
      assert.match(row.secret, /^v1\./)
      assert.match(row.access_token_secret, /^v1\./)
      assert.equal(secrets.open(row.secret), 'plain-secret-1')
      assert.equal(secrets.open(row.access_token_secret), 'plain-token-secret-1')

      assert.deepEqual(await findApiKeyByAppKey(db, first.appKey), first)
      assert.deepEqual(await findApiKeyById(db, second.id), second)
      assert.equal(await findApiKeyByAppKey(db, 'no-such-key'), undefined)

      const listed = await listApiKeys(db, '102')
      assert.deepEqual(listed.map((k) => k.appKey), [first.appKey, second.appKey], 'oldest first')
      for (const key of listed) {
        assert.ok(!('sealedSecret' in key) && !('sealedAccessTokenSecret' in key))
        const text = JSON.stringify(key)
        assert.ok(!text.includes('plain-') && !text.includes('v1.'), `no secret in ${text}`)
      }
      const { sealedSecret: _s, sealedAccessTokenSecret: _t, ...public1 } = first
      assert.deepEqual(listed[0], public1)
      assert.deepEqual(await listApiKeys(db, '100'), [])
    })

    test('revoking a key marks it once, and only within its brand', async () => {
      await account('103')
      const key = sealedKey('103', 1, 's', 't')
      await insertApiKey(db, key)
      assert.equal(await revokeApiKey(db, '100', key.appKey, '2026-11-22T00:00:00.000Z'), false, 'another brand cannot revoke it')
      assert.equal(await revokeApiKey(db, '103', 'unknown', '2026-11-22T00:00:00.000Z'), false)
      assert.equal(await revokeApiKey(db, '103', key.appKey, '2026-11-22T00:00:00.000Z'), true)
      assert.equal(await revokeApiKey(db, '103', key.appKey, '2026-11-23T00:00:00.000Z'), false, 'already revoked')
      const [listed] = await listApiKeys(db, '103')
      assert.equal(listed?.revokedAt, '2026-11-22T00:00:00.000Z')
      assert.equal((await findApiKeyByAppKey(db, key.appKey))?.revokedAt, '2026-11-22T00:00:00.000Z')
    })

    test('settings are inserted, then replaced in place', async () => {
      await account('104')
      assert.equal(await findSettings(db, '104'), undefined)
      const settings = {
        channels: [
          { name: 'wa' as const, enabled: true },
          { name: 'sms' as const, enabled: true },
          { name: 'inapp' as const, enabled: false },
        ],
        deviceCheck: false,
        routing: { skills: ['sales', 'support'], defaultSkill: 'support' },
      }
      await saveSettings(db, '104', settings, AT)
      assert.deepEqual(await findSettings(db, '104'), settings)

      const changed = { channels: [{ name: 'sms' as const, enabled: false }], deviceCheck: true, routing: { skills: [], defaultSkill: 'sales' } }
      await saveSettings(db, '104', changed, '2026-11-22T00:00:00.000Z')
      assert.deepEqual(await findSettings(db, '104'), changed)
      const rows = await db.selectFrom('brand_settings').selectAll().where('account_id', '=', '104').execute()
      assert.equal(rows.length, 1)
      assert.equal(rows[0]?.updated_at, '2026-11-22T00:00:00.000Z')
      assert.equal(await findSettings(db, '100'), undefined)
    })

    test('skills insert, list by name, delete', async () => {
      await account('105')
      await insertSkill(db, '105', { name: 'support', createdAt: AT })
      await insertSkill(db, '105', { name: 'billing', createdAt: AT })
      await insertSkill(db, '100', { name: 'other-brand', createdAt: AT })
      assert.deepEqual(await listSkills(db, '105'), [
        { name: 'billing', createdAt: AT },
        { name: 'support', createdAt: AT },
      ])
      assert.ok(isUniqueViolation(await captureError(() => insertSkill(db, '105', { name: 'billing', createdAt: AT }))))
      assert.equal(await deleteSkill(db, '105', 'other-brand'), false)
      assert.equal(await deleteSkill(db, '105', 'billing'), true)
      assert.equal(await deleteSkill(db, '105', 'billing'), false)
      assert.deepEqual((await listSkills(db, '105')).map((s) => s.name), ['support'])
      assert.deepEqual((await listSkills(db, '100')).map((s) => s.name), ['other-brand'])
    })

    test('phone numbers insert per channel, list, delete one channel or all', async () => {
      await account('106')
      await insertPhoneNumber(db, '106', { number: '+14155552671', channel: 'sms', createdAt: AT })
      await insertPhoneNumber(db, '106', { number: '+14155552671', channel: 'wa', createdAt: AT })
      await insertPhoneNumber(db, '106', { number: '+12125551234', channel: 'sms', createdAt: AT })
      assert.deepEqual(await listPhoneNumbers(db, '106'), [
        { number: '+12125551234', channel: 'sms', createdAt: AT },
        { number: '+14155552671', channel: 'sms', createdAt: AT },
        { number: '+14155552671', channel: 'wa', createdAt: AT },
      ])
      assert.ok(isUniqueViolation(await captureError(() => insertPhoneNumber(db, '106', { number: '+14155552671', channel: 'wa', createdAt: AT }))))
      assert.equal(await deletePhoneNumber(db, '100', '+14155552671'), 0)
      assert.equal(await deletePhoneNumber(db, '106', '+14155552671', 'wa'), 1)
      assert.equal(await deletePhoneNumber(db, '106', '+14155552671', 'wa'), 0)
      await insertPhoneNumber(db, '106', { number: '+14155552671', channel: 'wa', createdAt: AT })
      assert.equal(await deletePhoneNumber(db, '106', '+14155552671'), 2)
      assert.deepEqual((await listPhoneNumbers(db, '106')).map((p) => p.number), ['+12125551234'])
    })

    test('apps insert, list by app id, delete', async () => {
      await account('107')
      await insertApp(db, '107', { appId: 'com.acme.ios', platform: 'ios', name: 'Acme iOS', createdAt: AT })
      await insertApp(db, '107', { appId: 'com.acme.android', platform: 'android', name: 'Acme Android', createdAt: AT })
      assert.deepEqual(await listApps(db, '107'), [
        { appId: 'com.acme.android', platform: 'android', name: 'Acme Android', createdAt: AT },
        { appId: 'com.acme.ios', platform: 'ios', name: 'Acme iOS', createdAt: AT },
      ])
      assert.ok(isUniqueViolation(await captureError(() => insertApp(db, '107', { appId: 'com.acme.ios', platform: 'ios', name: 'again', createdAt: AT }))))
      assert.equal(await deleteApp(db, '100', 'com.acme.ios'), false)
      assert.equal(await deleteApp(db, '107', 'com.acme.ios'), true)
      assert.equal(await deleteApp(db, '107', 'com.acme.ios'), false)
      assert.deepEqual((await listApps(db, '107')).map((a) => a.appId), ['com.acme.android'])
    })

    test('handoffs insert, find, update, delete, with every channel block', async () => {
      await account('108')
      const wa = handoff('H100000000000001', 'WhatsApp first', {
        channels: ['wa', 'sms'],
        skills: ['sales'],
        wa: { fromNumber: '+14155552671', templateName: 'welcome', language: 'en_US', variables: { '1': 'Acme' } },
      })
      const inapp = handoff('H100000000000002', 'In-app only', { channels: ['inapp'], inapp: { appIds: ['com.acme.ios'], message: 'Open the app' } })
      assert.equal(inapp.sms, undefined)
      await insertHandoff(db, '108', wa)
      await insertHandoff(db, '108', inapp)
      assert.deepEqual(await findHandoff(db, '108', wa.id), wa)
      assert.deepEqual(await findHandoff(db, '108', inapp.id), inapp)
      assert.equal(await findHandoff(db, '100', wa.id), undefined, 'another brand does not see it')

      const updated: Handoff = { ...wa, title: 'WhatsApp renamed', lookbackMinutes: 43_200, channels: ['sms'], skills: [], updatedAt: '2026-11-22T00:00:00.000Z' }
      delete updated.wa
      assert.equal(await updateHandoff(db, '108', updated), true)
      assert.deepEqual(await findHandoff(db, '108', wa.id), updated)
      assert.equal(await updateHandoff(db, '100', { ...updated, title: 'hijack' }), false)
      assert.equal(await updateHandoff(db, '108', { ...updated, id: 'H999999999999999' }), false)
      assert.equal((await findHandoff(db, '108', wa.id))?.createdAt, AT, 'createdAt is kept')

      assert.equal(await deleteHandoff(db, '100', inapp.id), false)
      assert.equal(await deleteHandoff(db, '108', inapp.id), true)
      assert.equal(await deleteHandoff(db, '108', inapp.id), false)
      assert.equal(await findHandoff(db, '108', inapp.id), undefined)
    })

    test('titles are unique per brand, case-insensitively', async () => {
      await account('109')
      await insertHandoff(db, '109', handoff('H109000000000001', 'Billing Help'))
      assert.equal(await isTitleTaken(db, '109', 'billing help'), true)
      assert.equal(await isTitleTaken(db, '109', '  BILLING HELP '), true)
      assert.equal(await isTitleTaken(db, '109', 'Billing Help', 'H109000000000001'), false, 'its own title')
      assert.equal(await isTitleTaken(db, '109', 'Billing Help', 'H109000000000002'), true)
      assert.equal(await isTitleTaken(db, '109', 'Billing'), false)
      assert.equal(await isTitleTaken(db, '100', 'Billing Help'), false, 'another brand may use it')
      await insertHandoff(db, '100', handoff('H100000000000109', 'Billing Help'))
      const error = await captureError(() => insertHandoff(db, '109', handoff('H109000000000003', 'BILLING help')))
      assert.ok(isUniqueViolation(error))
    })

    describe('handoff lists', () => {
      const A = '110'
      before(async () => {
        await account(A)
        const rows: Handoff[] = [
          handoff('H110000000000005', 'delta', { createdAt: '2026-11-21T12:00:01.000Z', updatedAt: '2026-11-21T12:00:09.000Z' }),
          handoff('H110000000000001', 'Alpha', { createdAt: '2026-11-21T12:00:03.000Z', updatedAt: '2026-11-21T12:00:03.000Z', channels: ['wa', 'sms'], skills: ['sales'], wa: { fromNumber: '+12125551234', templateName: 't', language: 'en', variables: {} } }),
          handoff('H110000000000004', '100% refund', { createdAt: '2026-11-21T12:00:05.000Z', updatedAt: '2026-11-21T12:00:05.000Z', sms: { fromNumber: '+12125551234', message: 'm', optOutText: 'o' } }),
          handoff('H110000000000002', '100 percent', { createdAt: '2026-11-21T12:00:02.000Z', updatedAt: '2026-11-21T12:00:02.000Z', skills: ['support', 'sales'] }),
          handoff('H110000000000003', 'a_b', { createdAt: '2026-11-21T12:00:04.000Z', updatedAt: '2026-11-21T12:00:04.000Z', channels: ['wa'], wa: { fromNumber: '+14155552671', templateName: 't', language: 'en', variables: {} } }),
          handoff('H110000000000006', 'axb', { createdAt: '2026-11-21T12:00:06.000Z', updatedAt: '2026-11-21T12:00:06.000Z', channels: ['inapp'], inapp: { appIds: ['com.acme.ios'], message: 'm' } }),
          handoff('H110000000000007', 'back\\slash', { createdAt: '2026-11-21T12:00:07.000Z', updatedAt: '2026-11-21T12:00:07.000Z' }),
        ]
        for (const row of rows) await insertHandoff(db, A, row)
        // Another brand's handoffs never appear in this brand's lists.
        await insertHandoff(db, '100', handoff('H100000000000110', 'alpha of another brand'))
      })

      test('pages through every handoff with the total', async () => {
        const all = await listHandoffs(db, A, QUERY)
        assert.equal(all.total, 7)
        assert.deepEqual(all.items.map((h) => h.id), ['H110000000000001', 'H110000000000002', 'H110000000000003', 'H110000000000004', 'H110000000000005', 'H110000000000006', 'H110000000000007'])
        const page2 = await listHandoffs(db, A, { ...QUERY, page: 2, pageSize: 3 })
        assert.equal(page2.total, 7)
        assert.deepEqual(page2.items.map((h) => h.id), ['H110000000000004', 'H110000000000005', 'H110000000000006'])
        const page3 = await listHandoffs(db, A, { ...QUERY, page: 3, pageSize: 3 })
        assert.deepEqual(page3.items.map((h) => h.id), ['H110000000000007'])
        const beyond = await listHandoffs(db, A, { ...QUERY, page: 4, pageSize: 3 })
        assert.deepEqual(beyond, { items: [], total: 7 })
      })

      test('sorts by title case-insensitively, by dates and by id, both ways', async () => {
        const titles = async (q: Partial<HandoffQuery>) => (await listHandoffs(db, A, { ...QUERY, ...q })).items.map((h) => h.title)
        assert.deepEqual(await titles({ sort: 'title', order: 'asc' }), ['100 percent', '100% refund', 'a_b', 'Alpha', 'axb', 'back\\slash', 'delta'])
        assert.deepEqual(await titles({ sort: 'title', order: 'desc' }), ['delta', 'back\\slash', 'axb', 'Alpha', 'a_b', '100% refund', '100 percent'])
        assert.deepEqual(await titles({ sort: 'createdAt', order: 'asc' }), ['delta', '100 percent', 'Alpha', 'a_b', '100% refund', 'axb', 'back\\slash'])
        assert.deepEqual(await titles({ sort: 'updatedAt', order: 'desc' }), ['delta', 'back\\slash', 'axb', '100% refund', 'a_b', 'Alpha', '100 percent'])
        assert.deepEqual((await listHandoffs(db, A, { ...QUERY, order: 'desc', pageSize: 2 })).items.map((h) => h.id), ['H110000000000007', 'H110000000000006'])
      })

      test('filters by a case-insensitive title substring, with % _ and \\ taken literally', async () => {
        const titles = async (title: string) => (await listHandoffs(db, A, { ...QUERY, sort: 'title', title })).items.map((h) => h.title)
        assert.deepEqual(await titles('ALPH'), ['Alpha'])
        assert.deepEqual(await titles('%'), ['100% refund'])
        assert.deepEqual(await titles('0%'), ['100% refund'])
        assert.deepEqual(await titles('_'), ['a_b'])
        assert.deepEqual(await titles('a_'), ['a_b'])
        assert.deepEqual(await titles('\\'), ['back\\slash'])
        assert.deepEqual(await titles('100'), ['100 percent', '100% refund'])
        assert.deepEqual(await titles('nothing like it'), [])
        const filtered = await listHandoffs(db, A, { ...QUERY, title: '100', pageSize: 1 })
        assert.equal(filtered.total, 2)
        assert.equal(filtered.items.length, 1)
      })

      test('filters by channel, alone and with a title', async () => {
        const ids = async (q: Partial<HandoffQuery>) => (await listHandoffs(db, A, { ...QUERY, ...q })).items.map((h) => h.id)
        assert.deepEqual(await ids({ channel: 'wa' }), ['H110000000000001', 'H110000000000003'])
        assert.deepEqual(await ids({ channel: 'inapp' }), ['H110000000000006'])
        assert.deepEqual(await ids({ channel: 'sms' }), ['H110000000000001', 'H110000000000002', 'H110000000000004', 'H110000000000005', 'H110000000000007'])
        assert.deepEqual(await ids({ channel: 'sms', title: 'a' }), ['H110000000000001', 'H110000000000005', 'H110000000000007'])
        assert.equal((await listHandoffs(db, A, { ...QUERY, channel: 'wa' })).total, 2)
      })

      test('finds the handoffs using a number on a channel, or a skill', async () => {
        assert.deepEqual((await handoffsUsingNumber(db, A, '+12125551234', 'sms')).sort(), ['H110000000000004'])
        assert.deepEqual((await handoffsUsingNumber(db, A, '+12125551234', 'wa')).sort(), ['H110000000000001'])
        assert.deepEqual((await handoffsUsingNumber(db, A, '+14155552671', 'sms')).sort(), ['H110000000000001', 'H110000000000002', 'H110000000000005', 'H110000000000007'], 'only handoffs sending SMS from it')
        assert.deepEqual((await handoffsUsingNumber(db, A, '+14155552671', 'wa')).sort(), ['H110000000000003'])
        assert.deepEqual(await handoffsUsingNumber(db, A, '+10000000000', 'sms'), [])
        assert.deepEqual((await handoffsUsingSkill(db, A, 'sales')).sort(), ['H110000000000001', 'H110000000000002'])
        assert.deepEqual(await handoffsUsingSkill(db, A, 'support'), ['H110000000000002'])
        assert.deepEqual(await handoffsUsingSkill(db, A, 'billing'), [])
      })
    })

    test('unique violations are recognised; other errors are not', async () => {
      await account('111')
      const duplicateAccount = await captureError(() => account('111'))
      assert.equal(isUniqueViolation(duplicateAccount), true, 'primary key')
      await insertUser(db, { id: randomUUID(), accountId: '111', login: 'dup', role: 'agent', skills: [], createdAt: AT }, null)
      const duplicateLogin = await captureError(() => insertUser(db, { id: randomUUID(), accountId: '111', login: 'dup', role: 'admin', skills: [], createdAt: AT }, null))
      assert.equal(isUniqueViolation(duplicateLogin), true, 'unique constraint')
      const key = sealedKey('111', 1, 's', 't')
      await insertApiKey(db, key)
      const duplicateAppKey = await captureError(() => insertApiKey(db, { ...key, id: randomUUID(), accessToken: 'another' }))
      assert.equal(isUniqueViolation(duplicateAppKey), true, 'unique column')
      const foreignKey = await captureError(() => insertSkill(db, '404404', { name: 'x', createdAt: AT }))
      assert.equal(isUniqueViolation(foreignKey), false)
      assert.equal(isUniqueViolation(new Error('duplicate')), false)
      assert.equal(isUniqueViolation(null), false)
      assert.equal(isUniqueViolation('23505'), false)
    })
  })

  describe(`provisioning service (${dialect.name})`, () => {
    let store: Store
    let services: StoreContext

    before(async () => {
      store = await openStore(dialect)
      await migrateToLatest(store.db)
      services = { db: store.db, clock: new ManualClock(), ids: randomIds, secrets: new SecretBox(Buffer.from(TEST_SECRET_KEY, 'base64')) }
    })
    after(() => store.close())

    async function provisioningError(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
      const error = await captureError(run)
      assert.ok(error instanceof ProvisioningError, `expected a ProvisioningError, got ${String(error)}`)
      assert.match(error.message, pattern)
    }

    test('createAccount stores the account with its outbound system user', async () => {
      const account = await createAccount(services, { id: '555', name: '  Acme  ', zone: 'z2' })
      assert.deepEqual(account, { id: '555', name: 'Acme', zone: 'z2', createdAt: AT })
      assert.deepEqual(await findAccount(store.db, '555'), account)
      assert.equal(await hasOutboundSystemUser(store.db, '555'), true)
      const system = await findUserByLogin(store.db, '555', OUTBOUND_SYSTEM_LOGIN)
      assert.equal(system?.role, 'system')
      assert.equal(system?.passwordHash, null)
    })

    test('createAccount rejects ids that are not digits, blank names and duplicates', async () => {
      for (const id of ['abc', '12a', '', ' 1', '-1', '1'.repeat(21)]) {
        await provisioningError(() => createAccount(services, { id, name: 'Bad', zone: 'z1' }), /digits/)
      }
      await provisioningError(() => createAccount(services, { id: '556', name: '   ', zone: 'z1' }), /name/)
      await createAccount(services, { id: '557', name: 'Once', zone: 'z1' })
      await provisioningError(() => createAccount(services, { id: '557', name: 'Twice', zone: 'z3' }), /557 already exists/)
      assert.equal((await findAccount(store.db, '557'))?.name, 'Once')
      assert.equal(await findAccount(store.db, 'abc'), undefined)
    })

    test('createAccount is atomic: when the system user cannot be stored, no account is left', async () => {
      const system = await findUserByLogin(store.db, '555', OUTBOUND_SYSTEM_LOGIN)
      assert.ok(system)
      // Reusing an existing user id makes the second insert of the transaction fail.
      const clashing: StoreContext = { ...services, ids: { ...randomIds, uuid: () => system.id } }
      await assert.rejects(createAccount(clashing, { id: '558', name: 'Half', zone: 'z1' }))
      assert.equal(await findAccount(store.db, '558'), undefined)
      assert.equal(await hasOutboundSystemUser(store.db, '558'), false)
      await createAccount(services, { id: '558', name: 'Whole', zone: 'z1' })
      assert.equal(await hasOutboundSystemUser(store.db, '558'), true)
    })

    test('createApiKey issues four values, stores the secrets sealed, and rejects unknown accounts', async () => {
      const key = await createApiKey(services, { accountId: '555', appName: 'ivr', developer: 'dev', privileges: ['management', 'ivr-engagement', 'management'] })
      assert.deepEqual(Object.keys(key).sort(), ['accessToken', 'accessTokenSecret', 'appKey', 'id', 'privileges', 'secret'])
      assert.deepEqual(key.privileges, ['management', 'ivr-engagement'])
      for (const value of [key.appKey, key.secret, key.accessToken, key.accessTokenSecret]) assert.match(value, /^[0-9a-f]{32}$/)
      const stored = await findApiKeyByAppKey(store.db, key.appKey)
      assert.ok(stored)
      assert.equal(stored.accountId, '555')
      assert.equal(stored.accessToken, key.accessToken)
      assert.notEqual(stored.sealedSecret, key.secret)
      assert.equal(services.secrets.open(stored.sealedSecret), key.secret)
      assert.equal(services.secrets.open(stored.sealedAccessTokenSecret), key.accessTokenSecret)

      await provisioningError(() => createApiKey(services, { accountId: '999', appName: 'ivr', developer: 'dev', privileges: ['ivr-engagement'] }), /999 does not exist/)
      await provisioningError(() => createApiKey(services, { accountId: '555', appName: 'ivr', developer: 'dev', privileges: [] }), /privilege/)
      await provisioningError(() => createApiKey(services, { accountId: '555', appName: ' ', developer: 'dev', privileges: ['reporting'] }), /app name/)
    })

    test('createUser stores a scrypt hash that verifies the password and nothing else', async () => {
      for (const name of ['a', 'b']) await insertSkill(store.db, '555', { name, createdAt: AT })
      const user = await createUser(services, { accountId: '555', login: 'admin', role: 'admin', skills: ['a', 'b', 'a'], password: 'correct horse battery' })
      assert.equal(user.login, 'admin')
      assert.equal(user.role, 'admin')
      assert.deepEqual(user.skills, ['a', 'b'])
      const stored = await findUserByLogin(store.db, '555', 'admin')
      assert.ok(stored?.passwordHash)
      assert.ok(stored.passwordHash.startsWith('scrypt$'))
      assert.ok(!stored.passwordHash.includes('correct horse'))
      assert.equal(await verifyPassword('correct horse battery', stored.passwordHash), true)
      assert.equal(await verifyPassword('correct horse batterY', stored.passwordHash), false)
      assert.deepEqual(stored.skills, ['a', 'b'])
    })

    test('createUser rejects duplicate logins, short passwords, reserved logins and unknown accounts', async () => {
      await provisioningError(() => createUser(services, { accountId: '555', login: 'admin', role: 'agent', skills: [], password: 'another long password' }), /already exists/)
      await provisioningError(() => createUser(services, { accountId: '555', login: 'shorty', role: 'agent', skills: [], password: '12345678901' }), /at least 12/)
      await provisioningError(() => createUser(services, { accountId: '555', login: OUTBOUND_SYSTEM_LOGIN, role: 'admin', skills: [], password: 'a long enough password' }), /reserved/)
      await provisioningError(() => createUser(services, { accountId: '555', login: 'bad login', role: 'agent', skills: [], password: 'a long enough password' }), /login/)
      await provisioningError(() => createUser(services, { accountId: '999', login: 'x', role: 'agent', skills: [], password: 'a long enough password' }), /999 does not exist/)
      await provisioningError(() => createUser(services, { accountId: '555', login: 'eve', role: 'agent', skills: ['a', 'c'], password: 'a long enough password' }), /555 has no skill c/)
      assert.equal(await findUserByLogin(store.db, '555', 'shorty'), undefined)
      // The same login is free in another brand.
      await createUser(services, { accountId: '557', login: 'admin', role: 'agent-manager', skills: [], password: 'a long enough password' })
      assert.equal((await findUserByLogin(store.db, '557', 'admin'))?.role, 'agent-manager')
    })
  })
}
