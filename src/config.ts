import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Everything the process can be told through its environment, validated once at start.
 * The same loader serves the server and every CLI command, so both always agree on the store.
 */
export interface Config {
  /** TCP port the HTTP server listens on. */
  port: number
  /** Interface the HTTP server binds to. */
  host: string
  /** Where the store lives: a SQLite file path or a `postgres://` URL. */
  database: DatabaseConfig
  /** Longest wait for PostgreSQL's answer to a query, in ms (0: no limit); migrations are not bound by it. */
  databaseQueryTimeoutMs: number
  /** Folder for the embedded SQLite file and the generated demo master key. */
  dataDir: string
  /** Redis URL shared by all instances (nonces now, rate limits later); in-memory when absent. */
  redisUrl: string | undefined
  /** Origin clients sign OAuth requests against, e.g. `https://c2m.example.com`. */
  publicUrl: string | undefined
  /** Honour X-Forwarded-Proto / X-Forwarded-Host when no PUBLIC_URL is set. */
  trustProxy: boolean
  /** Accepted clock skew of `oauth_timestamp`, in seconds. */
  oauthTimestampWindowSeconds: number
  /** Lifetime of an issued app JWT, in seconds. */
  appJwtTtlSeconds: number
  /** Lifetime of a consumer token (the brand's app acting for one consumer), in seconds. */
  consumerTokenTtlSeconds: number
  /** Lifetime of a person's session cookie, in hours (absolute: not extended by use). */
  sessionTtlHours: number
  /** Failed sign-ins of one login within `loginLockMinutes` that lock it for that long. */
  loginMaxFailures: number
  /** Failed sign-ins from one client address within `loginLockMinutes` that lock it for that long. */
  loginMaxFailuresPerAddress: number
  /** The failed sign-in window and lock, in minutes. */
  loginLockMinutes: number
  /** 32-byte master key for secrets at rest; when absent a key file under `dataDir` is used (SQLite only). */
  secretKey: Buffer | undefined
  /** Seed the demo brand on the first start with an empty store. */
  demo: boolean
  /** pino log level. */
  logLevel: string
  /** How long an eligibility call can be invited, in seconds. */
  callTtlSeconds: number
  /** Requests each brand may make to each C2M endpoint per window. */
  rateLimit: number
  /** The rate limit's window, in seconds. */
  rateLimitWindowSeconds: number
  /** Run the delivery dispatchers (the outbox's and the webhooks') in this process. */
  deliveryWorker: boolean
  /** Pause between dispatcher rounds when nothing is due, in ms. */
  deliveryPollMs: number
  /** How often each instance sweeps conversations: expired rings, waiting conversations offered again. */
  routerIntervalMs: number
  /** Sends tried before a message is marked failed. */
  deliveryMaxAttempts: number
  /** How long a dispatcher's claim holds a message before another may take it, in seconds; provider calls get a third of it. */
  deliveryLeaseSeconds: number
  /** Longest wait for a line-type lookup during eligibility, in ms. */
  lookupTimeoutMs: number
  /** How long a looked-up line type is reused, in days. */
  lineTypeCacheDays: number
  /** Longest time a client may take to send a whole request (headers and body), in ms; a connection silent twice as long is closed. */
  requestTimeoutMs: number
  /** Twilio's Messages API origin (or a path under which it is served). */
  twilioApiUrl: string
  /** Twilio's Lookup API origin. */
  twilioLookupUrl: string
  /** Meta's Graph API origin (WhatsApp Cloud API and template management). */
  whatsappApiUrl: string
  /** FCM HTTP v1 origin. */
  fcmApiUrl: string
  /** Google's OAuth 2.0 token endpoint, a full URL; also the audience of the service account's assertion. */
  fcmTokenUrl: string
  /**
   * Hosts a brand's connection may name instead of the endpoints above (`api.twilio.com`,
   * `*.twilio.com`, or `*` for any): e.g. Twilio's regional edges. Never loopback, private or
   * link-local addresses, whatever this list says.
   */
  providerUrlAllowlist: readonly string[]
  /**
   * Hosts a brand's webhook URL (its desk connector) may name although they are not public
   * https endpoints: plain http and loopback or private addresses are then allowed (an operator's
   * own desk inside the network; the tests' fake desk on 127.0.0.1). Empty by default.
   */
  webhookUrlAllowlist: readonly string[]
  /** Attempts of one outbound webhook before it is marked failed and the next of its conversation goes. */
  webhookMaxAttempts: number
  /** How long live events are kept for clients that reconnect, in hours. */
  liveRetentionHours: number
  /** The built webtool served at `/`; `undefined` serves no pages. */
  webDir: string | undefined
}

export type DatabaseConfig =
  | { dialect: 'sqlite'; file: string }
  | {
    dialect: 'postgres'
    url: string
    /** Connections the process keeps open at most (DATABASE_POOL_SIZE); 10 when absent. */
    poolSize?: number
  }

/** One documented environment variable: the README's configuration table is this list. */
interface Variable {
  name: string
  doc: string
  default: string
}

export const VARIABLES: readonly Variable[] = [
  { name: 'PORT', doc: 'HTTP port', default: '8080' },
  { name: 'HOST', doc: 'interface to bind', default: '0.0.0.0' },
  { name: 'DATABASE_URL', doc: '`postgres://…` selects PostgreSQL; a file path or `sqlite:<path>` selects SQLite', default: '`sqlite:<DATA_DIR>/c2m.sqlite`' },
  { name: 'DATABASE_POOL_SIZE', doc: 'PostgreSQL connections each instance keeps open at most (mind the server\'s `max_connections` across instances); unused with SQLite', default: '`10`' },
  { name: 'DATABASE_QUERY_TIMEOUT_MS', doc: 'longest wait for PostgreSQL to answer a query before the request is answered 503 (error 5003), milliseconds, `0` for no limit; migrations at start and `c2m migrate` are not bound by it; unused with SQLite (which waits at most 5 s for a lock)', default: '`10000`' },
  { name: 'DATA_DIR', doc: 'folder for the SQLite file and the generated demo master key', default: '`./data`' },
  { name: 'REDIS_URL', doc: 'Redis shared by all instances (OAuth nonces, rate limits, live updates across instances); in-memory when unset', default: 'unset' },
  { name: 'PUBLIC_URL', doc: 'origin clients sign OAuth requests against, e.g. `https://c2m.example.com`', default: 'the request\'s own scheme and host' },
  { name: 'TRUST_PROXY', doc: 'honour `X-Forwarded-Proto`/`X-Forwarded-Host` (only when behind your own proxy)', default: '`false`' },
  { name: 'OAUTH_TIMESTAMP_WINDOW', doc: 'accepted `oauth_timestamp` skew, seconds', default: '`600`' },
  { name: 'APP_JWT_TTL', doc: 'lifetime of issued app JWTs, seconds', default: '`3600`' },
  { name: 'CONSUMER_TOKEN_TTL_SECONDS', doc: 'lifetime of the consumer tokens a brand\'s backend mints for its app (the in-app consumer API), seconds', default: '`900`' },
  { name: 'SESSION_TTL_HOURS', doc: 'lifetime of a person\'s session cookie (absolute, not extended by use), hours', default: '`12`' },
  { name: 'LOGIN_MAX_FAILURES', doc: 'failed sign-ins of one login within `LOGIN_LOCK_MINUTES` that lock it for as long', default: '`5`' },
  { name: 'LOGIN_MAX_FAILURES_PER_ADDRESS', doc: 'failed sign-ins from one client address within `LOGIN_LOCK_MINUTES` that lock it for as long', default: '`50`' },
  { name: 'LOGIN_LOCK_MINUTES', doc: 'the failed sign-in window and lock, minutes', default: '`15`' },
  { name: 'C2M_SECRET_KEY', doc: '32-byte master key (base64 or 64 hex digits) encrypting secrets at rest; required with PostgreSQL', default: 'generated once into `<DATA_DIR>/master.key` with SQLite' },
  { name: 'C2M_DEMO', doc: 'seed the demo brand on the first start with an empty store', default: '`true`' },
  { name: 'LOG_LEVEL', doc: 'pino level: `fatal`…`trace`, or `silent`', default: '`info`' },
  { name: 'CALL_TTL', doc: 'how long after eligibility a call can still be invited, seconds', default: '`86400` (24 hours)' },
  { name: 'RATE_LIMIT', doc: 'requests per brand per C2M endpoint (eligibility, invite) per window; also per consumer per route of the in-app consumer API', default: '`30`' },
  { name: 'RATE_LIMIT_WINDOW', doc: 'the rate limit\'s window, seconds', default: '`1`' },
  { name: 'DELIVERY_WORKER', doc: 'run the outbox and webhook dispatchers in this process (every instance may)', default: '`true`' },
  { name: 'DELIVERY_POLL_MS', doc: 'dispatcher pause when nothing is due, milliseconds', default: '`500`' },
  { name: 'ROUTER_INTERVAL_MS', doc: 'how often each instance moves expired rings on and offers waiting conversations again, milliseconds', default: '`1000`' },
  { name: 'DELIVERY_MAX_ATTEMPTS', doc: 'send attempts before a message is marked failed', default: '`8`' },
  { name: 'DELIVERY_LEASE_SECONDS', doc: 'how long a dispatcher\'s claim holds a message before another may send it (what a crashed instance\'s messages wait), seconds; provider calls are cut to a third of it (10 s at most)', default: '`30`' },
  { name: 'LOOKUP_TIMEOUT_MS', doc: 'longest wait for a Twilio line-type lookup during eligibility before the offline fallback, milliseconds', default: '`1500`' },
  { name: 'LINE_TYPE_CACHE_DAYS', doc: 'how long a looked-up line type is reused, days', default: '`30`' },
  { name: 'REQUEST_TIMEOUT_MS', doc: 'longest time a client may take to send a whole request (headers and body) before it is answered 408 and cut, milliseconds; a connection silent twice as long is closed', default: '`30000`' },
  { name: 'TWILIO_API_URL', doc: 'Twilio Messages API origin (an egress proxy or a test fake may stand in)', default: '`https://api.twilio.com`' },
  { name: 'TWILIO_LOOKUP_URL', doc: 'Twilio Lookup API origin', default: '`https://lookups.twilio.com`' },
  { name: 'WHATSAPP_API_URL', doc: 'Meta Graph API origin (WhatsApp sends and templates)', default: '`https://graph.facebook.com`' },
  { name: 'FCM_API_URL', doc: 'FCM HTTP v1 origin', default: '`https://fcm.googleapis.com`' },
  { name: 'FCM_TOKEN_URL', doc: 'Google OAuth 2.0 token endpoint (full URL) for FCM service accounts', default: '`https://oauth2.googleapis.com/token`' },
  { name: 'PROVIDER_URL_ALLOWLIST', doc: 'comma-separated hosts a brand\'s connection may name instead of the URLs above (`host`, `*.domain`, or `*`), e.g. a Twilio regional edge; loopback, private and link-local addresses are refused whatever it says', default: '`*.twilio.com,graph.facebook.com,*.googleapis.com`' },
  { name: 'WEBHOOK_URL_ALLOWLIST', doc: 'comma-separated hosts (`host` or `*.domain`, not `*`) a brand\'s desk connector URL may name even over plain http or at a loopback, private or link-local address: a desk inside your own network; every other URL must be https to public addresses only', default: 'empty' },
  { name: 'WEBHOOK_MAX_ATTEMPTS', doc: 'attempts of one outbound webhook (desk connector) before it is marked failed and the next event of its conversation is sent; retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, then every 24 h, or after the desk\'s `Retry-After` (at most 1 h)', default: '`10`' },
  { name: 'WEB_DIR', doc: 'folder of the built webtool, served at `/` (`npm start` builds it when missing or stale); `off` serves no pages', default: '`dist/web` in the package' },
  { name: 'LIVE_RETENTION_HOURS', doc: 'how long live events (the agents\' event stream) are kept for clients that reconnect with `Last-Event-ID`, hours; an older id gets `event: reset`', default: '`24`' },
]

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Where scripts/build-web.mjs puts the webtool: the package's own `dist/web`, wherever the process starts. */
const DEFAULT_WEB_DIR = fileURLToPath(new URL('../dist/web', import.meta.url))

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR || './data')
  const parsed = parseDatabase(env.DATABASE_URL, dataDir)
  const poolSize = integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000)
  const database: DatabaseConfig = parsed.dialect === 'postgres' ? { ...parsed, poolSize } : parsed
  const secretKey = env.C2M_SECRET_KEY ? parseSecretKey(env.C2M_SECRET_KEY) : undefined
  if (!secretKey && database.dialect === 'postgres') {
    throw new ConfigError('C2M_SECRET_KEY is required with PostgreSQL: every instance must decrypt the same secrets')
  }
  const logLevel = env.LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    database,
    databaseQueryTimeoutMs: integer(env, 'DATABASE_QUERY_TIMEOUT_MS', 10_000, 0, 600_000),
    dataDir,
    redisUrl: optionalUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    publicUrl: parsePublicUrl(env.PUBLIC_URL),
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    oauthTimestampWindowSeconds: integer(env, 'OAUTH_TIMESTAMP_WINDOW', 600, 1, 86_400),
    appJwtTtlSeconds: integer(env, 'APP_JWT_TTL', 3600, 60, 86_400),
    consumerTokenTtlSeconds: integer(env, 'CONSUMER_TOKEN_TTL_SECONDS', 900, 60, 86_400),
    sessionTtlHours: integer(env, 'SESSION_TTL_HOURS', 12, 1, 720),
    loginMaxFailures: integer(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginMaxFailuresPerAddress: integer(env, 'LOGIN_MAX_FAILURES_PER_ADDRESS', 50, 1, 1_000_000),
    loginLockMinutes: integer(env, 'LOGIN_LOCK_MINUTES', 15, 1, 1440),
    secretKey,
    demo: boolean(env, 'C2M_DEMO', true),
    logLevel,
    callTtlSeconds: integer(env, 'CALL_TTL', 86_400, 60, 30 * 86_400),
    rateLimit: integer(env, 'RATE_LIMIT', 30, 1, 1_000_000),
    rateLimitWindowSeconds: integer(env, 'RATE_LIMIT_WINDOW', 1, 1, 3600),
    deliveryWorker: boolean(env, 'DELIVERY_WORKER', true),
    deliveryPollMs: integer(env, 'DELIVERY_POLL_MS', 500, 10, 60_000),
    routerIntervalMs: integer(env, 'ROUTER_INTERVAL_MS', 1000, 50, 60_000),
    deliveryMaxAttempts: integer(env, 'DELIVERY_MAX_ATTEMPTS', 8, 1, 100),
    deliveryLeaseSeconds: integer(env, 'DELIVERY_LEASE_SECONDS', 30, 3, 3600),
    lookupTimeoutMs: integer(env, 'LOOKUP_TIMEOUT_MS', 1500, 50, 10_000),
    lineTypeCacheDays: integer(env, 'LINE_TYPE_CACHE_DAYS', 30, 0, 365),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    twilioApiUrl: endpointUrl(env, 'TWILIO_API_URL', 'https://api.twilio.com'),
    twilioLookupUrl: endpointUrl(env, 'TWILIO_LOOKUP_URL', 'https://lookups.twilio.com'),
    whatsappApiUrl: endpointUrl(env, 'WHATSAPP_API_URL', 'https://graph.facebook.com'),
    fcmApiUrl: endpointUrl(env, 'FCM_API_URL', 'https://fcm.googleapis.com'),
    fcmTokenUrl: endpointUrl(env, 'FCM_TOKEN_URL', 'https://oauth2.googleapis.com/token'),
    providerUrlAllowlist: hostPatterns(env, 'PROVIDER_URL_ALLOWLIST', ['*.twilio.com', 'graph.facebook.com', '*.googleapis.com']),
    webhookUrlAllowlist: trustedHosts(env, 'WEBHOOK_URL_ALLOWLIST'),
    webhookMaxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 10, 1, 100),
    liveRetentionHours: integer(env, 'LIVE_RETENTION_HOURS', 24, 1, 24 * 30),
    webDir: env.WEB_DIR === 'off' ? undefined : env.WEB_DIR ? path.resolve(env.WEB_DIR) : DEFAULT_WEB_DIR,
  }
}

/**
 * A provider endpoint the operator chose: http or https, any host (the operator may name an
 * egress proxy or a fake on loopback), no query; without a trailing slash, as paths are appended.
 */
function endpointUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]
  if (!raw) return fallback
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must use http or https`)
  if (url.search || url.hash || url.username || url.password) throw new ConfigError(`${name} must be a URL without credentials, query or fragment`)
  return (url.origin + url.pathname).replace(/\/+$/, '')
}

const HOST_PATTERN = /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/

function hostPatterns(env: NodeJS.ProcessEnv, name: string, fallback: string[]): string[] {
  const raw = env[name]
  if (!raw) return fallback
  const patterns = raw.split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean)
  for (const pattern of patterns) {
    if (!HOST_PATTERN.test(pattern)) throw new ConfigError(`${name} lists host names, "*.domain" or "*", got "${pattern}"`)
  }
  return patterns
}

/** Hosts exempted from the public-address rule: named one by one, so `*` (every host, our own network included) is refused. */
function trustedHosts(env: NodeJS.ProcessEnv, name: string): string[] {
  const patterns = hostPatterns(env, name, [])
  if (patterns.includes('*')) throw new ConfigError(`${name} names the hosts to trust one by one ("host" or "*.domain"); "*" would let any brand reach any address`)
  return patterns
}

function parseDatabase(raw: string | undefined, dataDir: string): DatabaseConfig {
  if (!raw) return { dialect: 'sqlite', file: path.join(dataDir, 'c2m.sqlite') }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw)
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL')
    }
    return { dialect: 'postgres', url: raw }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL or a SQLite file path (sqlite:<path>)')
  }
  const file = raw.replace(/^sqlite:/, '')
  if (!file) throw new ConfigError('DATABASE_URL names no SQLite file')
  return { dialect: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) }
}

function parseSecretKey(raw: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64')
  if (key.length !== 32) throw new ConfigError('C2M_SECRET_KEY must be 32 bytes, as base64 or 64 hex digits')
  return key
}

function parsePublicUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('PUBLIC_URL must be an absolute URL such as https://c2m.example.com')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('PUBLIC_URL must use http or https')
  // Only the origin matters: clients sign https://host/api/..., so a path here would be a mistake.
  if (url.pathname !== '/' || url.search) throw new ConfigError('PUBLIC_URL must be an origin without a path, e.g. https://c2m.example.com')
  return url.origin
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`)
  return value
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (/^(true|1|yes)$/i.test(raw)) return true
  if (/^(false|0|no)$/i.test(raw)) return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

function optionalUrl(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name]
  if (!raw) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(`${name} must be a URL`)
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(`${name} must start with ${protocols.map((p) => p + '//').join(' or ')}`)
  return raw
}
