import fs from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
// Only what the store commands need: `serve` imports the app when it runs, so a key command does
// not load Fastify, Swagger UI and the provider SDKs (about a second per command).
import { type Config, ConfigError, loadConfig } from '../config.ts'
import type { StoreContext } from '../context.ts'
import { ZONES } from '../accounts/account.repository.ts'
import { USER_ROLES, type UserRole } from '../accounts/user.repository.ts'
import { ProvisioningError, createAccount, createApiKey, createUser, listAccountKeys, revokeAccountKey } from '../accounts/provisioning.service.ts'
import { PRIVILEGES } from '../auth/api-key.repository.ts'
import { MIGRATIONS, MigrationError, migrateToLatest, pendingMigrations } from '../store/migrate.ts'
import { openDatabase } from '../store/database.ts'
import { systemClock } from '../lib/clock.ts'
import { randomIds } from '../lib/ids.ts'
import { SecretBox, loadOrCreateKeyFile } from '../lib/secret-box.ts'

/** A mistake in how the command was called: one line on stderr, exit code 2. */
class UsageError extends Error {}

/** A command that needs the store, run where there is none (or an unmigrated one): exit code 1. */
class NoStoreError extends Error {}

/** Where a command reads and writes: tests pass their own, the process passes its own. */
export interface Io {
  stdout: (text: string) => void
  stderr: (text: string) => void
  readStdin: () => Promise<string>
  env: NodeJS.ProcessEnv
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
  env: process.env,
}

type Values = Record<string, unknown>

interface Command {
  synopsis: string
  summary: string
  options: NonNullable<ParseArgsConfig['options']>
  run: (values: Values, io: Io) => Promise<number>
}

const COMMANDS: Record<string, Command> = {
  serve: {
    synopsis: '',
    summary: 'run the service; under a process manager or in a container, run `node bin/c2m.js serve` itself (see the README)',
    options: {},
    run: async (_values, io) => {
      const { serve } = await import('../server.ts')
      await serve(loadConfig(io.env))
      return 0
    },
  },

  migrate: {
    synopsis: '',
    summary: 'create the store, or bring it to the latest schema',
    options: {},
    run: async (_values, io) => {
      // Not through openRuntime, which migrates silently: the operator is told what was applied.
      // Opened without the serving query timeout (DATABASE_QUERY_TIMEOUT_MS): a table rebuild may take longer.
      const db = openDatabase(loadConfig(io.env).database)
      try {
        const applied = await migrateToLatest(db)
        io.stdout(applied.length ? `applied ${applied.join(', ')}\n` : 'store is at the latest schema\n')
        return 0
      } finally {
        await db.destroy()
      }
    },
  },

  'account create': {
    synopsis: '--id <siteId> --name <name> [--zone z1|z2|z3]',
    summary: 'enable the service for a brand (its account id is its site id)',
    options: { id: { type: 'string' }, name: { type: 'string' }, zone: { type: 'string', default: 'z1' } },
    run: async (v, io) => {
      const zone = oneOf(v.zone as string, ZONES, 'zone')
      const input = { id: required(v.id, 'id'), name: required(v.name, 'name'), zone }
      return withStore(io, async (services) => {
        const account = await createAccount(services, input)
        io.stdout(`account ${account.id} (${account.name}, zone ${account.zone}) created with its outbound system user\n`)
      })
    },
  },

  'key create': {
    synopsis: `--account <id> --app <appName> --developer <name> [--privilege ${PRIVILEGES.join('|')}]... [--json]`,
    summary: 'issue an API key (default privilege ivr-engagement); its four OAuth values are shown only now',
    options: {
      account: { type: 'string' },
      app: { type: 'string' },
      developer: { type: 'string' },
      privilege: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
    run: async (v, io) => {
      const privileges = ((v.privilege as string[] | undefined) ?? ['ivr-engagement']).map((p) => oneOf(p, PRIVILEGES, 'privilege'))
      const input = { accountId: required(v.account, 'account'), appName: required(v.app, 'app'), developer: required(v.developer, 'developer'), privileges }
      return withStore(io, async (services) => {
        const key = await createApiKey(services, input)
        if (v.json) io.stdout(JSON.stringify(key) + '\n')
        else {
          io.stdout(
            [
              `API key ${key.id} (privileges: ${key.privileges.join(', ')}); the secrets are shown only now:`,
              `  appKey            ${key.appKey}`,
              `  secret            ${key.secret}`,
              `  accessToken       ${key.accessToken}`,
              `  accessTokenSecret ${key.accessTokenSecret}`,
              '',
            ].join('\n'),
          )
        }
      })
    },
  },

  'key list': {
    synopsis: '--account <id> [--json]',
    summary: "list a brand's API keys, revoked ones included, without their secrets",
    options: { account: { type: 'string' }, json: { type: 'boolean', default: false } },
    run: async (v, io) => {
      const accountId = required(v.account, 'account')
      return withStore(io, async (services) => {
        const keys = await listAccountKeys(services, accountId)
        if (v.json) io.stdout(JSON.stringify(keys) + '\n')
        else if (keys.length === 0) io.stdout(`account ${accountId} has no API keys\n`)
        else {
          for (const key of keys) {
            io.stdout(`${key.appKey}  ${key.revokedAt ? 'revoked' : 'active '}  ${key.privileges.join(',')}  ${key.appName} (${key.developer})  created ${key.createdAt}\n`)
          }
        }
      })
    },
  },

  'key revoke': {
    synopsis: '--account <id> --key <appKey>',
    summary: 'revoke an API key at once; a lost key is replaced by revoking it and creating another',
    options: { account: { type: 'string' }, key: { type: 'string' } },
    run: async (v, io) => {
      const input = { accountId: required(v.account, 'account'), appKey: required(v.key, 'key') }
      return withStore(io, async (services) => {
        await revokeAccountKey(services, input)
        io.stdout(`key ${input.appKey} revoked\n`)
      })
    },
  },

  'user create': {
    synopsis: `--account <id> --login <login> --role ${USER_ROLES.join('|')} [--skills a,b] --password-stdin`,
    summary: "create a user; the password is read from stdin, the skills must be the brand's",
    options: {
      account: { type: 'string' },
      login: { type: 'string' },
      role: { type: 'string' },
      skills: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
    },
    run: async (v, io) => {
      const role = oneOf(required(v.role, 'role'), USER_ROLES, 'role') as Exclude<UserRole, 'system'>
      if (!v['password-stdin']) throw new UsageError('--password-stdin is required: passwords are never taken from the command line')
      const skills = ((v.skills as string | undefined) ?? '').split(',').map((s) => s.trim()).filter(Boolean)
      const accountId = required(v.account, 'account')
      const login = required(v.login, 'login')
      // Only the first line: `echo secret | c2m user create …` adds a newline that is not part of it.
      const password = (await io.readStdin()).split(/\r?\n/)[0] ?? ''
      return withStore(io, async (services) => {
        const user = await createUser(services, { accountId, login, role, skills, password })
        io.stdout(`user ${user.login} (${user.role}) created in account ${accountId}\n`)
      })
    },
  },
}

/** The usage of every command whose name is `prefix` or starts with it (all of them without one). */
function usage(prefix?: string): string {
  const names = Object.keys(COMMANDS).filter((name) => prefix === undefined || name === prefix || name.startsWith(prefix + ' '))
  const lines = names.flatMap((name) => {
    const command = COMMANDS[name]!
    return [`  c2m ${name}${command.synopsis ? ' ' + command.synopsis : ''}`, `      ${command.summary}`]
  })
  return ['usage:', ...lines, ''].join('\n')
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h'

/** Runs one CLI invocation; resolves to the process exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const [group, action] = argv
    if (group === undefined || isHelp(group) || group === 'help') {
      io.stdout(usage())
      return group === undefined ? 2 : 0
    }
    const name = Object.hasOwn(COMMANDS, group) ? group : `${group} ${action ?? ''}`.trim()
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
    const isGroup = Object.keys(COMMANDS).some((known) => known.startsWith(group + ' '))
    if (!command && isGroup && (action === undefined || isHelp(action))) {
      // `c2m key` or `c2m key --help`: what the group offers.
      io.stdout(usage(group))
      return action === undefined ? 2 : 0
    }
    if (!command) throw new UsageError(`unknown command "${[group, action].filter(Boolean).join(' ')}"; run c2m --help`)
    const args = argv.slice(name.split(' ').length)
    if (args.some(isHelp)) {
      io.stdout(usage(name))
      return 0
    }
    return await command.run(parse(args, command.options), io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`c2m: ${error.message}\n`)
      return 2
    }
    if (error instanceof ConfigError || error instanceof ProvisioningError || error instanceof MigrationError || error instanceof NoStoreError) {
      io.stderr(`c2m: ${error.message}\n`)
      return 1
    }
    io.stderr(`c2m: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): Values {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments')
  }
}

function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`)
  return value
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`)
  return value as T
}

/**
 * Runs `work` over the configured store, which must exist at this version's schema: a command
 * pointed at the wrong DATA_DIR or DATABASE_URL must say so, not create an empty store there
 * (only `serve` and `migrate` create or upgrade one).
 */
async function withStore(io: Io, work: (services: StoreContext) => Promise<void>): Promise<number> {
  const config = loadConfig(io.env)
  const where = describeStore(config)
  if (config.database.dialect === 'sqlite' && !fs.existsSync(config.database.file)) {
    throw new NoStoreError(`no store at ${where}: check DATA_DIR / DATABASE_URL, or create it with c2m migrate`)
  }
  const db = openDatabase(config.database)
  try {
    const pending = await pendingMigrations(db)
    if (pending.length === Object.keys(MIGRATIONS).length) {
      throw new NoStoreError(`the store at ${where} has no schema: check DATA_DIR / DATABASE_URL, or create it with c2m migrate`)
    }
    if (pending.length > 0) throw new NoStoreError(`the store at ${where} lacks migrations ${pending.join(', ')}: run c2m migrate first`)
    const secrets = new SecretBox(config.secretKey ?? loadOrCreateKeyFile(config.dataDir))
    await work({ db, clock: systemClock, ids: randomIds, secrets })
    return 0
  } finally {
    await db.destroy()
  }
}

/** The store as an operator recognises it, without the password a PostgreSQL URL may carry. */
function describeStore(config: Config): string {
  if (config.database.dialect === 'sqlite') return config.database.file
  const url = new URL(config.database.url)
  return `postgres://${url.host}${url.pathname}`
}
