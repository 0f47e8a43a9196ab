import type { DbOrTrx } from '../store/database.ts'

export const ZONES = ['z1', 'z2', 'z3'] as const
export type Zone = (typeof ZONES)[number]

export interface Account {
  id: string
  name: string
  zone: Zone
  createdAt: string
}

export async function insertAccount(db: DbOrTrx, account: Account): Promise<void> {
  await db
    .insertInto('accounts')
    .values({ id: account.id, name: account.name, zone: account.zone, created_at: account.createdAt })
    .execute()
}

export async function findAccount(db: DbOrTrx, id: string): Promise<Account | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst()
  return row && { id: row.id, name: row.name, zone: row.zone as Zone, createdAt: row.created_at }
}

export async function countAccounts(db: DbOrTrx): Promise<number> {
  const row = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}
