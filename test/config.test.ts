import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, test } from 'node:test'
import { ConfigError, VARIABLES, loadConfig } from '../src/config.ts'
import { providerTimeoutFor } from '../src/channels/http-errors.ts'

const HEX_KEY = 'ab'.repeat(32)
const BASE64_KEY = Buffer.alloc(32, 9).toString('base64')
const PG_URL = 'postgres://c2m:pw@db.internal:5432/c2m'

/** Asserts loadConfig rejects `env` with a ConfigError whose message names `variable`. */
function rejects(env: NodeJS.ProcessEnv, variable: string): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`)
      assert.ok(error.message.includes(variable), `"${error.message}" should name ${variable}`)
      return true
    },
  )
}

describe('loadConfig', () => {
  test('defaults: port 8080, a SQLite file under ./data, demo on', () => {
    const config = loadConfig({})
    assert.equal(config.port, 8080)
    assert.equal(config.host, '0.0.0.0')
    assert.equal(config.dataDir, path.resolve('data'))
    assert.deepEqual(config.database, { dialect: 'sqlite', file: path.resolve('data', 'c2m.sqlite') })
    assert.equal(config.demo, true)
    assert.equal(config.trustProxy, false)
    assert.equal(config.publicUrl, undefined)
    assert.equal(config.redisUrl, undefined)
    assert.equal(config.secretKey, undefined)
    assert.equal(config.oauthTimestampWindowSeconds, 600)
    assert.equal(config.appJwtTtlSeconds, 3600)
    assert.equal(config.logLevel, 'info')
  })

  test('empty values count as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', C2M_DEMO: '', LOG_LEVEL: '', PUBLIC_URL: '', C2M_SECRET_KEY: '' })
    assert.equal(config.port, 8080)
    assert.equal(config.database.dialect, 'sqlite')
    assert.equal(config.demo, true)
  })

  test('DATA_DIR moves the SQLite file', () => {
    const config = loadConfig({ DATA_DIR: '/var/lib/c2m' })
    assert.equal(config.dataDir, '/var/lib/c2m')
    assert.deepEqual(config.database, { dialect: 'sqlite', file: '/var/lib/c2m/c2m.sqlite' })
  })

  test('a postgres DATABASE_URL selects PostgreSQL and then requires C2M_SECRET_KEY', () => {
    rejects({ DATABASE_URL: PG_URL }, 'C2M_SECRET_KEY')
    const config = loadConfig({ DATABASE_URL: PG_URL, C2M_SECRET_KEY: HEX_KEY })
    assert.deepEqual(config.database, { dialect: 'postgres', url: PG_URL, poolSize: 10 })
    const alias = loadConfig({ DATABASE_URL: 'postgresql://localhost/c2m', C2M_SECRET_KEY: HEX_KEY })
    assert.equal(alias.database.dialect, 'postgres')
  })

  test('DATABASE_POOL_SIZE sizes the PostgreSQL pool: a whole number from 1 to 1000, 10 by default', () => {
    const pool = (size: string) => loadConfig({ DATABASE_URL: PG_URL, C2M_SECRET_KEY: HEX_KEY, DATABASE_POOL_SIZE: size }).database
    assert.deepEqual(pool('25'), { dialect: 'postgres', url: PG_URL, poolSize: 25 })
    assert.deepEqual(pool('1'), { dialect: 'postgres', url: PG_URL, poolSize: 1 })
    for (const size of ['0', '1001', '2.5', 'ten']) rejects({ DATABASE_URL: PG_URL, C2M_SECRET_KEY: HEX_KEY, DATABASE_POOL_SIZE: size }, 'DATABASE_POOL_SIZE')
    // Validated with SQLite too, so a typo shows before a move to PostgreSQL.
    rejects({ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE')
    assert.deepEqual(loadConfig({ DATABASE_POOL_SIZE: '25' }).database.dialect, 'sqlite')
  })

  test('DATABASE_QUERY_TIMEOUT_MS: a whole number of milliseconds up to 600000, 0 for none, 10000 by default', () => {
    assert.equal(loadConfig({}).databaseQueryTimeoutMs, 10_000)
    assert.equal(loadConfig({ DATABASE_QUERY_TIMEOUT_MS: '2500' }).databaseQueryTimeoutMs, 2_500)
    assert.equal(loadConfig({ DATABASE_QUERY_TIMEOUT_MS: '0' }).databaseQueryTimeoutMs, 0)
    for (const value of ['600001', '-1', '1.5', 'ten']) rejects({ DATABASE_QUERY_TIMEOUT_MS: value }, 'DATABASE_QUERY_TIMEOUT_MS')
  })

  test('a malformed postgres URL names DATABASE_URL', () => {
    rejects({ DATABASE_URL: 'postgres://[not-a-host', C2M_SECRET_KEY: HEX_KEY }, 'DATABASE_URL')
  })

  test('sqlite: paths and plain file paths select SQLite', () => {
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:/srv/c2m/store.db' }).database, { dialect: 'sqlite', file: '/srv/c2m/store.db' })
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:relative/store.db' }).database, { dialect: 'sqlite', file: path.resolve('relative/store.db') })
    assert.deepEqual(loadConfig({ DATABASE_URL: '/srv/c2m/plain.db' }).database, { dialect: 'sqlite', file: '/srv/c2m/plain.db' })
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database, { dialect: 'sqlite', file: ':memory:' })
    rejects({ DATABASE_URL: 'sqlite:' }, 'DATABASE_URL')
  })

  test('a DATABASE_URL of another scheme is rejected', () => {
    rejects({ DATABASE_URL: 'http://db.internal/c2m' }, 'DATABASE_URL')
    rejects({ DATABASE_URL: 'mysql://db.internal/c2m' }, 'DATABASE_URL')
  })

  test('PORT must be a whole number in range', () => {
    assert.equal(loadConfig({ PORT: '3000' }).port, 3000)
    assert.equal(loadConfig({ PORT: '0' }).port, 0)
    rejects({ PORT: 'abc' }, 'PORT')
    rejects({ PORT: '80.5' }, 'PORT')
    rejects({ PORT: '-1' }, 'PORT')
    rejects({ PORT: '65536' }, 'PORT')
  })

  test('other integers are range-checked too', () => {
    assert.equal(loadConfig({ OAUTH_TIMESTAMP_WINDOW: '300' }).oauthTimestampWindowSeconds, 300)
    rejects({ OAUTH_TIMESTAMP_WINDOW: '0' }, 'OAUTH_TIMESTAMP_WINDOW')
    assert.equal(loadConfig({ APP_JWT_TTL: '900' }).appJwtTtlSeconds, 900)
    rejects({ APP_JWT_TTL: '10' }, 'APP_JWT_TTL')
  })

  test('DELIVERY_LEASE_SECONDS is a whole number of seconds from 3 to 3600, 30 by default', () => {
    assert.equal(loadConfig({}).deliveryLeaseSeconds, 30)
    assert.equal(loadConfig({ DELIVERY_LEASE_SECONDS: '3' }).deliveryLeaseSeconds, 3)
    assert.equal(loadConfig({ DELIVERY_LEASE_SECONDS: '3600' }).deliveryLeaseSeconds, 3600)
    rejects({ DELIVERY_LEASE_SECONDS: '2' }, 'DELIVERY_LEASE_SECONDS')
    rejects({ DELIVERY_LEASE_SECONDS: '3601' }, 'DELIVERY_LEASE_SECONDS')
    rejects({ DELIVERY_LEASE_SECONDS: '1.5' }, 'DELIVERY_LEASE_SECONDS')
    rejects({ DELIVERY_LEASE_SECONDS: '30s' }, 'DELIVERY_LEASE_SECONDS')
    // Provider calls end inside the lease: a third of it, 10 s at most.
    assert.deepEqual([3, 12, 30, 3600].map(providerTimeoutFor), [1000, 4000, 10_000, 10_000])
  })

  test('booleans accept true/false, 1/0, yes/no and nothing else', () => {
    assert.equal(loadConfig({ C2M_DEMO: 'false' }).demo, false)
    assert.equal(loadConfig({ C2M_DEMO: 'NO' }).demo, false)
    assert.equal(loadConfig({ C2M_DEMO: '0' }).demo, false)
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
    assert.equal(loadConfig({ TRUST_PROXY: 'Yes' }).trustProxy, true)
    rejects({ C2M_DEMO: 'maybe' }, 'C2M_DEMO')
    rejects({ TRUST_PROXY: 'on' }, 'TRUST_PROXY')
  })

  test('PUBLIC_URL must be an http(s) origin without a path', () => {
    assert.equal(loadConfig({ PUBLIC_URL: 'https://c2m.example.com' }).publicUrl, 'https://c2m.example.com')
    assert.equal(loadConfig({ PUBLIC_URL: 'https://c2m.example.com/' }).publicUrl, 'https://c2m.example.com')
    assert.equal(loadConfig({ PUBLIC_URL: 'http://localhost:8080' }).publicUrl, 'http://localhost:8080')
    rejects({ PUBLIC_URL: 'https://c2m.example.com/api' }, 'PUBLIC_URL')
    rejects({ PUBLIC_URL: 'https://c2m.example.com/?v=2.0' }, 'PUBLIC_URL')
    rejects({ PUBLIC_URL: 'c2m.example.com' }, 'PUBLIC_URL')
    rejects({ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL')
    rejects({ PUBLIC_URL: 'ftp://c2m.example.com' }, 'PUBLIC_URL')
  })

  test('REDIS_URL must be a redis URL', () => {
    assert.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl, 'redis://127.0.0.1:6379')
    assert.equal(loadConfig({ REDIS_URL: 'rediss://cache.internal:6380' }).redisUrl, 'rediss://cache.internal:6380')
    rejects({ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL')
    rejects({ REDIS_URL: 'nonsense' }, 'REDIS_URL')
  })

  test('LOG_LEVEL must be a pino level', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) assert.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level)
    rejects({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL')
    rejects({ LOG_LEVEL: 'INFO' }, 'LOG_LEVEL')
  })

  test('C2M_SECRET_KEY is 32 bytes as 64 hex digits or base64', () => {
    assert.deepEqual(loadConfig({ C2M_SECRET_KEY: HEX_KEY }).secretKey, Buffer.alloc(32, 0xab))
    assert.deepEqual(loadConfig({ C2M_SECRET_KEY: HEX_KEY.toUpperCase() }).secretKey, Buffer.alloc(32, 0xab))
    assert.deepEqual(loadConfig({ C2M_SECRET_KEY: BASE64_KEY }).secretKey, Buffer.alloc(32, 9))
    rejects({ C2M_SECRET_KEY: 'ab'.repeat(16) }, 'C2M_SECRET_KEY')
    rejects({ C2M_SECRET_KEY: Buffer.alloc(31).toString('base64') }, 'C2M_SECRET_KEY')
    rejects({ C2M_SECRET_KEY: Buffer.alloc(33).toString('base64') }, 'C2M_SECRET_KEY')
    rejects({ C2M_SECRET_KEY: 'short' }, 'C2M_SECRET_KEY')
  })

  test('provider endpoints default to the real providers; the operator may name any http(s) URL, loopback included', () => {
    const defaults = loadConfig({})
    assert.deepEqual(
      [defaults.twilioApiUrl, defaults.twilioLookupUrl, defaults.whatsappApiUrl, defaults.fcmApiUrl, defaults.fcmTokenUrl],
      ['https://api.twilio.com', 'https://lookups.twilio.com', 'https://graph.facebook.com', 'https://fcm.googleapis.com', 'https://oauth2.googleapis.com/token'],
    )
    assert.equal(loadConfig({ TWILIO_API_URL: 'http://127.0.0.1:4010/' }).twilioApiUrl, 'http://127.0.0.1:4010')
    assert.equal(loadConfig({ WHATSAPP_API_URL: 'https://egress.internal/meta/' }).whatsappApiUrl, 'https://egress.internal/meta')
    assert.equal(loadConfig({ FCM_TOKEN_URL: 'https://oauth2-private.p.googleapis.com/token' }).fcmTokenUrl, 'https://oauth2-private.p.googleapis.com/token')
    for (const name of ['TWILIO_API_URL', 'TWILIO_LOOKUP_URL', 'WHATSAPP_API_URL', 'FCM_API_URL', 'FCM_TOKEN_URL']) {
      rejects({ [name]: 'api.twilio.com' }, name)
      rejects({ [name]: 'ftp://api.twilio.com' }, name)
      rejects({ [name]: 'https://api.twilio.com/?x=1' }, name)
      rejects({ [name]: 'https://user:pw@api.twilio.com' }, name)
    }
  })

  test('PROVIDER_URL_ALLOWLIST lists host names, *.domain or *', () => {
    assert.deepEqual(loadConfig({}).providerUrlAllowlist, ['*.twilio.com', 'graph.facebook.com', '*.googleapis.com'])
    assert.deepEqual(loadConfig({ PROVIDER_URL_ALLOWLIST: ' API.Twilio.com , *.googleapis.com,' }).providerUrlAllowlist, ['api.twilio.com', '*.googleapis.com'])
    assert.deepEqual(loadConfig({ PROVIDER_URL_ALLOWLIST: '*' }).providerUrlAllowlist, ['*'])
    for (const bad of ['https://api.twilio.com', 'api.twilio.com:443', 'twilio.*', '*twilio.com', 'a..b']) rejects({ PROVIDER_URL_ALLOWLIST: bad }, 'PROVIDER_URL_ALLOWLIST')
  })

  test('every variable read is documented with a default', () => {
    const names = VARIABLES.map((v) => v.name)
    for (const name of ['PORT', 'HOST', 'DATABASE_URL', 'DATA_DIR', 'REDIS_URL', 'PUBLIC_URL', 'TRUST_PROXY', 'OAUTH_TIMESTAMP_WINDOW', 'APP_JWT_TTL', 'C2M_SECRET_KEY', 'C2M_DEMO', 'LOG_LEVEL']) {
      assert.ok(names.includes(name), `${name} is documented`)
    }
    for (const variable of VARIABLES) {
      assert.ok(variable.doc.length > 0)
      assert.ok(variable.default.length > 0)
    }
  })
})
