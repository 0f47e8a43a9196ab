import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { PUBLIC_ORIGIN, TEST_SECRET_KEY, signAt } from '../helper.ts'
import { VARIABLES, loadConfig } from '../../src/config.ts'
import { openRuntime } from '../../src/runtime.ts'
import { buildApp } from '../../src/app.ts'
import { openDatabase } from '../../src/store/database.ts'
import { findUserByLogin } from '../../src/accounts/user.repository.ts'
import { verifyPassword } from '../../src/lib/password.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { MIGRATIONS } from '../../src/store/migrate.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = path.join(ROOT, 'bin', 'c2m.js')
/** No CLI run in these tests should take anywhere near this; it only bounds a hung child. */
const RUN_LIMIT_MS = 60_000

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

const running = new Set<ChildProcess>()

/** The environment of the test process without any of the service's own variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const variable of VARIABLES) delete env[variable.name]
  delete env.NODE_OPTIONS
  delete env.NODE_TEST_CONTEXT
  return env
}

/** Runs `node bin/c2m.js …args` as an operator would; stdin is closed after `input`. */
function c2m(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...cleanEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    running.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS)
    child.on('error', (error) => {
      clearTimeout(timer)
      running.delete(child)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      running.delete(child)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(input ?? '')
  })
}

function ok(run: Run, what: string): void {
  assert.equal(run.code, 0, `${what} should succeed; stderr: ${run.stderr}`)
  assert.equal(run.stderr, '', `${what} writes nothing on stderr`)
}

/** A failed command: non-zero, nothing on stdout, exactly one `c2m:` line on stderr. */
function failsWithOneLine(run: Run, pattern?: RegExp): void {
  assert.notEqual(run.code, 0, `expected failure; stdout: ${run.stdout}`)
  assert.notEqual(run.code, null, 'the command ended by itself')
  assert.equal(run.stdout, '')
  assert.match(run.stderr, /^c2m: [^\n]+\n$/, `one line on stderr, got ${JSON.stringify(run.stderr)}`)
  if (pattern) assert.match(run.stderr, pattern)
}

after(() => {
  for (const child of running) child.kill('SIGKILL')
})

describe('c2m CLI over SQLite', () => {
  let dataDir: string
  let env: Record<string, string>
  let managementKey: IssuedApiKey

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-cli-'))
    env = { DATA_DIR: dataDir, C2M_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' }
  })
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }))

  test('migrate applies the migrations to an empty store, then has nothing left to apply', async () => {
    const first = await c2m(['migrate'], env)
    ok(first, 'migrate')
    assert.equal(first.stdout, `applied ${Object.keys(MIGRATIONS).join(', ')}\n`)
    assert.ok(fs.existsSync(path.join(dataDir, 'c2m.sqlite')), 'the SQLite file is under DATA_DIR')
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
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['account', 'create', '--id', 'abc', '--name', 'Bad'], /site id/],
      [['account', 'create', '--id', '556', '--name', 'Bad', '--zone', 'z9'], /--zone must be one of z1, z2, z3/],
      [['account', 'create', '--id', '556'], /--name is required/],
      [['account', 'create', '--id', '556', '--name', 'Bad', '--colour', 'red'], /--colour/],
      [['account', 'create', '--id', '556', '--name', 'Bad', 'extra'], /extra/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['account', 'delete', '--id', '555'], /unknown command "account delete"/],
      [['key', 'create', '--account', '555', '--app', 'ivr', '--developer', 'dev', '--privilege', 'bogus'], /--privilege must be one of/],
      [['key', 'create', '--account', '555', '--app', 'ivr'], /--developer is required/],
      [['key', 'create', '--account', '999', '--app', 'ivr', '--developer', 'dev'], /999 does not exist/],
      [['key', 'list'], /--account is required/],
      [['key', 'revoke', '--account', '555'], /--key is required/],
      [['user', 'create', '--account', '555', '--login', 'ann', '--role', 'root', '--password-stdin'], /--role must be one of/],
      [['migrate', '--force'], /--force/],
      [['serve', 'now'], /now/],
      [['migrate'], /PORT/, { PORT: 'abc' }],
      [['account', 'create', '--id', '556', '--name', 'Bad'], /C2M_SECRET_KEY/, { C2M_SECRET_KEY: 'too-short' }],
    ]
    const runs = await Promise.all(cases.map(([args, , extra]) => c2m(args, { ...env, ...extra })))
    runs.forEach((run, i) => {
      const [args, pattern] = cases[i]!
      assert.doesNotThrow(() => failsWithOneLine(run, pattern), `c2m ${args.join(' ')} → ${JSON.stringify(run)}`)
    })
    // None of the rejected commands created the account they named.
    ok(await c2m(['account', 'create', '--id', '556', '--name', 'Second'], env), 'account create after the rejected ones')
  })

  test('key create --json prints exactly one JSON object with the four values', async () => {
    const run = await c2m(['key', 'create', '--account', '555', '--app', 'ivr', '--developer', 'dev', '--privilege', 'management', '--privilege', 'ivr-engagement', '--json'], env)
    ok(run, 'key create')
    const key = JSON.parse(run.stdout) as IssuedApiKey
    assert.equal(typeof key, 'object')
    assert.ok(!Array.isArray(key))
    assert.deepEqual(Object.keys(key).sort(), ['accessToken', 'accessTokenSecret', 'appKey', 'id', 'privileges', 'secret'])
    assert.deepEqual(key.privileges, ['management', 'ivr-engagement'])
    for (const field of ['appKey', 'secret', 'accessToken', 'accessTokenSecret'] as const) assert.match(key[field], /^[0-9a-f]{32}$/)
    assert.equal(new Set([key.appKey, key.secret, key.accessToken, key.accessTokenSecret]).size, 4)
    assert.equal(run.stdout.trim().split('\n').length, 1)
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

    const empty = await c2m(['key', 'list', '--account', '404'], env)
    ok(empty, 'key list of an account without keys')
    assert.equal(empty.stdout, 'account 404 has no API keys\n')
  })

  test('user create reads the password from stdin and stores only its hash', async () => {
    const password = 'a sufficiently long password'
    const created = await c2m(['user', 'create', '--account', '555', '--login', 'ann', '--role', 'admin', '--skills', 'a,b', '--password-stdin'], env, password + '\n')
    ok(created, 'user create')
    assert.match(created.stdout, /user ann \(admin\) created in account 555/)
    assert.ok(!created.stdout.includes(password))

    const db = openDatabase({ dialect: 'sqlite', file: path.join(dataDir, 'c2m.sqlite') })
    try {
      const user = await findUserByLogin(db, '555', 'ann')
      assert.ok(user?.passwordHash)
      assert.equal(user.role, 'admin')
      assert.deepEqual(user.skills, ['a', 'b'])
      assert.ok(user.passwordHash.startsWith('scrypt$'))
      assert.equal(await verifyPassword(password, user.passwordHash), true, 'the trailing newline is not part of the password')
    } finally {
      await db.destroy()
    }

    const [withoutFlag, short, duplicate] = await Promise.all([
      c2m(['user', 'create', '--account', '555', '--login', 'bob', '--role', 'agent'], env, password),
      c2m(['user', 'create', '--account', '555', '--login', 'bob', '--role', 'agent', '--password-stdin'], env, 'short\n'),
      c2m(['user', 'create', '--account', '555', '--login', 'ann', '--role', 'agent', '--password-stdin'], env, password),
    ])
    failsWithOneLine(withoutFlag, /--password-stdin is required/)
    failsWithOneLine(short, /at least 12 characters/)
    failsWithOneLine(duplicate, /ann already exists/)
    assert.ok(!short.stderr.includes('short\n') && !withoutFlag.stderr.includes(password))
  })

  test('a key made by the CLI authenticates against the real app over the same store', async () => {
    const config = loadConfig({ DATA_DIR: dataDir, C2M_SECRET_KEY: TEST_SECRET_KEY, PUBLIC_URL: PUBLIC_ORIGIN, LOG_LEVEL: 'silent', C2M_DEMO: 'false' })
    const runtime = await openRuntime(config)
    const app = await buildApp(runtime, { logger: false })
    try {
      const url = '/api/account/555/skills'
      const res = await app.inject({ method: 'GET', url, headers: { authorization: signAt(managementKey, 'GET', PUBLIC_ORIGIN + url, Math.floor(Date.now() / 1000)) } })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json().items, [])

      const wrongSecret = { ...managementKey, secret: 'f'.repeat(32) }
      const forged = await app.inject({ method: 'GET', url, headers: { authorization: signAt(wrongSecret, 'GET', PUBLIC_ORIGIN + url, Math.floor(Date.now() / 1000)) } })
      assert.equal(forged.statusCode, 401)
    } finally {
      await app.close()
      await runtime.close()
    }
  })

  test('key revoke marks the key revoked; revoking it again fails; the app then refuses it', async () => {
    const revoked = await c2m(['key', 'revoke', '--account', '555', '--key', managementKey.appKey], env)
    ok(revoked, 'key revoke')
    assert.equal(revoked.stdout, `key ${managementKey.appKey} revoked\n`)

    const text = await c2m(['key', 'list', '--account', '555'], env)
    assert.match(text.stdout.split('\n').find((l) => l.startsWith(managementKey.appKey)) ?? '', /revoked/)
    const json = await c2m(['key', 'list', '--account', '555', '--json'], env)
    const listed = (JSON.parse(json.stdout) as Array<{ appKey: string; revokedAt: string | null }>).find((k) => k.appKey === managementKey.appKey)
    assert.ok(listed?.revokedAt && !Number.isNaN(Date.parse(listed.revokedAt)))

    const again = await c2m(['key', 'revoke', '--account', '555', '--key', managementKey.appKey], env)
    assert.equal(again.code, 1)
    failsWithOneLine(again, /no active key/)
    const otherBrand = await c2m(['key', 'revoke', '--account', '556', '--key', managementKey.appKey], env)
    failsWithOneLine(otherBrand, /no active key/)

    const config = loadConfig({ DATA_DIR: dataDir, C2M_SECRET_KEY: TEST_SECRET_KEY, PUBLIC_URL: PUBLIC_ORIGIN, LOG_LEVEL: 'silent', C2M_DEMO: 'false' })
    const runtime = await openRuntime(config)
    const app = await buildApp(runtime, { logger: false })
    try {
      const url = '/api/account/555/skills'
      const res = await app.inject({ method: 'GET', url, headers: { authorization: signAt(managementKey, 'GET', PUBLIC_ORIGIN + url, Math.floor(Date.now() / 1000)) } })
      assert.equal(res.statusCode, 401)
    } finally {
      await app.close()
      await runtime.close()
    }
  })
})

describe('c2m CLI over PostgreSQL', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL not set' }, () => {
  const baseUrl = process.env.TEST_DATABASE_URL ?? ''
  const schema = `t_cli_${crypto.randomBytes(6).toString('hex')}`
  let env: Record<string, string>
  let dataDir: string

  async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: baseUrl })
    await client.connect()
    try {
      return await run(client)
    } finally {
      await client.end()
    }
  }

  before(async () => {
    await admin((c) => c.query(`create schema ${schema}`))
    // A schema cannot be passed through the environment, so the URL selects it for every connection.
    const url = new URL(baseUrl)
    url.searchParams.set('options', `-c search_path=${schema}`)
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-cli-pg-'))
    env = { DATABASE_URL: url.toString(), DATA_DIR: dataDir, C2M_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' }
  })
  after(async () => {
    await admin((c) => c.query(`drop schema if exists ${schema} cascade`))
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  test('C2M_SECRET_KEY is required with PostgreSQL', async () => {
    const { C2M_SECRET_KEY: _key, ...withoutKey } = env
    failsWithOneLine(await c2m(['migrate'], withoutKey), /C2M_SECRET_KEY is required with PostgreSQL/)
  })

  test('provisions a brand whose key authenticates against the app', async () => {
    const migrated = await c2m(['migrate'], env)
    ok(migrated, 'migrate')
    assert.equal(migrated.stdout, `applied ${Object.keys(MIGRATIONS).join(', ')}\n`)
    const tables = await admin((c) => c.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schema]))
    assert.ok(tables.rows.some((r) => r.table_name === 'accounts'), 'the tables are in the test schema')
    assert.ok(!fs.existsSync(path.join(dataDir, 'c2m.sqlite')), 'no SQLite file with PostgreSQL')

    ok(await c2m(['account', 'create', '--id', '777', '--name', 'Postgres Brand', '--zone', 'z3'], env), 'account create')
    const duplicate = await c2m(['account', 'create', '--id', '777', '--name', 'Again'], env)
    assert.equal(duplicate.code, 1)
    failsWithOneLine(duplicate, /777 already exists/)

    const created = await c2m(['key', 'create', '--account', '777', '--app', 'ivr', '--developer', 'dev', '--privilege', 'management', '--json'], env)
    ok(created, 'key create')
    const key = JSON.parse(created.stdout) as IssuedApiKey
    const listed = await c2m(['key', 'list', '--account', '777', '--json'], env)
    ok(listed, 'key list')
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ appKey: string }>).map((k) => k.appKey), [key.appKey])
    const stored = await admin((c) => c.query<{ secret: string }>(`select secret from ${schema}.api_keys where app_key = $1`, [key.appKey]))
    assert.notEqual(stored.rows[0]?.secret, key.secret)
    assert.match(stored.rows[0]?.secret ?? '', /^v1\./)

    const runtime = await openRuntime(loadConfig({ ...env, PUBLIC_URL: PUBLIC_ORIGIN, C2M_DEMO: 'false' }))
    const app = await buildApp(runtime, { logger: false })
    try {
      const url = '/api/account/777/skills'
      const res = await app.inject({ method: 'GET', url, headers: { authorization: signAt(key, 'GET', PUBLIC_ORIGIN + url, Math.floor(Date.now() / 1000)) } })
      assert.equal(res.statusCode, 200, res.body)
    } finally {
      await app.close()
      await runtime.close()
    }

    ok(await c2m(['key', 'revoke', '--account', '777', '--key', key.appKey], env), 'key revoke')
    failsWithOneLine(await c2m(['key', 'revoke', '--account', '777', '--key', key.appKey], env), /no active key/)
  })
})
