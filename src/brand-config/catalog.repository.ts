import type { DbOrTrx } from '../store/database.ts'
import type { NumberChannel } from '../shared/channel.ts'

// The brand's catalogue: what handoffs and settings may refer to (skills, sending numbers, apps).

export interface Skill {
  name: string
  createdAt: string
}

export interface PhoneNumber {
  number: string
  channel: NumberChannel
  createdAt: string
}

export interface App {
  appId: string
  platform: 'ios' | 'android'
  name: string
  createdAt: string
}

export async function listSkills(db: DbOrTrx, accountId: string): Promise<Skill[]> {
  const rows = await db.selectFrom('skills').select(['name', 'created_at']).where('account_id', '=', accountId).orderBy('name').execute()
  return rows.map((r) => ({ name: r.name, createdAt: r.created_at }))
}

export async function insertSkill(db: DbOrTrx, accountId: string, skill: Skill): Promise<void> {
  await db.insertInto('skills').values({ account_id: accountId, name: skill.name, created_at: skill.createdAt }).execute()
}

export async function deleteSkill(db: DbOrTrx, accountId: string, name: string): Promise<boolean> {
  const result = await db.deleteFrom('skills').where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function listPhoneNumbers(db: DbOrTrx, accountId: string): Promise<PhoneNumber[]> {
  const rows = await db.selectFrom('phone_numbers').selectAll().where('account_id', '=', accountId).orderBy('number').orderBy('channel').execute()
  return rows.map((r) => ({ number: r.number, channel: r.channel as NumberChannel, createdAt: r.created_at }))
}

export async function insertPhoneNumber(db: DbOrTrx, accountId: string, phone: PhoneNumber): Promise<void> {
  await db.insertInto('phone_numbers').values({ account_id: accountId, number: phone.number, channel: phone.channel, created_at: phone.createdAt }).execute()
}

/** Deletes the number for one channel, or for every channel when none is given; how many went. */
export async function deletePhoneNumber(db: DbOrTrx, accountId: string, number: string, channel?: NumberChannel): Promise<number> {
  let query = db.deleteFrom('phone_numbers').where('account_id', '=', accountId).where('number', '=', number)
  if (channel) query = query.where('channel', '=', channel)
  const result = await query.executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function listApps(db: DbOrTrx, accountId: string): Promise<App[]> {
  const rows = await db.selectFrom('apps').selectAll().where('account_id', '=', accountId).orderBy('app_id').execute()
  return rows.map((r) => ({ appId: r.app_id, platform: r.platform as App['platform'], name: r.name, createdAt: r.created_at }))
}

export async function insertApp(db: DbOrTrx, accountId: string, app: App): Promise<void> {
  await db.insertInto('apps').values({ account_id: accountId, app_id: app.appId, platform: app.platform, name: app.name, created_at: app.createdAt }).execute()
}

export async function deleteApp(db: DbOrTrx, accountId: string, appId: string): Promise<boolean> {
  const result = await db.deleteFrom('apps').where('account_id', '=', accountId).where('app_id', '=', appId).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
