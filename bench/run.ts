// `npm run bench`: the C2M endpoints under load, beside a bare Fastify route measured in the same run.
//
// Three processes: the real service (`node bin/c2m.js serve` on a fresh SQLite store with the demo
// brand), a bare Fastify app (bench/bare-server.ts), and this one, which drives both with autocannon
// and signs every C2M request with OAuth 1.0a as the C2M spec's Node snippet does (oauth-1.0a package).
// Then issue 9's conversations (bench/conversations.ts): signed Twilio webhooks, each a consumer's
// SMS into a conversation, and the time from such a message to its ring on the agent's live event stream.
//
//   node --import tsx bench/run.ts            BENCH_DURATION=10 BENCH_WARMUP=3 BENCH_CONNECTIONS=50 BENCH_RING_SAMPLES=200
//   BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'   profiles the service's process
//
// A benchmark, not a test: a missed target is printed as MISS and the exit code stays 0. It exits
// non-zero only when the benchmark itself cannot run (a server does not start, the smoke call fails).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import OAuth from 'oauth-1.0a'
import { CONNECTIONS, DURATION, WARMUP, type Scenario, fmt, measure, positiveNumber, table, tagKind } from './measure.ts'
import { Consumers, type ServiceUnderTest, WEBHOOK_HEADERS, conversationsSummary, inboundRequest, prepareConversations, ringLatency, setAgentStatus } from './conversations.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** Node options for the service's process only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where its time goes. */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
/** So high that the limiter (30/s per brand per endpoint by default) never refuses: we measure the service, not its budget. */
const RATE_LIMIT = 1_000_000
/** Messages timed from the webhook to the ring, one at a time, after a few untimed. */
const RING_SAMPLES = positiveNumber('BENCH_RING_SAMPLES', 200)
const RING_WARMUP = 20
const TARGET_RATIO = 0.5
const TARGET_P99_MS = 15
const HOST = '127.0.0.1'

const ELIGIBILITY_BODY = (handoffId: string): string =>
  JSON.stringify({ consumerPhoneNumber: '+14259549855', handoffId, skill: 'sales', templateVariables: { '1': 'Jane' } })

// ---------------------------------------------------------------------------------------------
// Child processes: started here, always killed on the way out (normal end, error, SIGINT/SIGTERM).

const children = new Set<ChildProcess>()
const tempDirs: string[] = []

function cleanUp(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  children.clear()
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

process.on('exit', cleanUp)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the servers\n`)
    cleanUp()
    process.exit(signal === 'SIGINT' ? 130 : 143)
  })
}

interface Started {
  child: ChildProcess
  /** Everything the child printed on stdout so far. */
  stdout: () => string
  /** Resolves when stdout matches `pattern`; rejects when the child exits first or after `timeoutMs`. */
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<RegExpMatchArray>
  /** From now on, whatever the child prints is passed on, prefixed, to our stderr (warnings, errors). */
  relay: () => void
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let out = ''
  let err = ''
  let relaying = false
  const listeners = new Set<() => void>()
  const relay = (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim()) process.stderr.write(`[${name}] ${line}\n`)
  }
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    if (relaying) relay(chunk)
    else out += chunk
    for (const listener of listeners) listener()
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    if (relaying) relay(chunk)
    else err += chunk
  })
  child.on('exit', () => {
    children.delete(child)
    for (const listener of listeners) listener()
  })
  return {
    child,
    stdout: () => out,
    relay: () => {
      relaying = true
    },
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${name}: nothing matching ${pattern} on stdout within ${timeoutMs} ms\n${out}${err}`)), timeoutMs)
        const check = () => {
          const match = out.match(pattern)
          if (match) done(undefined, match)
          else if (child.exitCode !== null || child.signalCode !== null) {
            done(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out}${err}`))
          }
        }
        const done = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer)
          listeners.delete(check)
          if (error) reject(error)
          else resolve(match!)
        }
        listeners.add(check)
        check()
      }),
  }
}

async function stopChild(started: Started, graceMs = 5000): Promise<void> {
  const { child } = started
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, HOST, resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const response = await fetch(url)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// ---------------------------------------------------------------------------------------------
// The service and its demo credentials.

interface Credentials {
  accountId: string
  handoffId: string
  appKey: string
  secret: string
  accessToken: string
  accessTokenSecret: string
}

/** Reads the block `c2m serve` prints on its first start (src/demo/seed.ts, formatDemoCredentials). */
function parseCredentials(stdout: string): Credentials {
  const field = (label: string): string => {
    const match = stdout.match(new RegExp(`^\\s*${label}\\s+(\\S+)\\s*$`, 'm'))
    if (!match?.[1]) throw new Error(`no "${label}" in the service's credentials block:\n${stdout}`)
    return match[1]
  }
  return {
    accountId: field('account id'),
    handoffId: field('SMS handoff id'),
    appKey: field('appKey'),
    secret: field('secret'),
    accessToken: field('accessToken'),
    accessTokenSecret: field('accessTokenSecret'),
  }
}

async function startService(): Promise<{ started: Started; origin: string; credentials: Credentials; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-bench-'))
  tempDirs.push(dataDir)
  const port = await freePort()
  // Nothing leaves the machine: once Twilio is connected for the conversation scenarios, its API is a closed local port.
  const nowhere = `http://${HOST}:${await freePort()}`
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    RATE_LIMIT: String(RATE_LIMIT),
    RATE_LIMIT_WINDOW: '1',
    C2M_DEMO: 'true',
    NODE_ENV: 'production',
    TWILIO_API_URL: nowhere,
    TWILIO_LOOKUP_URL: nowhere,
  }
  // The embedded SQLite store in DATA_DIR, in-memory nonces and limits, requests signed against their own origin.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL', 'TRUST_PROXY', 'C2M_SECRET_KEY', 'DELIVERY_WORKER']) delete env[name]
  const started = startChild('c2m', [...SERVER_NODE_ARGS, path.join(ROOT, 'bin/c2m.js'), 'serve'], env)
  await started.waitFor(/accessTokenSecret\s+\S+[\s\S]*API docs[^\n]*\n=+\n/, 60_000)
  const credentials = parseCredentials(started.stdout())
  const origin = `http://${HOST}:${port}`
  await waitForHttp(`${origin}/healthz`, 30_000)
  started.relay()
  return { started, origin, credentials, dataDir }
}

async function startBare(): Promise<{ started: Started; origin: string; fastifyVersion: string }> {
  const started = startChild('bare', ['--import', 'tsx', path.join(ROOT, 'bench/bare-server.ts')], { ...process.env, PORT: '0', HOST })
  const match = await started.waitFor(/^listening (\d+) fastify (\S+)$/m, 30_000)
  started.relay()
  return { started, origin: `http://${HOST}:${match[1]}`, fastifyVersion: match[2] ?? '?' }
}

// ---------------------------------------------------------------------------------------------
// Signing, exactly as the C2M spec's Node snippet (and test/helper.ts signAt) does.

function signer(credentials: Credentials): (method: string, url: string) => string {
  const oauth = new OAuth({
    consumer: { key: credentials.appKey, secret: credentials.secret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => crypto.createHmac('sha1', key).update(base).digest('base64'),
  })
  const token = { key: credentials.accessToken, secret: credentials.accessTokenSecret }
  // A fresh oauth_nonce and the current oauth_timestamp on every call.
  return (method, url) => oauth.toHeader(oauth.authorize({ url, method }, token)).Authorization
}

// ---------------------------------------------------------------------------------------------
// The run.

async function smokeTest(origin: string, credentials: Credentials, sign: (method: string, url: string) => string): Promise<void> {
  const base = `${origin}/api/account/${credentials.accountId}`
  const post = async (pathAndQuery: string, body: string) => {
    const url = base + pathAndQuery
    const response = await fetch(url, { method: 'POST', headers: { authorization: sign('POST', url), 'content-type': 'application/json' }, body })
    return { status: response.status, text: await response.text() }
  }
  const eligibility = await post('/eligibility?v=2.0', ELIGIBILITY_BODY(credentials.handoffId))
  if (eligibility.status !== 200) throw new Error(`smoke test: eligibility answered ${eligibility.status} ${eligibility.text}`)
  const { callId, eligible } = JSON.parse(eligibility.text) as { callId: string; eligible: boolean }
  if (!eligible) throw new Error(`smoke test: the demo caller is not eligible: ${eligibility.text}`)
  const invite = await post('/invite?v=2.0', JSON.stringify({ callId }))
  if (invite.status !== 200) throw new Error(`smoke test: invite answered ${invite.status} ${invite.text}`)
}

/** What the dispatcher made of the invites: outbox rows by status, read from the service's SQLite file after it stopped. */
async function outboxSummary(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'c2m.sqlite')
  if (!fs.existsSync(file)) return 'no store file'
  const { default: SQLite } = await import('better-sqlite3')
  const db = new SQLite(file, { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare('select status, count(*) as n from outbox group by status order by status').all() as Array<{ status: string; n: number }>
    const calls = db.prepare('select count(*) as n from calls').get() as { n: number } | undefined
    return `${rows.map((r) => `${r.status} ${r.n}`).join(', ') || 'empty'}; calls stored: ${calls?.n ?? '?'}`
  } catch (error) {
    return `could not read: ${(error as Error).message}`
  } finally {
    db.close()
  }
}

/** The code measured: commit, and whether the work tree differs from it. */
function codeVersion(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'bin'], { cwd: ROOT, encoding: 'utf8' }).trim()
    return dirty ? `${commit} + uncommitted changes in src/ or bin/` : commit
  } catch {
    return 'unknown (not a git work tree)'
  }
}

async function main(): Promise<void> {
  const [service, bare] = await Promise.all([startService(), startBare()])
  const { origin, credentials } = service
  const sign = signer(credentials)
  await smokeTest(origin, credentials, sign)

  const apiBase = `/api/account/${credentials.accountId}`
  const eligibilityPath = `${apiBase}/eligibility?v=2.0`
  const invitePath = `${apiBase}/invite?v=2.0`
  const eligibilityBody = ELIGIBILITY_BODY(credentials.handoffId)

  process.stdout.write(
    [
      `C2M benchmark — ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, Fastify ${bare.fastifyVersion}`,
      `code:    ${codeVersion()}`,
      `service: node bin/c2m.js serve, SQLite in ${service.dataDir}, LOG_LEVEL=warn, RATE_LIMIT=${RATE_LIMIT}/s per brand and endpoint`,
      `         (set this high on purpose so the rate limiter never refuses: this measures the service, not its 30/s default budget)`,
      `load:    autocannon in this process, ${CONNECTIONS} connections, pipelining 1, ${WARMUP}s warm-up then ${DURATION}s per scenario`,
      `         every C2M request freshly signed with OAuth 1.0a (oauth-1.0a, HMAC-SHA1, new nonce) against ${origin}`,
      '',
    ].join('\n') + '\n',
  )

  const bareScenario: Scenario = {
    name: 'bare Fastify POST /bare',
    url: `${bare.origin}/bare`,
    server: bare.started.child,
    idle: service.started.child,
    body: eligibilityBody,
    requests: [{ method: 'POST', path: '/bare' }],
  }
  // Each request signed anew, as an IVR signs each call (a fresh nonce and timestamp).
  const eligibilityRequest: autocannon.Request = {
    method: 'POST',
    path: eligibilityPath,
    body: eligibilityBody,
    setupRequest: (request) => {
      request.headers = { ...request.headers, authorization: sign('POST', origin + eligibilityPath) }
      return request
    },
  }
  const eligibilityScenario: Scenario = {
    name: 'eligibility',
    url: origin + eligibilityPath,
    server: service.started.child,
    idle: bare.started.child,
    requests: [eligibilityRequest],
  }
  const journeyScenario: Scenario = {
    name: 'eligibility → invite',
    url: origin + eligibilityPath,
    server: service.started.child,
    idle: bare.started.child,
    kinds: true,
    requests: [
      {
        ...eligibilityRequest,
        onResponse: (status, body, context) => {
          tagKind('eligibility')
          const ctx = context as { callId?: string }
          ctx.callId = undefined
          if (status === 200) {
            try {
              ctx.callId = (JSON.parse(body) as { callId?: string }).callId
            } catch {
              // left undefined: the invite is skipped and the journey starts over
            }
          }
        },
      },
      {
        method: 'POST',
        path: invitePath,
        setupRequest: (request, context) => {
          const { callId } = context as { callId?: string }
          // No callId (eligibility failed): returning nothing makes autocannon start the journey over.
          if (!callId) return undefined as unknown as autocannon.Request
          request.headers = { ...request.headers, authorization: sign('POST', origin + invitePath) }
          request.body = JSON.stringify({ callId })
          return request
        },
        onResponse: () => {
          tagKind('invite')
        },
      },
    ],
  }

  // The bare route is measured right before each scenario, so each ratio compares runs made under the same conditions.
  const bare1 = await measure({ ...bareScenario, name: 'bare (before eligibility)' })
  const eligibility = await measure(eligibilityScenario)
  const bare2 = await measure({ ...bareScenario, name: 'bare (before journey)' })
  const journey = await measure(journeyScenario)

  // Issue 9's conversations. Twilio is connected only now: it turns the SMS channel live, and the scenarios above measure the sandbox's.
  const underTest: ServiceUnderTest = { origin, accountId: credentials.accountId, sign, storeFile: path.join(service.dataDir, 'c2m.sqlite') }
  const { inbound, agents } = await prepareConversations(underTest)
  const consumers = new Consumers()
  // The ring latency first, with one agent online: every ring is on their stream. Then all of them, for the load.
  const [first, ...others] = agents
  await setAgentStatus(underTest, first!, 'online')
  process.stderr.write(`bench: ring latency: ${RING_WARMUP} messages of warm-up, then ${RING_SAMPLES} one at a time… `)
  const ring = await ringLatency(underTest, inbound, first!, consumers, RING_SAMPLES, RING_WARMUP)
  process.stderr.write('done\n')
  for (const agent of others) await setAgentStatus(underTest, agent, 'online')
  const inboundScenario = (name: string, from: () => string): Scenario => ({
    name,
    url: inbound.url,
    server: service.started.child,
    idle: bare.started.child,
    headers: WEBHOOK_HEADERS,
    requests: [inboundRequest(inbound, from)],
  })
  const bare3 = await measure({ ...bareScenario, name: 'bare (before new conversations)' })
  const created = await measure(inboundScenario('twilio inbound → new conversation', () => consumers.fresh()))
  const bare4 = await measure({ ...bareScenario, name: 'bare (before appends)' })
  const appended = await measure(inboundScenario('twilio inbound → its conversation', () => consumers.again()))

  await stopChild(bare.started)
  await stopChild(service.started, 15_000)
  const outbox = await outboxSummary(service.dataDir)
  const conversations = await conversationsSummary(underTest.storeFile)

  const eligibilityRatio = eligibility.rps / bare1.rps
  const pass = eligibilityRatio >= TARGET_RATIO && eligibility.p99 < TARGET_P99_MS
  const journeyRatio = journey.rps / bare2.rps
  const rows: string[][] = [
    [bare1.name, fmt(bare1.rps, 0), fmt(bare1.p50, 2), fmt(bare1.p99, 2), String(bare1.errors), String(bare1.non2xx), '1.00', ''],
    [eligibility.name, fmt(eligibility.rps, 0), fmt(eligibility.p50, 2), fmt(eligibility.p99, 2), String(eligibility.errors), String(eligibility.non2xx), fmt(eligibilityRatio, 2), pass ? 'PASS' : 'MISS'],
    [bare2.name, fmt(bare2.rps, 0), fmt(bare2.p50, 2), fmt(bare2.p99, 2), String(bare2.errors), String(bare2.non2xx), '1.00', ''],
    [`${journey.name} (all requests)`, fmt(journey.rps, 0), fmt(journey.p50, 2), fmt(journey.p99, 2), String(journey.errors), String(journey.non2xx), fmt(journeyRatio, 2), 'n/a'],
  ]
  for (const [kind, stats] of Object.entries(journey.kinds)) {
    rows.push([`  ${kind} step`, fmt(stats.count / journey.seconds, 0), fmt(stats.p50, 2), fmt(stats.p99, 2), '', '', '', ''])
  }
  if (journey.journeys) {
    const j = journey.journeys
    rows.push([`  journeys (pairs)`, fmt(j.perSecond, 0), fmt(j.p50, 2), fmt(j.p99, 2), '', '', fmt(j.perSecond / bare2.rps, 2), ''])
  }
  for (const [m, yardstick] of [[bare3, bare3], [created, bare3], [bare4, bare4], [appended, bare4]] as const) {
    rows.push([m.name, fmt(m.rps, 0), fmt(m.p50, 2), fmt(m.p99, 2), String(m.errors), String(m.non2xx), fmt(m.rps / yardstick.rps, 2), m === yardstick ? '' : 'n/a'])
  }

  const measured = [bare1, eligibility, bare2, journey, bare3, created, bare4, appended]
  const cpuRows = measured.map((m) => [m.name, fmt(m.cpu.serverPerRequestUs, 0), fmt(m.cpu.serverCores, 2), fmt(m.cpu.loaderCores, 2), fmt(m.cpu.foreignCores, 2)])
  const foreign = Math.max(...measured.map((m) => m.cpu.foreignCores).filter(Number.isFinite), 0)
  process.stdout.write(
    [
      '',
      table(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', '× bare', 'target'], rows),
      '',
      `target (eligibility ≥ ${TARGET_RATIO}× bare req/s and p99 < ${TARGET_P99_MS} ms at ${CONNECTIONS} connections): ${pass ? 'PASS' : 'MISS'}` +
        ` (ratio ${fmt(eligibilityRatio, 2)}, p99 ${fmt(eligibility.p99, 2)} ms)`,
      `status codes: ${measured.map((m) => `${m.name}: ${m.statusCodes || 'none'}`).join('; ')}`,
      `journey resets (invite skipped after a failed eligibility): ${journey.resets}`,
      '',
      table(['CPU (cores of ' + os.cpus().length + ')', 'server µs/req', 'server cores', 'loader cores', 'others cores'], cpuRows),
      foreign > 0.1
        ? `WARNING: processes other than this benchmark used up to ${fmt(foreign, 2)} cores during a scenario: the figures above are lower than on a quiet machine.`
        : 'the machine was otherwise quiet during the run (other processes < 0.1 core).',
      '',
      ring.available
        ? `inbound message → ring on the agent's live stream (${ring.ring.count} messages one at a time): p50 ${fmt(ring.ring.p50, 2)} ms, p99 ${fmt(ring.ring.p99, 2)} ms, ` +
          `max ${fmt(ring.ring.max, 2)} ms, no ring within 5 s: ${ring.missed}; the webhook's own response: p50 ${fmt(ring.response.p50, 2)} ms, p99 ${fmt(ring.response.p99, 2)} ms`
        : `inbound message → ring: SSE stream not available (${ring.reason})`,
      '',
      `outbox after the run (the dispatcher's deliveries to the sandbox): ${outbox}`,
      `conversations after the run: ${conversations} (fresh consumers: ${consumers.used})`,
      'latency percentiles are of 2xx responses, from autocannon\'s per-response timings; req/s counts every completed response.',
      '',
    ].join('\n') + '\n',
  )
  if ([eligibility, journey, created, appended].some((m) => m.non2xx > 0)) process.stdout.write('WARNING: non-2xx responses from the service; see the status codes above.\n')
}

try {
  await main()
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
} finally {
  cleanUp()
}
