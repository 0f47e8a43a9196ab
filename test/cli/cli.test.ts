import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { PUBLIC_ORIGIN, TEST_SECRET_KEY, dialects, signAt, type TestDialect } from '../helper.ts'
import { BIN, ROOT, killAll, runToEnd } from '../support/process.ts'
import { run, type Io } from '../../src/cli/main.ts'
import { loadConfig } from '../../src/config.ts'
import { openRuntime } from '../../src/runtime.ts'
import { buildApp } from '../../src/app.ts'
import { type Db, openDatabase } from '../../src/store/database.ts'
import { MIGRATIONS, migrateTo } from '../../src/store/migrate.ts'
import { findUserByLogin } from '../../src/accounts/user.repository.ts'
import { insertSkill } from '../../src/brand-config/catalog.repository.ts'
import { verifyPassword } from '../../src/lib/password.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

// The commands run in this process through `run`, with their own environment and captured output;
// only the smoke tests at the end start `node bin/c2m.js` as an operator does.

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** `c2m …args` in-process with only `env` as its environment; stdin holds `input`. */
async function c2m(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const io: Io = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), readStdin: async () => input, env }
  const code = await run(args, io)
  return { code, stdout, stderr }
}

function ok(result: Run, what: string): void {
  assert.equal(result.code, 0, `${what} should succeed; stderr: ${result.stderr}`)
  assert.equal(result.stderr, '', `${what} writes nothing on stderr`)
}

/** A failed command: non-zero, nothing on stdout, exactly one `c2m:` line on stderr. */
function failsWithOneLine(result: Run, pattern?: RegExp): void {
  assert.notEqual(result.code, 0, `expected failure; stdout: ${result.stdout}`)
  assert.equal(result.stdout, '')
  assert.match(result.stderr, /^c2m: [^\n]+\n$/, `one line on stderr, got ${JSON.stringify(result.stderr)}`)
  if (pattern) assert.match(result.stderr, pattern)
}

/** The environment naming a fresh store of `dialect`: a SQLite file not yet created, or an empty PostgreSQL schema. */
async function storeEnv(dialect: TestDialect): Promise<{ env: Record<string, string>; sqliteFile?: string; open: () => Db; drop: () => Promise<void> }> {
  const store = await dialect.create()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-cli-'))
  const { database } = store
  // A schema cannot be passed through the environment, so the URL selects it for every connection.
  const url = database.dialect === 'sqlite' ? `sqlite:${database.file}` : withSearchPath(database.url, store.schema!)
  return {
    env: { DATABASE_URL: url, DATA_DIR: dataDir, C2M_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' },
    ...(database.dialect === 'sqlite' ? { sqliteFile: database.file } : {}),
    open: () => openDatabase(database, { schema: store.schema }),
    async drop() {
      await store.drop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

function withSearchPath(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return url.toString()
}

/** A GET against the real app over the CLI's store, signed with `key`; answers the status. */
async function statusWithKey(env: Record<string, string>, key: IssuedApiKey, url: string): Promise<number> {
  const runtime = await openRuntime(loadConfig({ ...env, PUBLIC_URL: PUBLIC_ORIGIN, C2M_DEMO: 'false' }))
  const app = await buildApp(runtime, { logger: false })
  try {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: signAt(key, 'GET', PUBLIC_ORIGIN + url, Math.floor(Date.now() / 1000)) } })
    return res.statusCode
  } finally {
    await app.close()
    await runtime.close()
  }
}

describe('c2m help', () => {
  test('c2m --help lists every command; a group or a command prints its own help', async () => {
    const all = await c2m(['--help'], {})
    ok(all, '--help')
    for (const command of ['serve', 'migrate', 'account create', 'key create', 'key list', 'key revoke', 'user create']) assert.match(all.stdout, new RegExp(`^  c2m ${command}\\b`, 'm'))

    const cases: Array<[string[], string[], number]> = [
      [['key', '--help'], ['key create', 'key list', 'key revoke'], 0],
      [['key', '-h'], ['key create', 'key list', 'key revoke'], 0],
      [['key', 'create', '--help'], ['key create'], 0],
      [['key', 'create', '--account', '1', '--help'], ['key create'], 0],
      [['user', 'create', '--help'], ['user create'], 0],
      [['migrate', '--help'], ['migrate'], 0],
      [['serve', '--help'], ['serve'], 0],
      [['key'], ['key create', 'key list', 'key revoke'], 2],
      [[], ['serve', 'migrate', 'account create', 'key create', 'key list', 'key revoke', 'user create'], 2],
    ]
    for (const [args, commands, code] of cases) {
      const help = await c2m(args, {})
      assert.equal(help.code, code, `c2m ${args.join(' ')}`)
      assert.equal(help.stderr, '')
      const shown = [...help.stdout.matchAll(/^ {2}c2m ([a-z]+(?: [a-z]+)?)/gm)].map((m) => m[1])
      assert.deepEqual(shown, commands, `c2m ${args.join(' ')} shows the help of ${commands.join(', ')}`)
    }
    assert.match((await c2m(['key', 'create', '--help'], {})).stdout, /--account <id> --app <appName> --developer <name>/)
  })

  test('an unknown command or group member is a usage error', async () => {
    for (const args of [['frobnicate'], ['constructor'], ['key', 'frob'], ['account', 'delete', '--id', '1']]) {
      const result = await c2m(args, {})
      assert.equal(result.code, 2)
      failsWithOneLine(result, new RegExp(`unknown command "${args.slice(0, 2).join(' ')}"`))
    }
  })
})

function suite(dialect: TestDialect): void {
  describe(`c2m commands (${dialect.name})`, () => {
    let store: Awaited<ReturnType<typeof storeEnv>>
    let env: Record<string, string>
    let managementKey: IssuedApiKey

    before(async () => {
      store = await storeEnv(dialect)
      env = store.env
    })
    after(() => store.drop())

    test('a store command where there is no store says so and creates nothing', async () => {
      const commands = [
        ['key', 'list', '--account', '555'],
        ['account', 'create', '--id', '555', '--name', 'Acme'],
        ['key', 'create', '--account', '555', '--app', 'ivr', '--developer', 'dev'],
      ]
      for (const args of commands) {
        const result = await c2m(args, env)
        assert.equal(result.code, 1)
        failsWithOneLine(result, dialect.name === 'sqlite' ? /no store at .*c2m\.sqlite: .*c2m migrate/ : /has no schema: .*c2m migrate/)
      }
      assert.ok(!fs.existsSync(path.join(env.DATA_DIR!, 'master.key')), 'no master key was created')
      if (store.sqliteFile) {
        assert.ok(!fs.existsSync(store.sqliteFile), 'no SQLite file was created')
        return
      }
      const db = store.open()
      try {
        // Its own schema's catalogue rows: Kysely's introspector would read every schema's.
        const { rows } = await sql<{ name: string }>`select tablename as name from pg_catalog.pg_tables where schemaname = current_schema()`.execute(db)
        assert.deepEqual(rows, [], 'no table was created')
      } finally {
        await db.destroy()
      }
    })

    test('migrate applies the migrations to an empty store, then has nothing left to apply', async () => {
      const first = await c2m(['migrate'], env)
      ok(first, 'migrate')
      assert.equal(first.stdout, `applied ${Object.keys(MIGRATIONS).join(', ')}\n`)
      const second = await c2m(['migrate'], env)
      ok(second, 'migrate again')
      assert.equal(second.stdout, 'store is at the latest schema\n')
    })

    test('account create enables a brand once; a duplicate exits 1 with one line', async () => {
      const created = await c2m(['account', 'create', '--id', '555', '--name', 'Acme', '--zone', 'z2'], env)
      ok(created, 'account create')
      assert.match(created.stdout, /account 555 \(Acme, zone z2\) created/)
      const duplicate = await c2m(['account', 'create', '--id', '555', '--name', 'Acme', '--zone', 'z2'], env)
      assert.equal(duplicate.code, 1)
      failsWithOneLine(duplicate, /555 already exists/)
    })

    test('bad arguments and configuration each print one c2m: line and exit non-zero', async () => {
      const cases: Array<[string[], RegExp, number, Record<string, string>?]> = [
        [['account', 'create', '--id', 'abc', '--name', 'Bad'], /site id/, 1],
        [['account', 'create', '--id', '556', '--name', 'Bad', '--zone', 'z9'], /--zone must be one of z1, z2, z3/, 2],
        [['account', 'create', '--id', '556'], /--name is required/, 2],
        [['account', 'create', '--id', '556', '--name', 'Bad', '--colour', 'red'], /--colour/, 2],
        [['account', 'create', '--id', '556', '--name', 'Bad', 'extra'], /extra/, 2],
        [['key', 'create', '--account', '555', '--app', 'ivr', '--developer', 'dev', '--privilege', 'bogus'], /--privilege must be one of/, 2],
        [['key', 'create', '--account', '555', '--app', 'ivr'], /--developer is required/, 2],
        [['key', 'create', '--account', '999', '--app', 'ivr', '--developer', 'dev'], /account 999 does not exist/, 1],
        [['key', 'list'], /--account is required/, 2],
        [['key', 'list', '--account', '999'], /account 999 does not exist/, 1],
        [['key', 'revoke', '--account', '555'], /--key is required/, 2],
        [['key', 'revoke', '--account', '999', '--key', 'abc'], /account 999 does not exist/, 1],
        [['user', 'create', '--account', '555', '--login', 'ann', '--role', 'root', '--password-stdin'], /--role must be one of/, 2],
        [['migrate', '--force'], /--force/, 2],
        [['serve', 'now'], /now/, 2],
        [['migrate'], /PORT must be a whole number/, 1, { PORT: 'abc' }],
        [['account', 'create', '--id', '556', '--name', 'Bad'], /C2M_SECRET_KEY/, 1, { C2M_SECRET_KEY: 'too-short' }],
        [['migrate'], /C2M_SECRET_KEY is required with PostgreSQL/, 1, { DATABASE_URL: 'postgres://127.0.0.1:1/none', C2M_SECRET_KEY: '' }],
      ]
      for (const [args, pattern, code, extra] of cases) {
        const result = await c2m(args, { ...env, ...extra })
        assert.equal(result.code, code, `c2m ${args.join(' ')} → ${JSON.stringify(result)}`)
        failsWithOneLine(result, pattern)
      }
      // None of the rejected commands created the account they named.
      ok(await c2m(['account', 'create', '--id', '556', '--name', 'Second'], env), 'account create after the rejected ones')
    })

    test('key create --json prints exactly one JSON object with the four values', async () => {
      const result = await c2m(['key', 'create', '--account', '555', '--app', 'ivr', '--developer', 'dev', '--privilege', 'management', '--privilege', 'ivr-engagement', '--json'], env)
      ok(result, 'key create')
      assert.equal(result.stdout.trim().split('\n').length, 1)
      const key = JSON.parse(result.stdout) as IssuedApiKey
      assert.deepEqual(Object.keys(key).sort(), ['accessToken', 'accessTokenSecret', 'appKey', 'id', 'privileges', 'secret'])
      assert.deepEqual(key.privileges, ['management', 'ivr-engagement'])
      for (const field of ['appKey', 'secret', 'accessToken', 'accessTokenSecret'] as const) assert.match(key[field], /^[0-9a-f]{32}$/)
      assert.equal(new Set([key.appKey, key.secret, key.accessToken, key.accessTokenSecret]).size, 4)
      managementKey = key
    })

    test('key create defaults to ivr-engagement; without --json it labels the four values', async () => {
      const json = await c2m(['key', 'create', '--account', '555', '--app', 'ivr2', '--developer', 'dev', '--json'], env)
      ok(json, 'key create')
      assert.deepEqual((JSON.parse(json.stdout) as IssuedApiKey).privileges, ['ivr-engagement'])

      const text = await c2m(['key', 'create', '--account', '555', '--app', 'reports', '--developer', 'analyst', '--privilege', 'reporting'], env)
      ok(text, 'key create')
      assert.match(text.stdout, /privileges: reporting/)
      for (const label of ['appKey', 'secret', 'accessToken', 'accessTokenSecret']) assert.match(text.stdout, new RegExp(`^\\s+${label}\\s+[0-9a-f]{32}$`, 'm'))
    })

    test('key list shows the keys without any secret', async () => {
      const text = await c2m(['key', 'list', '--account', '555'], env)
      ok(text, 'key list')
      const line = text.stdout.split('\n').find((l) => l.startsWith(managementKey.appKey))
      assert.ok(line, `the key is listed: ${text.stdout}`)
      assert.match(line, /active/)
      assert.match(line, /management,ivr-engagement/)
      assert.match(line, /ivr \(dev\)/)
      assert.equal(text.stdout.trim().split('\n').length, 3)

      const json = await c2m(['key', 'list', '--account', '555', '--json'], env)
      ok(json, 'key list --json')
      const keys = JSON.parse(json.stdout) as Array<Record<string, unknown>>
      assert.equal(keys.length, 3)
      const listed = keys.find((k) => k.appKey === managementKey.appKey)
      assert.ok(listed)
      assert.deepEqual(
        { ...listed, createdAt: undefined },
        { id: managementKey.id, accountId: '555', appKey: managementKey.appKey, accessToken: managementKey.accessToken, appName: 'ivr', developer: 'dev', privileges: ['management', 'ivr-engagement'], createdAt: undefined, revokedAt: null },
      )
      for (const output of [text.stdout, json.stdout]) {
        assert.ok(!output.includes(managementKey.secret), 'no consumer secret')
        assert.ok(!output.includes(managementKey.accessTokenSecret), 'no token secret')
        assert.ok(!/secret/i.test(output), 'no secret field, sealed or not')
      }

      const empty = await c2m(['key', 'list', '--account', '556'], env)
      ok(empty, 'key list of an account without keys')
      assert.equal(empty.stdout, 'account 556 has no API keys\n')
    })

    test("user create reads the password from stdin, stores only its hash, and takes only the brand's skills", async () => {
      const db = store.open()
      try {
        for (const name of ['sales', 'support']) await insertSkill(db, '555', { name, createdAt: new Date().toISOString() })
        const password = 'a sufficiently long password'
        const created = await c2m(['user', 'create', '--account', '555', '--login', 'ann', '--role', 'admin', '--skills', 'sales, support', '--password-stdin'], env, password + '\n')
        ok(created, 'user create')
        assert.match(created.stdout, /user ann \(admin\) created in account 555/)
        assert.ok(!created.stdout.includes(password))

        const user = await findUserByLogin(db, '555', 'ann')
        assert.ok(user?.passwordHash)
        assert.equal(user.role, 'admin')
        assert.deepEqual(user.skills, ['sales', 'support'])
        assert.ok(user.passwordHash.startsWith('scrypt$'))
        assert.equal(await verifyPassword(password, user.passwordHash), true, 'the trailing newline is not part of the password')

        const refused: Array<[string[], string, RegExp, number]> = [
          [['--login', 'bob', '--role', 'agent'], password, /--password-stdin is required/, 2],
          [['--login', 'bob', '--role', 'agent', '--password-stdin'], 'short\n', /at least 12 characters/, 1],
          [['--login', 'ann', '--role', 'agent', '--password-stdin'], password, /ann already exists/, 1],
          [['--login', 'bob', '--role', 'agent', '--skills', 'sales,billing', '--password-stdin'], password, /account 555 has no skill billing \(it has sales, support\)/, 1],
        ]
        for (const [args, input, pattern, code] of refused) {
          const result = await c2m(['user', 'create', '--account', '555', ...args], env, input)
          assert.equal(result.code, code, `${args.join(' ')} → ${JSON.stringify(result)}`)
          failsWithOneLine(result, pattern)
          assert.ok(!result.stderr.includes(input.trim()), 'the password is never echoed')
        }
        failsWithOneLine(await c2m(['user', 'create', '--account', '556', '--login', 'bob', '--role', 'agent', '--skills', 'sales', '--password-stdin'], env, password), /account 556 has no skill sales$/m)
        assert.equal(await findUserByLogin(db, '555', 'bob'), undefined)
      } finally {
        await db.destroy()
      }
    })

    test('a key made by the CLI authenticates against the real app; once revoked, it does not', async () => {
      assert.equal(await statusWithKey(env, managementKey, '/api/account/555/skills'), 200)
      assert.equal(await statusWithKey(env, { ...managementKey, secret: 'f'.repeat(32) }, '/api/account/555/skills'), 401)

      const revoked = await c2m(['key', 'revoke', '--account', '555', '--key', managementKey.appKey], env)
      ok(revoked, 'key revoke')
      assert.equal(revoked.stdout, `key ${managementKey.appKey} revoked\n`)
      const json = await c2m(['key', 'list', '--account', '555', '--json'], env)
      const listed = (JSON.parse(json.stdout) as Array<{ appKey: string; revokedAt: string | null }>).find((k) => k.appKey === managementKey.appKey)
      assert.ok(listed?.revokedAt && !Number.isNaN(Date.parse(listed.revokedAt)))
      assert.match((await c2m(['key', 'list', '--account', '555'], env)).stdout.split('\n').find((l) => l.startsWith(managementKey.appKey)) ?? '', /revoked/)

      failsWithOneLine(await c2m(['key', 'revoke', '--account', '555', '--key', managementKey.appKey], env), /no active key/)
      failsWithOneLine(await c2m(['key', 'revoke', '--account', '556', '--key', managementKey.appKey], env), /no active key/)
      assert.equal(await statusWithKey(env, managementKey, '/api/account/555/skills'), 401)
    })

    test('a store behind this version is named with what it lacks, and left as it is', async () => {
      const db = store.open()
      try {
        const names = Object.keys(MIGRATIONS)
        await migrateTo(db, names.at(-2)!)
        const result = await c2m(['key', 'list', '--account', '555'], env)
        assert.equal(result.code, 1)
        failsWithOneLine(result, new RegExp(`lacks migrations ${names.at(-1)}: run c2m migrate first`))
        const migrated = await c2m(['migrate'], env)
        ok(migrated, 'migrate')
        assert.equal(migrated.stdout, `applied ${names.at(-1)}\n`, 'the refused command migrated nothing')
        ok(await c2m(['key', 'list', '--account', '555'], env), 'key list after migrate')
      } finally {
        await db.destroy()
      }
    })
  })
}

for (const dialect of dialects) suite(dialect)

describe('node bin/c2m.js, as an operator runs it', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-cli-bin-'))
  const env = { DATA_DIR: dataDir, C2M_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' }
  after(async () => {
    await killAll()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  test('--help prints the usage and exits 0', async () => {
    const result = await runToEnd([BIN, '--help'], env)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^ {2}c2m key list --account <id>/m)
    assert.equal(result.stderr, '')
  })

  test('key list loads neither the HTTP app nor the provider SDKs, and exits with its code', async () => {
    ok(await c2m(['migrate'], env), 'migrate')
    const record = path.join(dataDir, 'imports.txt')
    const hook = path.join(ROOT, 'test', 'support', 'record-imports.mjs')
    const result = await runToEnd(['--import', hook, BIN, 'key', 'list', '--account', '999'], { ...env, RECORD_IMPORTS_TO: record })
    assert.equal(result.code, 1)
    assert.equal(result.stderr, 'c2m: account 999 does not exist\n', 'the command ran to its end over the store')

    const loaded = fs.readFileSync(record, 'utf8').split('\n')
    assert.ok(loaded.some((url) => url.includes('/node_modules/kysely/')), 'the recorder saw the store library')
    for (const heavy of ['fastify', '@fastify/swagger', '@fastify/swagger-ui', 'twilio', 'jose']) {
      assert.ok(!loaded.some((url) => url.includes(`/node_modules/${heavy}/`)), `key list loaded ${heavy}`)
    }
    assert.ok(!loaded.some((url) => /\/src\/(app|server)\.ts$/.test(url)), 'key list loaded the app')
  })
})
