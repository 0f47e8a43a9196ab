import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { CompiledQuery } from 'kysely'
import { dialects } from '../helper.ts'
import { type Db, openDatabase } from '../../src/store/database.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'

// Every consumer's message asks these of the store, in the transaction that records it: each must
// be answered from an index, never by reading the whole table (SQLite's planner says which).

const sqlite = dialects.find((d) => d.name === 'sqlite')!

describe('the inbound path\'s conversation queries use indexes (sqlite)', () => {
  let db: Db
  let drop: () => Promise<void>
  before(async () => {
    const store = await sqlite.create()
    db = openDatabase(store.database)
    drop = store.drop
    await migrateToLatest(db)
  })
  after(async () => {
    await db.destroy()
    await drop()
  })

  async function plan(query: { compile(): CompiledQuery }): Promise<string> {
    const compiled = query.compile()
    const { rows } = await db.executeQuery<{ detail: string }>({ ...compiled, sql: `explain query plan ${compiled.sql}` })
    return rows.map((r) => r.detail).join('\n')
  }

  const cases: Array<[string, () => { compile(): CompiledQuery }]> = [
    ['the active conversation of a consumer on a channel', () => db.selectFrom('conversations').selectAll().where('account_id', '=', 'a').where('channel', '=', 'sms').where('consumer', '=', 'c').where('state', '<>', 'closed')],
    ['whether a call had its conversation', () => db.selectFrom('conversations').select('id').where('call_id', '=', 'x')],
    ['the waiting conversations of a brand, oldest first', () => db.selectFrom('conversations').selectAll().where('account_id', '=', 'a').where('state', '=', 'queued').orderBy('queued_at').limit(50)],
    ['the consumer\'s latest invited call on a channel', () => db.selectFrom('calls').select('id').where('account_id', '=', 'a').where('consumer_phone', '=', 'p').where('invite_channel', '=', 'sms').where('invited_at', 'is not', null).orderBy('invited_at', 'desc').limit(1)],
    ['the next transcript number', () => db.selectFrom('conversation_messages').select((eb) => eb.fn.max('seq').as('seq')).where('conversation_id', '=', 'k')],
    ['the online agents of a brand', () => db.selectFrom('users').select('id').where('account_id', '=', 'a').where('status', '=', 'online')],
  ]
  for (const [name, query] of cases) {
    test(name, async () => {
      const detail = await plan(query())
      assert.doesNotMatch(detail, /^SCAN (conversations|calls|conversation_messages|users)\b/m, detail)
      assert.match(detail, /USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|PRIMARY KEY/, detail)
    })
  }
})
