import type { SecretBox } from '../../lib/secret-box.ts'
import type { DbOrTrx } from '../../store/database.ts'
import type { Connections, Provider } from './connection.ts'

export interface StoredConnection<P extends Provider> {
  config: Connections[P]
  updatedAt: string
}

/** A connection as listed: since when it exists (a new token keeps `createdAt`; a reconnection after a disconnect does not). */
export interface ListedConnection<P extends Provider = Provider> extends StoredConnection<P> {
  provider: P
  createdAt: string
}

export async function findConnection<P extends Provider>(db: DbOrTrx, secrets: SecretBox, accountId: string, provider: P): Promise<StoredConnection<P> | undefined> {
  const row = await db.selectFrom('channel_connections').select(['config', 'updated_at']).where('account_id', '=', accountId).where('provider', '=', provider).executeTakeFirst()
  return row && { config: JSON.parse(secrets.open(row.config)) as Connections[P], updatedAt: row.updated_at }
}

/** Every connection of the brand, opened. */
export async function listConnections(db: DbOrTrx, secrets: SecretBox, accountId: string): Promise<ListedConnection[]> {
  const rows = await db.selectFrom('channel_connections').select(['provider', 'config', 'created_at', 'updated_at']).where('account_id', '=', accountId).execute()
  return rows.map((row) => ({
    provider: row.provider as Provider,
    config: JSON.parse(secrets.open(row.config)) as Connections[Provider],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }))
}

export async function hasConnection(db: DbOrTrx, accountId: string, provider: Provider): Promise<boolean> {
  const row = await db.selectFrom('channel_connections').select('provider').where('account_id', '=', accountId).where('provider', '=', provider).executeTakeFirst()
  return row !== undefined
}

export async function saveConnection<P extends Provider>(db: DbOrTrx, secrets: SecretBox, accountId: string, provider: P, config: Connections[P], at: string): Promise<void> {
  const sealed = secrets.seal(JSON.stringify(config))
  await db
    .insertInto('channel_connections')
    .values({ account_id: accountId, provider, config: sealed, created_at: at, updated_at: at })
    .onConflict((oc) => oc.columns(['account_id', 'provider']).doUpdateSet({ config: sealed, updated_at: at }))
    .execute()
}

export async function deleteConnection(db: DbOrTrx, accountId: string, provider: Provider): Promise<boolean> {
  const result = await db.deleteFrom('channel_connections').where('account_id', '=', accountId).where('provider', '=', provider).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
