import type { StoreContext } from '../context.ts'
import { type ApiKey, type Privilege, insertApiKey, listApiKeys, revokeApiKey } from '../auth/api-key.repository.ts'
import { listSkills } from '../brand-config/catalog.repository.ts'
import { hashPassword } from '../lib/password.ts'
import { isoNow } from '../lib/clock.ts'
import { type DbOrTrx, inTransaction, isUniqueViolation } from '../store/database.ts'
import { type Account, type Zone, findAccount, insertAccount } from './account.repository.ts'
import { OUTBOUND_SYSTEM_LOGIN, type UserRole, insertUser } from './user.repository.ts'

/** A provisioning request that cannot be carried out; its message is meant for the operator. */
export class ProvisioningError extends Error {
  override name = 'ProvisioningError'
}

/**
 * What provisioning works with. `db` may be an open transaction, so a caller (the demo seed) can
 * make several provisioning steps one unit.
 */
export type Provisioning = Omit<StoreContext, 'db'> & { db: DbOrTrx }

/** Account ids are the brand's site id: digits only. */
export const ACCOUNT_ID_PATTERN = /^\d{1,20}$/

/** Enables the service for a brand: the account and its internal outbound system user, atomically. */
export async function createAccount(services: Provisioning, input: { id: string; name: string; zone: Zone }): Promise<Account> {
  if (!ACCOUNT_ID_PATTERN.test(input.id)) throw new ProvisioningError('account id must be the site id: 1 to 20 digits')
  const name = input.name.trim()
  if (!name || name.length > 200) throw new ProvisioningError('account name must be 1 to 200 characters')
  const account: Account = { id: input.id, name, zone: input.zone, createdAt: isoNow(services.clock) }
  try {
    await inTransaction(services.db, async (trx) => {
      await insertAccount(trx, account)
      await insertUser(
        trx,
        { id: services.ids.uuid(), accountId: account.id, login: OUTBOUND_SYSTEM_LOGIN, role: 'system', skills: [], createdAt: account.createdAt },
        null,
      )
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw new ProvisioningError(`account ${input.id} already exists`)
    throw error
  }
  return account
}

/** The four OAuth values of a key; shown once at creation, stored sealed afterwards. */
export interface IssuedApiKey {
  id: string
  appKey: string
  secret: string
  accessToken: string
  accessTokenSecret: string
  privileges: Privilege[]
}

export async function createApiKey(
  services: Provisioning,
  input: { accountId: string; appName: string; developer: string; privileges: Privilege[] },
): Promise<IssuedApiKey> {
  await requireAccount(services.db, input.accountId)
  const appName = input.appName.trim()
  const developer = input.developer.trim()
  if (!appName || appName.length > 200) throw new ProvisioningError('app name must be 1 to 200 characters')
  if (!developer || developer.length > 200) throw new ProvisioningError('developer name must be 1 to 200 characters')
  const privileges = [...new Set(input.privileges)]
  if (privileges.length === 0) throw new ProvisioningError('a key needs at least one privilege')
  const issued: IssuedApiKey = {
    id: services.ids.uuid(),
    appKey: services.ids.token(16),
    secret: services.ids.token(16),
    accessToken: services.ids.token(16),
    accessTokenSecret: services.ids.token(16),
    privileges,
  }
  await insertApiKey(services.db, {
    id: issued.id,
    accountId: input.accountId,
    appKey: issued.appKey,
    accessToken: issued.accessToken,
    appName,
    developer,
    privileges,
    createdAt: isoNow(services.clock),
    revokedAt: null,
    sealedSecret: services.secrets.seal(issued.secret),
    sealedAccessTokenSecret: services.secrets.seal(issued.accessTokenSecret),
  })
  return issued
}

/** The brand's keys, revoked ones included, without any secret. */
export async function listAccountKeys(services: Provisioning, accountId: string): Promise<ApiKey[]> {
  await requireAccount(services.db, accountId)
  return listApiKeys(services.db, accountId)
}

export async function revokeAccountKey(services: Provisioning, input: { accountId: string; appKey: string }): Promise<void> {
  await requireAccount(services.db, input.accountId)
  if (!(await revokeApiKey(services.db, input.accountId, input.appKey, isoNow(services.clock)))) {
    throw new ProvisioningError(`account ${input.accountId} has no active key ${input.appKey}`)
  }
}

export async function createUser(
  services: Provisioning,
  input: { accountId: string; login: string; role: Exclude<UserRole, 'system'>; skills: string[]; password: string; maxConversations?: number },
): Promise<{ id: string; login: string; role: UserRole; skills: string[] }> {
  await requireAccount(services.db, input.accountId)
  const login = input.login.trim()
  if (!/^[A-Za-z0-9._@+-]{1,100}$/.test(login)) throw new ProvisioningError('login must be 1 to 100 letters, digits or . _ @ + -')
  if (login === OUTBOUND_SYSTEM_LOGIN) throw new ProvisioningError(`login ${login} is reserved for the system user`)
  if (input.password.length < 12) throw new ProvisioningError('password must be at least 12 characters')
  const skills = [...new Set(input.skills)]
  // A user's skills route conversations to them: one the brand does not have would never match.
  const known = new Set((await listSkills(services.db, input.accountId)).map((skill) => skill.name))
  const unknown = skills.filter((skill) => !known.has(skill))
  if (unknown.length > 0) {
    throw new ProvisioningError(`account ${input.accountId} has no skill ${unknown.join(', ')}${known.size ? ` (it has ${[...known].join(', ')})` : ''}`)
  }
  const user = { id: services.ids.uuid(), accountId: input.accountId, login, role: input.role, skills, createdAt: isoNow(services.clock) }
  try {
    await insertUser(services.db, user, await hashPassword(input.password), { maxConversations: input.maxConversations })
  } catch (error) {
    if (isUniqueViolation(error)) throw new ProvisioningError(`user ${login} already exists in account ${input.accountId}`)
    throw error
  }
  return { id: user.id, login, role: user.role, skills: user.skills }
}

async function requireAccount(db: DbOrTrx, accountId: string): Promise<void> {
  if (!(await findAccount(db, accountId))) throw new ProvisioningError(`account ${accountId} does not exist`)
}
