import type { Selectable } from 'kysely'
import type { DbOrTrx } from '../store/database.ts'
import type { UserTable } from '../store/schema.ts'
import { preparedQuery } from '../store/prepared-query.ts'

/** Roles of the webtool's permission tables, plus the brand's internal outbound system user. */
export const USER_ROLES = ['admin', 'campaign-manager', 'lpa', 'agent', 'agent-manager'] as const
export type UserRole = (typeof USER_ROLES)[number] | 'system'

/** Login of the internal user that sends a brand's outbound messages (C2M error 1200 when absent). */
export const OUTBOUND_SYSTEM_LOGIN = 'c2m-outbound-user'

export interface User {
  id: string
  accountId: string
  login: string
  role: UserRole
  skills: string[]
  createdAt: string
}

export async function insertUser(db: DbOrTrx, user: User, passwordHash: string | null, agent: { maxConversations?: number } = {}): Promise<void> {
  await db
    .insertInto('users')
    .values({
      id: user.id,
      account_id: user.accountId,
      login: user.login,
      role: user.role,
      skills: JSON.stringify(user.skills),
      password_hash: passwordHash,
      created_at: user.createdAt,
      ...(agent.maxConversations !== undefined ? { max_conversations: agent.maxConversations } : {}),
    })
    .execute()
}

export async function findUserByLogin(db: DbOrTrx, accountId: string, login: string): Promise<(User & { passwordHash: string | null }) | undefined> {
  const row = await db.selectFrom('users').selectAll().where('account_id', '=', accountId).where('login', '=', login).executeTakeFirst()
  return row && { ...toUser(row), passwordHash: row.password_hash }
}

/** A person who signs in: the user with the columns sessions and the users API need. */
export interface Person extends User {
  maxConversations: number
  status: string
  sessionVersion: number
  disabledAt: string | null
  welcomedAt: string | null
  updatedAt: string | null
}

function toUser(row: Selectable<UserTable>): User {
  return { id: row.id, accountId: row.account_id, login: row.login, role: row.role as UserRole, skills: JSON.parse(row.skills) as string[], createdAt: row.created_at }
}

function toPerson(row: Selectable<UserTable>): Person {
  return {
    ...toUser(row),
    maxConversations: row.max_conversations,
    status: row.status,
    sessionVersion: row.session_version,
    disabledAt: row.disabled_at,
    welcomedAt: row.welcomed_at,
    updatedAt: row.updated_at,
  }
}

// Prepared: every cookie-authenticated request re-reads its user.
const selectPersonById = preparedQuery((db, v: { id: string }) => db.selectFrom('users').selectAll().where('id', '=', v.id).where('role', '!=', 'system'))

/** A person by id, of any brand (the caller compares the brand); never the system user. */
export async function findPersonById(db: DbOrTrx, id: string): Promise<(Person & { passwordHash: string | null }) | undefined> {
  const [row] = (await selectPersonById(db, { id })).rows
  return row && { ...toPerson(row), passwordHash: row.password_hash }
}

export async function listPeople(db: DbOrTrx, accountId: string, page: number, pageSize: number): Promise<{ items: Person[]; total: number }> {
  const base = db.selectFrom('users').where('account_id', '=', accountId).where('role', '!=', 'system')
  const rows = await base.selectAll().orderBy('login').orderBy('id').limit(pageSize).offset((page - 1) * pageSize).execute()
  const { total } = await base.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow()
  return { items: rows.map(toPerson), total: Number(total) }
}

/** Enabled admins of the brand (the last one may not be demoted or disabled). */
export async function countEnabledAdmins(db: DbOrTrx, accountId: string): Promise<number> {
  const { total } = await db
    .selectFrom('users')
    .where('account_id', '=', accountId)
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .select((eb) => eb.fn.countAll<number | string>().as('total'))
    .executeTakeFirstOrThrow()
  return Number(total)
}

/** What an update may change; `endSessions` raises `session_version` in the same statement. */
export interface PersonUpdate {
  role?: UserRole
  skills?: string[]
  maxConversations?: number
  disabledAt?: string | null
  passwordHash?: string
  welcomedAt?: string
  endSessions?: boolean
}

export async function updatePerson(db: DbOrTrx, accountId: string, id: string, update: PersonUpdate, at: string): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set((eb) => ({
      updated_at: at,
      ...(update.role !== undefined ? { role: update.role } : {}),
      ...(update.skills !== undefined ? { skills: JSON.stringify(update.skills) } : {}),
      ...(update.maxConversations !== undefined ? { max_conversations: update.maxConversations } : {}),
      ...(update.disabledAt !== undefined ? { disabled_at: update.disabledAt } : {}),
      ...(update.passwordHash !== undefined ? { password_hash: update.passwordHash } : {}),
      ...(update.welcomedAt !== undefined ? { welcomed_at: update.welcomedAt } : {}),
      ...(update.endSessions ? { session_version: eb('session_version', '+', 1) } : {}),
    }))
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('role', '!=', 'system')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

// Prepared: every eligibility asks.
const selectOutboundSystemUser = preparedQuery((db, v: { accountId: string }) =>
  db.selectFrom('users').select('id').where('account_id', '=', v.accountId).where('role', '=', 'system').where('login', '=', OUTBOUND_SYSTEM_LOGIN),
)

export async function hasOutboundSystemUser(db: DbOrTrx, accountId: string): Promise<boolean> {
  return (await selectOutboundSystemUser(db, { accountId })).rows.length > 0
}
