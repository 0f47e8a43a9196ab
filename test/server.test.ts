import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { after, describe, test } from 'node:test'
import { signAt } from './helper.ts'
import { VARIABLES } from '../src/config.ts'
import { openDatabase } from '../src/store/database.ts'
import { countAccounts } from '../src/accounts/account.repository.ts'
import type { IssuedApiKey } from '../src/accounts/provisioning.service.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'bin', 'c2m.js')
/** Bounds on waiting for the process; they only stop a broken run from hanging. */
const READY_WITHIN_MS = 20_000
const EXIT_WITHIN_MS = 20_000

/** A port nobody listens on right now: bind port 0, read it, release it. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

class ServerProcess {
  stdout = ''
  stderr = ''
  readonly exited: Promise<number | null>
  exitCode: number | null | undefined

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly port: number,
  ) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk))
    this.exited = new Promise((resolve) =>
      child.on('close', (code) => {
        this.exitCode = code
        resolve(code)
      }),
    )
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Polls /healthz until it answers 200, failing early when the process ends. */
  async ready(): Promise<void> {
    const deadline = Date.now() + READY_WITHIN_MS
    while (Date.now() < deadline) {
      if (this.exitCode !== undefined) assert.fail(`the server exited with ${this.exitCode}: ${this.stderr}`)
      try {
        const res = await fetch(`${this.origin}/healthz`, { signal: AbortSignal.timeout(1000) })
        if (res.status === 200) return
      } catch {
        // not listening yet
      }
      await sleep(100)
    }
    assert.fail(`/healthz did not answer within ${READY_WITHIN_MS} ms; stderr: ${this.stderr}`)
  }

  /** Waits for the process to end by itself; resolves to its exit code. */
  async exit(): Promise<number | null> {
    const cancel = new AbortController()
    const timeout = sleep(EXIT_WITHIN_MS, 'timeout' as const, { signal: cancel.signal }).catch(() => 'cancelled' as const)
    try {
      const result = await Promise.race([this.exited, timeout])
      if (result === 'timeout') assert.fail(`the process did not exit within ${EXIT_WITHIN_MS} ms`)
      return result as number | null
    } finally {
      cancel.abort()
    }
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM')
    return this.exit()
  }
}

const started: ServerProcess[] = []
const dirs: string[] = []

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-server-'))
  dirs.push(dir)
  return dir
}

/** `node bin/c2m.js serve` as `npm start` runs it, with only the given service variables set. */
async function serve(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort()
  const base = { ...process.env }
  for (const variable of VARIABLES) delete base[variable.name]
  delete base.NODE_OPTIONS
  delete base.NODE_TEST_CONTEXT
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: { ...base, PORT: String(port), ...env }, stdio: 'pipe' })
  const server = new ServerProcess(child, port)
  started.push(server)
  return server
}

after(async () => {
  for (const server of started) {
    if (server.exitCode === undefined) {
      server.child.kill('SIGKILL')
      await server.exited
    }
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

/** The four key values and the ids from the demo block printed on stdout. */
function parseDemoBlock(stdout: string): { accountId: string; handoffId: string; key: IssuedApiKey } {
  const value = (label: string) => {
    const match = new RegExp(`^\\s+${label}\\s+(\\S+)$`, 'm').exec(stdout)
    assert.ok(match?.[1], `the demo block shows ${label}`)
    return match[1]
  }
  return {
    accountId: value('account id'),
    handoffId: value('SMS handoff id'),
    key: { id: '', appKey: value('appKey'), secret: value('secret'), accessToken: value('accessToken'), accessTokenSecret: value('accessTokenSecret'), privileges: [] },
  }
}

/** A GET signed with the oauth-1.0a package over the URL the client actually calls. */
function signedGet(server: ServerProcess, key: IssuedApiKey, pathAndQuery: string): Promise<Response> {
  const url = server.origin + pathAndQuery
  return fetch(url, { headers: { authorization: signAt(key, 'GET', url, Math.floor(Date.now() / 1000)) }, signal: AbortSignal.timeout(10_000) })
}

/** stdout lines that are pino JSON log records. */
function logLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('{'))
}

describe('c2m serve as a process', () => {
  const dataDir = tempDir()
  let demo: ReturnType<typeof parseDemoBlock>

  test('first start: serves /healthz, seeds the demo brand and prints its credentials once', async () => {
    const server = await serve({ DATA_DIR: dataDir, LOG_LEVEL: 'info' })
    try {
      await server.ready()
      for (const label of ['account id', 'admin login', 'admin password', 'appKey', 'secret', 'accessToken', 'accessTokenSecret']) {
        assert.match(server.stdout, new RegExp(`^\\s+${label}\\s+\\S+$`, 'm'), `the demo block shows ${label}`)
      }
      demo = parseDemoBlock(server.stdout)
      assert.equal(demo.accountId, '12345678')
      assert.match(demo.handoffId, /^H\d{15}$/)
      assert.equal(server.stdout.match(/accessTokenSecret/g)?.length, 1, 'printed once')

      // No C2M_SECRET_KEY: the demo master key is generated under DATA_DIR, owner-only.
      const keyFile = path.join(dataDir, 'master.key')
      assert.ok(fs.existsSync(keyFile))
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600)
      assert.ok(fs.existsSync(path.join(dataDir, 'c2m.sqlite')))

      const ready = await fetch(`${server.origin}/readyz`)
      assert.equal(ready.status, 200)

      const res = await signedGet(server, demo.key, '/api/account/12345678/handoffs')
      assert.equal(res.status, 200, await res.clone().text())
      const body = (await res.json()) as { items: Array<{ id: string; title: string; channels: string[]; sms?: { fromNumber: string } }>; total: number }
      assert.equal(body.total, 1)
      assert.equal(body.items[0]?.id, demo.handoffId)
      assert.deepEqual(body.items[0]?.channels, ['sms'])
      assert.equal(body.items[0]?.sms?.fromNumber, '+18005550100')

      const skills = await signedGet(server, demo.key, '/api/account/12345678/skills')
      assert.deepEqual(((await skills.json()) as { items: Array<{ name: string }> }).items.map((s) => s.name).sort(), ['billing', 'sales', 'support'])

      const unsigned = await fetch(`${server.origin}/api/account/12345678/handoffs`)
      assert.equal(unsigned.status, 401)
    } finally {
      assert.equal(await server.stop(), 0, `SIGTERM ends the process cleanly; stderr: ${server.stderr}`)
    }

    const logs = logLines(server.stdout)
    assert.ok(logs.length > 0, 'JSON logs on stdout')
    for (const line of logs) {
      const record = JSON.parse(line) as Record<string, unknown>
      assert.equal(typeof record.level, 'number')
      for (const secret of [demo.key.secret, demo.key.accessTokenSecret]) assert.ok(!line.includes(secret), `a log line leaks a secret: ${line}`)
      assert.ok(!line.includes('oauth_signature'), `a log line carries the OAuth header: ${line}`)
    }
    assert.ok(
      logs.some((line) => {
        const record = JSON.parse(line) as { req?: { id?: string; url?: string } }
        return record.req?.url === '/api/account/12345678/handoffs' && typeof record.req.id === 'string'
      }),
      'requests are logged with their id',
    )
    assert.ok(logs.some((line) => (JSON.parse(line) as { signal?: string }).signal === 'SIGTERM'), 'the shutdown is logged')
  })

  test('a later start on the same DATA_DIR does not seed or print again; the printed key still works', async () => {
    assert.ok(demo, 'the first start ran')
    const server = await serve({ DATA_DIR: dataDir, LOG_LEVEL: 'info' })
    try {
      await server.ready()
      const res = await signedGet(server, demo.key, '/api/account/12345678/handoffs')
      assert.equal(res.status, 200)
      assert.equal(((await res.json()) as { total: number }).total, 1, 'still the one seeded handoff')
    } finally {
      assert.equal(await server.stop(), 0)
    }
    for (const label of ['account id', 'admin login', 'appKey', 'accessTokenSecret']) assert.doesNotMatch(server.stdout, new RegExp(`^\\s+${label}\\s`, 'm'))
    assert.ok(!server.stdout.includes(demo.key.secret))
    const db = openDatabase({ dialect: 'sqlite', file: path.join(dataDir, 'c2m.sqlite') })
    try {
      assert.equal(await countAccounts(db), 1)
    } finally {
      await db.destroy()
    }
  })

  test('with C2M_DEMO=false a fresh store stays empty', async () => {
    const freshDir = tempDir()
    const server = await serve({ DATA_DIR: freshDir, LOG_LEVEL: 'info', C2M_DEMO: 'false' })
    try {
      await server.ready()
    } finally {
      assert.equal(await server.stop(), 0)
    }
    assert.doesNotMatch(server.stdout, /demo brand created|accessTokenSecret/)
    const db = openDatabase({ dialect: 'sqlite', file: path.join(freshDir, 'c2m.sqlite') })
    try {
      assert.equal(await countAccounts(db), 0)
    } finally {
      await db.destroy()
    }
  })

  test('a bad environment variable stops the start with one line naming it', async () => {
    const server = await serve({ DATA_DIR: tempDir(), PORT: 'abc' })
    const code = await server.exit()
    assert.notEqual(code, 0)
    assert.match(server.stderr, /^c2m: PORT must be a whole number, got "abc"\n$/)
    assert.equal(server.stdout, '')
  })

  test('a port already in use ends the start with a non-zero code', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, resolve))
    try {
      const { port } = blocker.address() as net.AddressInfo
      const server = await serve({ DATA_DIR: tempDir(), LOG_LEVEL: 'silent', PORT: String(port) })
      const code = await server.exit()
      assert.notEqual(code, 0)
      assert.match(server.stderr, /^c2m: .*EADDRINUSE.*\n$/)
      // The credentials of the brand seeded on this failed start were shown, not lost.
      assert.match(server.stdout, /^\s+accessTokenSecret\s+\S+$/m)
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })
})
