import assert from 'node:assert/strict'
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { VARIABLES } from '../../src/config.ts'

// Child processes for the few tests that need a real one (a signal, a crash, what a process loads).
// The bounds below only stop a broken run from hanging; a passing one waits far less.

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(ROOT, 'bin', 'c2m.js')
const WAIT_LIMIT_MS = 30_000

/** The test process's environment without the service's own variables or the test runner's, plus `env`. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env }
  for (const variable of VARIABLES) delete base[variable.name]
  delete base.NODE_OPTIONS
  delete base.NODE_TEST_CONTEXT
  return { ...base, ...env }
}

/** A port nobody listens on right now: bind port 0, read it, release it. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const running = new Set<Child>()

/** A spawned process whose output is kept for assertions and failure messages. */
export class Child {
  stdout = ''
  stderr = ''
  /** Set once the process has ended. */
  ended: { code: number | null; signal: NodeJS.Signals | null } | undefined
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  constructor(readonly process: ChildProcessWithoutNullStreams) {
    running.add(this)
    process.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk))
    process.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk))
    this.exited = new Promise((resolve, reject) => {
      process.once('error', reject)
      process.once('close', (code, signal) => {
        running.delete(this)
        this.ended = { code, signal }
        resolve(this.ended)
      })
    })
  }

  get output(): string {
    return `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`
  }

  /** Waits for the process to end by itself; resolves to its exit code. */
  async exit(limitMs = WAIT_LIMIT_MS): Promise<number | null> {
    const cancel = new AbortController()
    const timeout = sleep(limitMs, undefined, { signal: cancel.signal }).catch(() => undefined)
    try {
      const ended = await Promise.race([this.exited, timeout])
      if (!ended) assert.fail(`the process did not exit within ${limitMs} ms; ${this.output}`)
      return ended.code
    } finally {
      cancel.abort()
    }
  }

  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.ended) this.process.kill(signal)
    return this.exited
  }
}

/** `node <args>` from the project's root with `env` (see childEnv); stdin gets `input`, then ends. */
export function spawnNode(args: string[], env: Record<string, string>, input = ''): Child {
  const child = new Child(spawn(process.execPath, args, { cwd: ROOT, env: childEnv(env), stdio: 'pipe' }))
  child.process.stdin.end(input)
  return child
}

/** Runs a command to its end; `code` is null when a signal ended it. */
export async function runToEnd(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnNode(args, env, input)
  const code = await child.exit()
  return { code, stdout: child.stdout, stderr: child.stderr }
}

/** Kills every child still running (the suite's `after`), so none outlives the test file. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.kill('SIGKILL')))
}

/**
 * Polls `check` until it answers something other than false or undefined, and answers that; fails
 * early when the `child` it waits on ends meanwhile.
 */
export async function until<T>(what: string, check: () => Promise<T | false | undefined>, options: { child?: Child; limitMs?: number; everyMs?: number } = {}): Promise<T> {
  const { child, limitMs = WAIT_LIMIT_MS, everyMs = 25 } = options
  const deadline = Date.now() + limitMs
  for (;;) {
    const value = await check()
    if (value !== false && value !== undefined) return value
    if (child?.ended) assert.fail(`the process exited (${JSON.stringify(child.ended)}) while waiting for ${what}; ${child.output}`)
    if (Date.now() > deadline) assert.fail(`timed out after ${limitMs} ms waiting for ${what}${child ? `; ${child.output}` : ''}`)
    await sleep(everyMs)
  }
}

/** Polls `url` until it answers 200. */
export async function untilAnswers(url: string, child?: Child): Promise<void> {
  await until(
    `${url} to answer 200`,
    async () => {
      try {
        return (await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200
      } catch {
        return false
      }
    },
    { child, everyMs: 100 },
  )
}
