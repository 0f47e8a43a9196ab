import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { signAt } from './helper.ts'
import { type Child, ROOT, freePort, killAll, spawnNode, until, untilAnswers } from './support/process.ts'
import { openDatabase } from '../src/store/database.ts'
import { countAccounts } from '../src/accounts/account.repository.ts'
import type { IssuedApiKey } from '../src/accounts/provisioning.service.ts'

/** The command the README tells operators to run under a process manager, as its words. */
function readmeServeCommand(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const command = /### Running under a process manager[\s\S]*?```sh\n([^\n]+)\n```/.exec(readme)?.[1]
  assert.ok(command, 'the README shows the command to run under a process manager')
  return command.split(' ')
}

interface Server {
  child: Child
  origin: string
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

const dirs: string[] = []

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-server-'))
  dirs.push(dir)
  return dir
}

/** The README's command, with only the given service variables set (and a free PORT unless given). */
async function serve(env: Record<string, string>): Promise<Server> {
  const [node, ...args] = readmeServeCommand()
  assert.equal(node, 'node')
  const port = env.PORT ?? String(await freePort())
  const child = spawnNode(args, { PORT: port, ...env })
  return {
    child,
    origin: `http://127.0.0.1:${port}`,
    async stop() {
      await child.kill('SIGTERM')
      return child.exit()
    },
  }
}

after(async () => {
  await killAll()
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
function signedGet(server: Server, key: IssuedApiKey, pathAndQuery: string): Promise<Response> {
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
      await untilAnswers(`${server.origin}/healthz`, server.child)
      for (const label of ['account id', 'admin login', 'admin password', 'appKey', 'secret', 'accessToken', 'accessTokenSecret']) {
        assert.match(server.child.stdout, new RegExp(`^\\s+${label}\\s+\\S+$`, 'm'), `the demo block shows ${label}`)
      }
      demo = parseDemoBlock(server.child.stdout)
      assert.equal(demo.accountId, '12345678')
      assert.match(demo.handoffId, /^H\d{15}$/)
      assert.equal(server.child.stdout.match(/accessTokenSecret/g)?.length, 1, 'printed once')
      // The banner says where the webtool is, and it is there.
      assert.match(server.child.stdout, /^ Webtool\s+http:\/\/localhost:\d+\/ /m)
      const webtool = await fetch(`${server.origin}/`)
      assert.equal(webtool.status, 200)
      assert.match(await webtool.text(), /<div id="root">/)

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
      assert.equal(await server.stop(), 0, `SIGTERM ends the process cleanly; stderr: ${server.child.stderr}`)
    }

    const logs = logLines(server.child.stdout)
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
      await untilAnswers(`${server.origin}/healthz`, server.child)
      const res = await signedGet(server, demo.key, '/api/account/12345678/handoffs')
      assert.equal(res.status, 200)
      assert.equal(((await res.json()) as { total: number }).total, 1, 'still the one seeded handoff')
    } finally {
      assert.equal(await server.stop(), 0)
    }
    for (const label of ['account id', 'admin login', 'appKey', 'accessTokenSecret']) assert.doesNotMatch(server.child.stdout, new RegExp(`^\\s+${label}\\s`, 'm'))
    assert.ok(!server.child.stdout.includes(demo.key.secret))
    const db = openDatabase({ dialect: 'sqlite', file: path.join(dataDir, 'c2m.sqlite') })
    try {
      assert.equal(await countAccounts(db), 1)
    } finally {
      await db.destroy()
    }
  })

  test('SIGTERM to the command the README gives operators: the request in flight completes, then the process exits 0', async () => {
    assert.ok(demo, 'the first start ran')
    const server = await serve({ DATA_DIR: dataDir, LOG_LEVEL: 'info' })
    await untilAnswers(`${server.origin}/readyz`, server.child)

    // An eligibility request whose body is still arriving when the signal comes: the service has
    // begun handling it (it logged its arrival) and cannot answer before the rest is sent.
    const url = `${server.origin}/api/account/12345678/eligibility?v=2.0`
    const body = JSON.stringify({ consumerPhoneNumber: '+14259549855', handoffId: demo.handoffId, skill: 'support', templateVariables: { '1': 'Jane' } })
    const request = http.request(url, {
      method: 'POST',
      headers: { authorization: signAt(demo.key, 'POST', url, Math.floor(Date.now() / 1000)), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    })
    const answered = new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      request.on('error', reject).on('response', (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode, body: text }))
      })
    })
    request.write(body.slice(0, 10))
    const arrived = (line: string) => line.includes('"incoming request"') && line.includes('/eligibility')
    await until('the request to reach the service', async () => logLines(server.child.stdout).some(arrived), { child: server.child })

    server.child.process.kill('SIGTERM')
    const stopping = (line: string) => line.includes('"signal":"SIGTERM"')
    await until('the service to start shutting down', async () => logLines(server.child.stdout).some(stopping), { child: server.child })
    request.end(body.slice(10))

    const response = await answered
    assert.equal(response.status, 200, response.body)
    assert.match((JSON.parse(response.body) as { callId?: string }).callId ?? '', /^[0-9a-f-]{36}$/)
    assert.equal(await server.child.exit(), 0, `a graceful stop; ${server.child.output}`)
    const logs = logLines(server.child.stdout)
    const completed = logs.filter((line) => line.includes('"request completed"')).at(-1)
    assert.ok(completed && logs.findIndex(stopping) < logs.indexOf(completed), 'the request completed after the shutdown began')
  })

  test('with C2M_DEMO=false a fresh store stays empty', async () => {
    const freshDir = tempDir()
    const server = await serve({ DATA_DIR: freshDir, LOG_LEVEL: 'info', C2M_DEMO: 'false' })
    try {
      await untilAnswers(`${server.origin}/healthz`, server.child)
    } finally {
      assert.equal(await server.stop(), 0)
    }
    assert.doesNotMatch(server.child.stdout, /demo brand created|accessTokenSecret/)
    const db = openDatabase({ dialect: 'sqlite', file: path.join(freshDir, 'c2m.sqlite') })
    try {
      assert.equal(await countAccounts(db), 0)
    } finally {
      await db.destroy()
    }
  })

  test('a bad environment variable stops the start with one line naming it', async () => {
    const server = await serve({ DATA_DIR: tempDir(), PORT: 'abc' })
    const code = await server.child.exit()
    assert.notEqual(code, 0)
    assert.match(server.child.stderr, /^c2m: PORT must be a whole number, got "abc"\n$/)
    assert.equal(server.child.stdout, '')
  })

  test('a port already in use ends the start with a non-zero code', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, resolve))
    try {
      const { port } = blocker.address() as net.AddressInfo
      const server = await serve({ DATA_DIR: tempDir(), LOG_LEVEL: 'silent', PORT: String(port) })
      const code = await server.child.exit()
      assert.notEqual(code, 0)
      assert.match(server.child.stderr, /^c2m: .*EADDRINUSE.*\n$/)
      // The credentials of the brand seeded on this failed start were shown, not lost.
      assert.match(server.child.stdout, /^\s+accessTokenSecret\s+\S+$/m)
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })
})
