import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import OAuth from 'oauth-1.0a'
import pg from 'pg'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp, type App } from '../src/app.ts'
import { type Config, type DatabaseConfig, loadConfig } from '../src/config.ts'
import { openRuntime, type Runtime } from '../src/runtime.ts'
import { loggerOptions } from '../src/http/logging.ts'
import type { Clock } from '../src/lib/clock.ts'
import { createAccount, createApiKey, type IssuedApiKey } from '../src/accounts/provisioning.service.ts'
import type { Privilege } from '../src/auth/api-key.repository.ts'
import { type FakeGraphApi, signWebhook, templateStatusPayload } from './fakes/graph.fake.ts'

/** A clock tests move by hand: windows and expiries are tested without sleeping. */
export class ManualClock implements Clock {
  #now: number
  constructor(start = '2026-11-21T12:00:00.000Z') {
    this.#now = Date.parse(start)
  }
  now(): Date {
    return new Date(this.#now)
  }
  advance(ms: number): void {
    this.#now += ms
  }
  set(iso: string): void {
    this.#now = Date.parse(iso)
  }
}

/** A store to run a suite against: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export interface TestDialect {
  name: 'sqlite' | 'postgres'
  /** A fresh, empty store: its own SQLite file or its own PostgreSQL schema. */
  create(): Promise<{ database: DatabaseConfig; schema?: string; drop(): Promise<void> }>
}

export const dialects: TestDialect[] = [
  {
    name: 'sqlite',
    async create() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-test-'))
      return { database: { dialect: 'sqlite', file: path.join(dir, 'c2m.sqlite') }, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) }
    },
  },
  ...(process.env.TEST_DATABASE_URL
    ? [
        {
          name: 'postgres' as const,
          async create() {
            const url = process.env.TEST_DATABASE_URL as string
            // Each store is its own schema, so test files can run in parallel on one database.
            const schema = `t_${crypto.randomBytes(6).toString('hex')}`
            const admin = new pg.Client({ connectionString: url })
            await admin.connect()
            await admin.query(`create schema ${schema}`)
            await admin.end()
            return {
              database: { dialect: 'postgres' as const, url },
              schema,
              async drop() {
                const client = new pg.Client({ connectionString: url })
                await client.connect()
                await client.query(`drop schema if exists ${schema} cascade`)
                await client.end()
              },
            }
          },
        },
      ]
    : []),
]

export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64')
export const PUBLIC_ORIGIN = 'https://c2m.example.com'

export interface TestApp {
  app: App
  runtime: Runtime
  clock: ManualClock
  config: Config
  /** The PostgreSQL schema of the store (undefined on SQLite), so a second instance can share it. */
  schema: string | undefined
  close(): Promise<void>
}

/**
 * Builds the real application over a fresh store of the given dialect. `env` adds or
 * overrides environment variables, read through the same loader as production.
 */
export async function startApp(dialect: TestDialect = dialects[0]!, env: Record<string, string> = {}, clock = new ManualClock()): Promise<TestApp> {
  const store = await dialect.create()
  const config: Config = {
    ...loadConfig({ C2M_SECRET_KEY: TEST_SECRET_KEY, PUBLIC_URL: PUBLIC_ORIGIN, LOG_LEVEL: 'silent', C2M_DEMO: 'false', WEB_DIR: 'off', ...env }),
    database: store.database,
  }
  const runtime = await openRuntime(config, { clock, schema: store.schema })
  const app = await buildApp(runtime, { logger: false })
  await app.ready()
  return {
    app,
    runtime,
    clock,
    config,
    schema: store.schema,
    async close() {
      await app.close()
      await runtime.close()
      await store.drop()
    },
  }
}

/**
 * Another app over `t`'s runtime that logs at `info` as production does, into `lines` (one JSON
 * line each), for tests of what reaches the log. The caller closes it.
 */
export async function appWithCapturedLog(t: TestApp): Promise<{ app: App; lines: string[] }> {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  const app = await buildApp(t.runtime, { logger: { ...(loggerOptions('info') as object), stream } })
  await app.ready()
  return { app, lines }
}

/**
 * Another instance of the service over the same store as `first` (as behind a load balancer),
 * with its own runtime, nonce store and app; `env` as for `startApp`. It shares `first`'s clock.
 * Closing it leaves the store to `first`, which drops it.
 */
export async function startSecondInstance(first: TestApp, env: Record<string, string> = {}): Promise<TestApp> {
  const config: Config = {
    ...loadConfig({ C2M_SECRET_KEY: TEST_SECRET_KEY, PUBLIC_URL: PUBLIC_ORIGIN, LOG_LEVEL: 'silent', C2M_DEMO: 'false', WEB_DIR: 'off', ...env }),
    database: first.config.database,
  }
  const runtime = await openRuntime(config, { clock: first.clock, schema: first.schema })
  const app = await buildApp(runtime, { logger: false })
  await app.ready()
  return {
    app,
    runtime,
    clock: first.clock,
    config,
    schema: first.schema,
    async close() {
      await app.close()
      await runtime.close()
    },
  }
}

/** A brand created the way the CLI creates one, with one API key of the given privileges. */
export async function provisionBrand(runtime: Runtime, accountId: string, privileges: Privilege[] = ['management']): Promise<IssuedApiKey> {
  await createAccount(runtime, { id: accountId, name: `Brand ${accountId}`, zone: 'z1' })
  return createApiKey(runtime, { accountId, appName: 'tests', developer: 'test suite', privileges })
}

/**
 * Sends a request signed with OAuth 1.0a as an IVR would: the signature covers the public URL
 * (`PUBLIC_URL` + path + query). The test clock is honoured through `oauth_timestamp`.
 */
export async function signedRequest(
  t: TestApp,
  key: IssuedApiKey,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH',
  url: string,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  const authorization = signAt(key, method, PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000))
  const options: InjectOptions = { method, url, headers: { authorization } }
  if (payload !== undefined) options.payload = payload as InjectOptions['payload']
  return t.app.inject(options)
}

/**
 * The brand's API over signed HTTP for setting a test up: each call asserts the status it expects
 * and answers the parsed body (undefined when empty, as a 204's). `resource` is the path under
 * `/api/account/{accountId}/`.
 */
export function brandCall(t: TestApp, key: IssuedApiKey, accountId: string) {
  return async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', resource: string, body: unknown, status: number): Promise<any> => {
    const res = await signedRequest(t, key, method, `/api/account/${accountId}/${resource}`, body)
    assert.equal(res.statusCode, status, `${method} ${resource}: ${res.body}`)
    return res.body === '' ? undefined : json(res)
  }
}

/** An oauth-1.0a header with the timestamp taken from the given clock reading. */
export function signAt(key: IssuedApiKey, method: string, url: string, nowSeconds: number): string {
  const oauth = new OAuth({
    consumer: { key: key.appKey, secret: key.secret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, secret) => crypto.createHmac('sha1', secret).update(base).digest('base64'),
  })
  // oauth-1.0a reads the wall clock; the service under test reads the test clock.
  ;(oauth as unknown as { getTimeStamp: () => number }).getTimeStamp = () => nowSeconds
  return oauth.toHeader(oauth.authorize({ url, method }, { key: key.accessToken, secret: key.accessTokenSecret })).Authorization
}

export function json<T = any>(response: LightMyRequestResponse): T {
  return response.json() as T
}

export interface TemplateFixture {
  name: string
  /** A registered wa number of the brand. */
  phoneNumber: string
  body: string
  language?: string
  category?: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'
  wabaId?: string
}

/** Meta as a brand connected to WhatsApp sees it: the Graph API fake and the app secret signing its webhooks. */
export interface MetaFixture {
  graph: FakeGraphApi
  appSecret: string
  wabaId: string
}

/**
 * An approved WhatsApp template, made through the API as a brand makes one: created, then
 * submitted. In the sandbox (no WhatsApp connection) that approves it; with `meta`, the brand is
 * connected, the Graph API fake receives the template, and Meta's signed webhook approves it.
 */
export async function approvedTemplate(t: TestApp, key: IssuedApiKey, accountId: string, fixture: TemplateFixture, meta?: MetaFixture): Promise<void> {
  const count = Math.max(0, ...[...fixture.body.matchAll(/\{\{(\d+)\}\}/g)].map((m) => Number(m[1])))
  const body = { category: 'UTILITY', language: 'en_US', wabaId: meta?.wabaId ?? '102290129340398', examples: Array.from({ length: count }, (_, i) => `sample ${i + 1}`), ...fixture }
  const created = await signedRequest(t, key, 'POST', `/api/account/${accountId}/whatsapp-templates`, body)
  if (created.statusCode !== 201) throw new Error(`template ${fixture.name}: ${created.statusCode} ${created.body}`)
  const submitted = await signedRequest(t, key, 'POST', `/api/account/${accountId}/whatsapp-templates/${fixture.name}/submit`)
  const expected = meta ? 'PENDING' : 'APPROVED'
  if (submitted.statusCode !== 200 || json(submitted).status !== expected) throw new Error(`template ${fixture.name} not ${expected}: ${submitted.statusCode} ${submitted.body}`)
  if (!meta) return
  const held = [...meta.graph.templates.values()].find((x) => x.name === fixture.name)
  if (!held) throw new Error(`the Graph API fake did not receive template ${fixture.name}`)
  meta.graph.review(held.name, 'APPROVED')
  const raw = JSON.stringify(templateStatusPayload(meta.wabaId, held, 'APPROVED'))
  const webhook = await t.app.inject({ method: 'POST', url: `/webhooks/whatsapp/${accountId}`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(meta.appSecret, raw) }, payload: raw })
  const read = await signedRequest(t, key, 'GET', `/api/account/${accountId}/whatsapp-templates/${fixture.name}`)
  if (webhook.statusCode !== 200 || json(read).status !== 'APPROVED') throw new Error(`template ${fixture.name} not approved by Meta's webhook: ${webhook.statusCode} ${read.body}`)
}
