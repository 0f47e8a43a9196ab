import type { DbOrTrx } from '../store/database.ts'

/** A consumer's app installation that can receive in-app messages (a push token per app). */
export interface Device {
  consumerId: string
  appId: string
  platform: 'ios' | 'android'
  pushToken: string
  createdAt: string
  updatedAt: string
}

/** Registers the device, or refreshes it when the same token registers again. */
export async function upsertDevice(db: DbOrTrx, accountId: string, device: Device): Promise<void> {
  await db
    .insertInto('devices')
    .values({
      account_id: accountId,
      consumer_id: device.consumerId,
      app_id: device.appId,
      platform: device.platform,
      push_token: device.pushToken,
      created_at: device.createdAt,
      updated_at: device.updatedAt,
    })
    .onConflict((oc) => oc.columns(['account_id', 'consumer_id', 'app_id', 'push_token']).doUpdateSet({ platform: device.platform, updated_at: device.updatedAt }))
    .execute()
}

/**
 * Removes the device as it was read: a registration refreshed since (the app registered the same
 * token again) is kept. Whether a row went.
 */
export async function removeDevice(db: DbOrTrx, accountId: string, device: Device): Promise<boolean> {
  const result = await db
    .deleteFrom('devices')
    .where('account_id', '=', accountId)
    .where('consumer_id', '=', device.consumerId)
    .where('app_id', '=', device.appId)
    .where('push_token', '=', device.pushToken)
    .where('updated_at', '<=', device.updatedAt)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** Of the given apps, those on which the consumer has at least one registered device. */
export async function appsWithDevice(db: DbOrTrx, accountId: string, consumerId: string, appIds: string[]): Promise<string[]> {
  if (appIds.length === 0) return []
  const rows = await db
    .selectFrom('devices')
    .select('app_id')
    .distinct()
    .where('account_id', '=', accountId)
    .where('consumer_id', '=', consumerId)
    .where('app_id', 'in', appIds)
    .execute()
  const found = new Set(rows.map((r) => r.app_id))
  return appIds.filter((id) => found.has(id))
}

export async function listDevices(db: DbOrTrx, accountId: string, consumerId: string): Promise<Device[]> {
  const rows = await db.selectFrom('devices').selectAll().where('account_id', '=', accountId).where('consumer_id', '=', consumerId).orderBy('created_at').execute()
  return rows.map(toDevice)
}

/** The consumer's devices on the given apps: where an in-app message is pushed. */
export async function listDevicesOnApps(db: DbOrTrx, accountId: string, consumerId: string, appIds: string[]): Promise<Device[]> {
  if (appIds.length === 0) return []
  const rows = await db
    .selectFrom('devices')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('consumer_id', '=', consumerId)
    .where('app_id', 'in', appIds)
    .orderBy('created_at')
    .orderBy('push_token')
    .execute()
  return rows.map(toDevice)
}

function toDevice(r: { consumer_id: string; app_id: string; platform: string; push_token: string; created_at: string; updated_at: string }): Device {
  return { consumerId: r.consumer_id, appId: r.app_id, platform: r.platform as Device['platform'], pushToken: r.push_token, createdAt: r.created_at, updatedAt: r.updated_at }
}
