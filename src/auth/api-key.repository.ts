import type { Selectable } from 'kysely'
import type { DbOrTrx } from '../store/database.ts'
import { preparedQuery } from '../store/prepared-query.ts'
import type { ApiKeyTable } from '../store/schema.ts'

export const PRIVILEGES = ['ivr-engagement', 'management', 'reporting', 'conversations'] as const
export type Privilege = (typeof PRIVILEGES)[number]

/** An API key as listed: never its secrets. */
export interface ApiKey {
  id: string
  accountId: string
  appKey: string
  accessToken: string
  appName: string
  developer: string
  privileges: Privilege[]
  createdAt: string
  revokedAt: string | null
}

/** The stored row with its two secrets still sealed. */
export interface SealedApiKey extends ApiKey {
  sealedSecret: string
  sealedAccessTokenSecret: string
}

function toSealedApiKey(row: Selectable<ApiKeyTable>): SealedApiKey {
  return {
    id: row.id,
    accountId: row.account_id,
    appKey: row.app_key,
    accessToken: row.access_token,
    appName: row.app_name,
    developer: row.developer,
    privileges: JSON.parse(row.privileges) as Privilege[],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    sealedSecret: row.secret,
    sealedAccessTokenSecret: row.access_token_secret,
  }
}

export async function insertApiKey(db: DbOrTrx, key: SealedApiKey): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      account_id: key.accountId,
      app_key: key.appKey,
      secret: key.sealedSecret,
      access_token: key.accessToken,
      access_token_secret: key.sealedAccessTokenSecret,
      app_name: key.appName,
      developer: key.developer,
      privileges: JSON.stringify(key.privileges),
      created_at: key.createdAt,
      revoked_at: key.revokedAt,
    })
    .execute()
}

// Prepared: every OAuth-signed request looks its key up.
const selectByAppKey = preparedQuery((db, v: { appKey: string }) => db.selectFrom('api_keys').selectAll().where('app_key', '=', v.appKey))

export async function findApiKeyByAppKey(db: DbOrTrx, appKey: string): Promise<SealedApiKey | undefined> {
  const [row] = (await selectByAppKey(db, { appKey })).rows
  return row && toSealedApiKey(row)
}

export async function findApiKeyById(db: DbOrTrx, id: string): Promise<SealedApiKey | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toSealedApiKey(row)
}

export async function listApiKeys(db: DbOrTrx, accountId: string): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute()
  return rows.map((row) => {
    const { sealedSecret: _s, sealedAccessTokenSecret: _t, ...key } = toSealedApiKey(row)
    return key
  })
}

/** Marks the key revoked; false when the brand has no such key or it was already revoked. */
export async function revokeApiKey(db: DbOrTrx, accountId: string, appKey: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('account_id', '=', accountId)
    .where('app_key', '=', appKey)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
