// The measuring half of `npm run bench`: autocannon runs with a warm-up, per-response latency
// percentiles, and the CPU each process spent meanwhile. bench/run.ts and bench/conversations.ts
// describe the scenarios; this file knows nothing of the service.
import { execFileSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import autocannon from 'autocannon'

export const DURATION = positiveNumber('BENCH_DURATION', 10)
export const WARMUP = positiveNumber('BENCH_WARMUP', 3, true)
export const CONNECTIONS = positiveNumber('BENCH_CONNECTIONS', 50)

// ---------------------------------------------------------------------------------------------
// CPU accounting (Linux /proc; elsewhere it is left out). Throughput on a shared machine moves with
// whatever else runs; the CPU time the service spends per request does much less, and the CPU that
// none of our three processes used tells whether the figures were taken on a quiet machine.

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system) of a process so far, in ms; undefined when /proc cannot tell. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return undefined
  }
}

/** Busy CPU time of the whole machine (every core) so far, in ms; undefined off Linux. */
function machineBusyMs(): number | undefined {
  try {
    const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)
    const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number)
    return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / CLOCK_TICKS
  } catch {
    return undefined
  }
}

interface CpuSnapshot {
  server: number | undefined
  other: number | undefined
  self: number
  machine: number | undefined
  at: number
}

/** `server` is the process under load, `other` the idle one: both count as ours, not as foreign load. */
function cpuSnapshot(server: ChildProcess, other: ChildProcess): CpuSnapshot {
  const self = process.cpuUsage()
  return { server: processCpuMs(server.pid), other: processCpuMs(other.pid), self: (self.user + self.system) / 1000, machine: machineBusyMs(), at: performance.now() }
}

export interface CpuUse {
  /** CPU the loaded server spent per completed request, µs. */
  serverPerRequestUs: number
  /** Cores' worth of CPU used by the loaded server, by this load generator, and by processes not ours. */
  serverCores: number
  loaderCores: number
  foreignCores: number
}

function cpuUse(before: CpuSnapshot, after: CpuSnapshot, requests: number): CpuUse {
  const wall = after.at - before.at
  const delta = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? Number.NaN : b - a)
  const server = delta(before.server, after.server)
  const other = delta(before.other, after.other)
  const self = after.self - before.self
  const machine = delta(before.machine, after.machine)
  return {
    serverPerRequestUs: (server * 1000) / requests,
    serverCores: server / wall,
    loaderCores: self / wall,
    foreignCores: Math.max(0, (machine - server - (Number.isNaN(other) ? 0 : other) - self) / wall),
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring.

export interface Measurement {
  name: string
  /** Completed responses per second, whatever their status. */
  rps: number
  /** Percentiles of 2xx responses, from autocannon's per-response timings (µs resolution). */
  p50: number
  p99: number
  /** Connection errors and timeouts. */
  errors: number
  non2xx: number
  statusCodes: string
  total: number
  seconds: number
  resets: number
  /** Per request kind, when a scenario mixes kinds. */
  kinds: Record<string, { count: number; p50: number; p99: number }>
  cpu: CpuUse
  /** Journeys (eligibility then invite on one connection) completed, and their end-to-end latency. */
  journeys?: { count: number; perSecond: number; p50: number; p99: number }
}

export interface Scenario {
  name: string
  url: string
  requests: autocannon.Request[]
  headers?: Record<string, string>
  body?: string
  /** Which kind of request a response belongs to; set from the requests' onResponse with `tagKind`. */
  kinds?: boolean
  /** The process answering, and the other server (idle meanwhile), for CPU accounting. */
  server: ChildProcess
  idle: ChildProcess
}

/**
 * The kind of the response autocannon is handling now. autocannon calls a request's onResponse and
 * then, synchronously, emits 'response' with its timing, so the onResponse callbacks tag it here.
 */
let lastKind = 'request'

/** Called from a request's onResponse: the response being timed is of this kind (see Scenario.kinds). */
export function tagKind(kind: string): void {
  lastKind = kind
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]!
}

export class Recorder {
  #values = new Float64Array(1 << 16)
  #size = 0
  #max = Number.NaN
  add(value: number): void {
    if (this.#size === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2)
      grown.set(this.#values)
      this.#values = grown
    }
    this.#values[this.#size++] = value
    if (!(value <= this.#max)) this.#max = value
  }
  get count(): number {
    return this.#size
  }
  /** The largest value added; NaN while there is none. */
  get max(): number {
    return this.#max
  }
  summary(): { count: number; p50: number; p99: number } {
    const sorted = this.#values.slice(0, this.#size).sort()
    return { count: this.#size, p50: percentile(sorted, 50), p99: percentile(sorted, 99) }
  }
}

function fire(scenario: Scenario, duration: number, onResponse?: (client: object, status: number, ms: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: scenario.url,
        method: 'POST',
        connections: CONNECTIONS,
        pipelining: 1,
        duration,
        timeout: 10,
        headers: { 'content-type': 'application/json', ...scenario.headers },
        ...(scenario.body !== undefined ? { body: scenario.body } : {}),
        requests: scenario.requests,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
    if (onResponse) instance.on('response', (client, status, _bytes, ms) => onResponse(client, status, ms))
  })
}

export async function measure(scenario: Scenario): Promise<Measurement> {
  process.stderr.write(`bench: ${scenario.name}: ${WARMUP}s warm-up, then ${DURATION}s at ${CONNECTIONS} connections… `)
  if (WARMUP > 0) await fire(scenario, WARMUP)
  const all = new Recorder()
  const byKind = new Map<string, Recorder>()
  const journeys = new Recorder()
  const pendingEligibility = new WeakMap<object, number>()
  const before = cpuSnapshot(scenario.server, scenario.idle)
  const result = await fire(scenario, DURATION, (client, status, ms) => {
    const ok = status >= 200 && status < 300
    if (ok) all.add(ms)
    if (!scenario.kinds) return
    const kind = lastKind
    let recorder = byKind.get(kind)
    if (!recorder) byKind.set(kind, (recorder = new Recorder()))
    if (ok) recorder.add(ms)
    // A journey is the pair on one connection: its latency is the two responses' latencies added up.
    if (kind === 'eligibility') {
      if (ok) pendingEligibility.set(client, ms)
      else pendingEligibility.delete(client)
    } else if (kind === 'invite') {
      const first = pendingEligibility.get(client)
      pendingEligibility.delete(client)
      if (ok && first !== undefined) journeys.add(first + ms)
    }
  })
  const after = cpuSnapshot(scenario.server, scenario.idle)
  process.stderr.write('done\n')
  const overall = all.summary()
  const seconds = result.duration
  const statusCodes = Object.entries(result.statusCodeStats ?? {})
    .map(([code, stat]) => `${code}×${stat.count ?? 0}`)
    .join(' ')
  const measurement: Measurement = {
    name: scenario.name,
    rps: result.requests.total / seconds,
    p50: overall.p50,
    p99: overall.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    statusCodes,
    total: result.requests.total,
    seconds,
    resets: result.resets,
    kinds: Object.fromEntries([...byKind].map(([kind, recorder]) => [kind, recorder.summary()])),
    cpu: cpuUse(before, after, result.requests.total),
  }
  if (scenario.kinds) {
    const j = journeys.summary()
    measurement.journeys = { count: j.count, perSecond: j.count / seconds, p50: j.p50, p99: j.p99 }
  }
  return measurement
}

export function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—'
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function positiveNumber(name: string, fallback: number, zeroAllowed = false): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    process.stderr.write(`bench: ${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number, got "${raw}"\n`)
    process.exit(2)
  }
  return value
}

