import type { DbOrTrx } from '../store/database.ts'
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

export async function insertUser(db: DbOrTrx, user: User, passwordHash: string | null): Promise<void> {
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
    })
    .execute()
}

export async function findUserByLogin(db: DbOrTrx, accountId: string, login: string): Promise<(User & { passwordHash: string | null }) | undefined> {
  const row = await db.selectFrom('users').selectAll().where('account_id', '=', accountId).where('login', '=', login).executeTakeFirst()
  return (
    row && {
      id: row.id,
      accountId: row.account_id,
      login: row.login,
      role: row.role as UserRole,
      skills: JSON.parse(row.skills) as string[],
      createdAt: row.created_at,
      passwordHash: row.password_hash,
    }
  )
}

// Prepared: every eligibility asks.
const selectOutboundSystemUser = preparedQuery((db, v: { accountId: string }) =>
  db.selectFrom('users').select('id').where('account_id', '=', v.accountId).where('role', '=', 'system').where('login', '=', OUTBOUND_SYSTEM_LOGIN),
)

export async function hasOutboundSystemUser(db: DbOrTrx, accountId: string): Promise<boolean> {
  return (await selectOutboundSystemUser(db, { accountId })).rows.length > 0
}
