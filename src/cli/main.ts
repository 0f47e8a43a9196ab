import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError, loadConfig } from '../config.ts'
import { openRuntime, type Runtime } from '../runtime.ts'
import { serve } from '../server.ts'
import { ZONES } from '../accounts/account.repository.ts'
import { USER_ROLES, type UserRole } from '../accounts/user.repository.ts'
import { ProvisioningError, createAccount, createApiKey, createUser } from '../accounts/provisioning.service.ts'
import { PRIVILEGES, listApiKeys, revokeApiKey } from '../auth/api-key.repository.ts'
import { MigrationError, migrateToLatest } from '../store/migrate.ts'
import { openDatabase } from '../store/database.ts'
import { isoNow } from '../lib/clock.ts'

/** A mistake in how the command was called: one line on stderr, exit code 2. */
class UsageError extends Error {}

const USAGE = `usage: c2m <command>
  serve                                         run the service (what npm start runs)
  migrate                                       bring the store to the latest schema
  account create --id <siteId> --name <name> [--zone z1|z2|z3]
  key create --account <id> --app <appName> --developer <name> [--privilege ivr-engagement|management|reporting]... [--json]
  key list --account <id> [--json]
  key revoke --account <id> --key <appKey>
  user create --account <id> --login <login> --role ${USER_ROLES.join('|')} [--skills a,b] --password-stdin
`

interface Io {
  stdout: (text: string) => void
  stderr: (text: string) => void
  readStdin: () => Promise<string>
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
}

/** Runs one CLI invocation; resolves to the process exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [group, action, ...rest] = argv
  try {
    if (group === undefined || group === '--help' || group === 'help') {
      io.stdout(USAGE)
      return group === undefined ? 2 : 0
    }
    if (group === 'serve') {
      parse([action, ...rest].filter((a) => a !== undefined), {})
      await serve(loadConfig())
      return 0
    }
    if (group === 'migrate') {
      parse([action, ...rest].filter((a) => a !== undefined), {})
      // Not through openRuntime, which migrates silently: the operator is told what was applied.
      const db = openDatabase(loadConfig().database)
      try {
        const applied = await migrateToLatest(db)
        io.stdout(applied.length ? `applied ${applied.join(', ')}\n` : 'store is at the latest schema\n')
        return 0
      } finally {
        await db.destroy()
      }
    }
    const command = COMMANDS[`${group} ${action ?? ''}`]
    if (!command) throw new UsageError(`unknown command "${[group, action].filter(Boolean).join(' ')}"; run c2m --help`)
    return await command(rest, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`c2m: ${error.message}\n`)
      return 2
    }
    if (error instanceof ConfigError || error instanceof ProvisioningError || error instanceof MigrationError) {
      io.stderr(`c2m: ${error.message}\n`)
      return 1
    }
    io.stderr(`c2m: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

type Command = (args: string[], io: Io) => Promise<number>

const COMMANDS: Record<string, Command> = {
  'account create': async (args, io) => {
    const v = parse(args, { id: { type: 'string' }, name: { type: 'string' }, zone: { type: 'string', default: 'z1' } })
    const zone = oneOf(v.zone as string, ZONES, 'zone')
    return withRuntime(async (runtime) => {
      const account = await createAccount(runtime, { id: required(v.id, 'id'), name: required(v.name, 'name'), zone })
      io.stdout(`account ${account.id} (${account.name}, zone ${account.zone}) created with its outbound system user\n`)
    })
  },

  'key create': async (args, io) => {
    const v = parse(args, {
      account: { type: 'string' },
      app: { type: 'string' },
      developer: { type: 'string' },
      privilege: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    })
    const privileges = ((v.privilege as string[] | undefined) ?? ['ivr-engagement']).map((p) => oneOf(p, PRIVILEGES, 'privilege'))
    return withRuntime(async (runtime) => {
      const key = await createApiKey(runtime, { accountId: required(v.account, 'account'), appName: required(v.app, 'app'), developer: required(v.developer, 'developer'), privileges })
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

  'key list': async (args, io) => {
    const v = parse(args, { account: { type: 'string' }, json: { type: 'boolean', default: false } })
    const accountId = required(v.account, 'account')
    return withRuntime(async (runtime) => {
      const keys = await listApiKeys(runtime.db, accountId)
      if (v.json) io.stdout(JSON.stringify(keys) + '\n')
      else if (keys.length === 0) io.stdout(`account ${accountId} has no API keys\n`)
      else {
        for (const key of keys) {
          io.stdout(`${key.appKey}  ${key.revokedAt ? 'revoked' : 'active '}  ${key.privileges.join(',')}  ${key.appName} (${key.developer})  created ${key.createdAt}\n`)
        }
      }
    })
  },

  'key revoke': async (args, io) => {
    const v = parse(args, { account: { type: 'string' }, key: { type: 'string' } })
    const accountId = required(v.account, 'account')
    const appKey = required(v.key, 'key')
    return withRuntime(async (runtime) => {
      if (!(await revokeApiKey(runtime.db, accountId, appKey, isoNow(runtime.clock)))) {
        throw new ProvisioningError(`account ${accountId} has no active key ${appKey}`)
      }
      io.stdout(`key ${appKey} revoked\n`)
    })
  },

  'user create': async (args, io) => {
    const v = parse(args, {
      account: { type: 'string' },
      login: { type: 'string' },
      role: { type: 'string' },
      skills: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
    })
    const role = oneOf(required(v.role, 'role'), USER_ROLES, 'role') as Exclude<UserRole, 'system'>
    if (!v['password-stdin']) throw new UsageError('--password-stdin is required: passwords are never taken from the command line')
    const skills = ((v.skills as string | undefined) ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    const accountId = required(v.account, 'account')
    const login = required(v.login, 'login')
    // Only the first line: `echo secret | c2m user create …` adds a newline that is not part of it.
    const password = (await io.readStdin()).split(/\r?\n/)[0] ?? ''
    return withRuntime(async (runtime) => {
      const user = await createUser(runtime, { accountId, login, role, skills, password })
      io.stdout(`user ${user.login} (${user.role}) created in account ${accountId}\n`)
    })
  },
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): Record<string, unknown> {
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

async function withRuntime(run: (runtime: Runtime) => Promise<void>): Promise<number> {
  const runtime = await openRuntime(loadConfig())
  try {
    await run(runtime)
    return 0
  } finally {
    await runtime.close()
  }
}

