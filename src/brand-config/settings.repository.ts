import type { DbOrTrx } from '../store/database.ts'
import { preparedQuery } from '../store/prepared-query.ts'
import type { BrandSettings } from './settings.ts'

// Prepared: every eligibility and invite reads the settings.
const selectSettings = preparedQuery((db, v: { accountId: string }) => db.selectFrom('brand_settings').selectAll().where('account_id', '=', v.accountId))

export async function findSettings(db: DbOrTrx, accountId: string): Promise<BrandSettings | undefined> {
  const [row] = (await selectSettings(db, { accountId })).rows
  return (
    row && {
      channels: JSON.parse(row.channels) as BrandSettings['channels'],
      deviceCheck: row.device_check === 1,
      routing: JSON.parse(row.routing) as BrandSettings['routing'],
    }
  )
}

export async function saveSettings(db: DbOrTrx, accountId: string, settings: BrandSettings, at: string): Promise<void> {
  const values = {
    channels: JSON.stringify(settings.channels),
    device_check: settings.deviceCheck ? 1 : 0,
    routing: JSON.stringify(settings.routing),
    updated_at: at,
  }
  await db
    .insertInto('brand_settings')
    .values({ account_id: accountId, ...values })
    .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
    .execute()
}
