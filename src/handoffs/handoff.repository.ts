import { sql } from 'kysely'
import type { Selectable } from 'kysely'
import type { DbOrTrx } from '../store/database.ts'
import { preparedQuery } from '../store/prepared-query.ts'
import type { HandoffTable } from '../store/schema.ts'
import type { Channel } from '../shared/channel.ts'
import { type Handoff, titleKey } from './handoff.ts'

export const HANDOFF_SORTS = ['title', 'id', 'createdAt', 'updatedAt'] as const
export type HandoffSort = (typeof HANDOFF_SORTS)[number]

export interface HandoffQuery {
  page: number
  pageSize: number
  sort: HandoffSort
  order: 'asc' | 'desc'
  /** Case-insensitive substring of the title. */
  title?: string
  channel?: Channel
}

const SORT_COLUMNS = { title: 'title_key', id: 'id', createdAt: 'created_at', updatedAt: 'updated_at' } as const

function toHandoff(row: Selectable<HandoffTable>): Handoff {
  return {
    id: row.id,
    title: row.title,
    lookbackMinutes: row.lookback_minutes,
    channels: JSON.parse(row.channels) as Channel[],
    skills: JSON.parse(row.skills) as string[],
    ...(row.sms ? { sms: JSON.parse(row.sms) } : {}),
    ...(row.wa ? { wa: JSON.parse(row.wa) } : {}),
    ...(row.inapp ? { inapp: JSON.parse(row.inapp) } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toRow(accountId: string, handoff: Handoff): Selectable<HandoffTable> {
  return {
    id: handoff.id,
    account_id: accountId,
    title: handoff.title,
    title_key: titleKey(handoff.title),
    lookback_minutes: handoff.lookbackMinutes,
    channels: JSON.stringify(handoff.channels),
    skills: JSON.stringify(handoff.skills),
    sms: handoff.sms ? JSON.stringify(handoff.sms) : null,
    wa: handoff.wa ? JSON.stringify(handoff.wa) : null,
    inapp: handoff.inapp ? JSON.stringify(handoff.inapp) : null,
    created_at: handoff.createdAt,
    updated_at: handoff.updatedAt,
  }
}

export async function insertHandoff(db: DbOrTrx, accountId: string, handoff: Handoff): Promise<void> {
  await db.insertInto('handoffs').values(toRow(accountId, handoff)).execute()
}

/** Replaces every editable column; false when the brand has no such handoff. */
export async function updateHandoff(db: DbOrTrx, accountId: string, handoff: Handoff): Promise<boolean> {
  const { id: _id, account_id: _account, created_at: _created, ...values } = toRow(accountId, handoff)
  const result = await db.updateTable('handoffs').set(values).where('account_id', '=', accountId).where('id', '=', handoff.id).executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

// Prepared: every eligibility reads its handoff.
const selectHandoff = preparedQuery((db, v: { accountId: string; id: string }) => db.selectFrom('handoffs').selectAll().where('account_id', '=', v.accountId).where('id', '=', v.id))

export async function findHandoff(db: DbOrTrx, accountId: string, id: string): Promise<Handoff | undefined> {
  const [row] = (await selectHandoff(db, { accountId, id })).rows
  return row && toHandoff(row)
}

export async function deleteHandoff(db: DbOrTrx, accountId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('handoffs').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** True when a handoff other than `exceptId` already has this title (case-insensitive). */
export async function isTitleTaken(db: DbOrTrx, accountId: string, title: string, exceptId?: string): Promise<boolean> {
  let query = db.selectFrom('handoffs').select('id').where('account_id', '=', accountId).where('title_key', '=', titleKey(title))
  if (exceptId) query = query.where('id', '!=', exceptId)
  return (await query.executeTakeFirst()) !== undefined
}

export async function listHandoffs(db: DbOrTrx, accountId: string, query: HandoffQuery): Promise<{ items: Handoff[]; total: number }> {
  let filtered = db.selectFrom('handoffs').where('account_id', '=', accountId)
  if (query.title) filtered = filtered.where(sql<boolean>`title_key like ${'%' + escapeLike(titleKey(query.title)) + '%'} escape '\\'`)
  // Channels are stored as a JSON array of plain names, so the quoted name is an exact match.
  if (query.channel) filtered = filtered.where('channels', 'like', `%"${query.channel}"%`)
  const { total } = await filtered.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow()
  const rows = await filtered
    .selectAll()
    .orderBy(SORT_COLUMNS[query.sort], query.order)
    .orderBy('id', query.order)
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .execute()
  return { items: rows.map(toHandoff), total: Number(total) }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c)
}

/** Handoffs of the brand that send from this number on this channel (a number in use cannot be removed). */
export async function handoffsUsingNumber(db: DbOrTrx, accountId: string, number: string, channel: 'sms' | 'wa'): Promise<string[]> {
  const rows = await db.selectFrom('handoffs').select(['id', channel]).where('account_id', '=', accountId).where(channel, 'is not', null).execute()
  return rows.filter((r) => (JSON.parse(r[channel] as string) as { fromNumber: string }).fromNumber === number).map((r) => r.id)
}

/**
 * Handoffs of the brand whose WhatsApp message is this template (a template in use cannot be
 * deleted), with their titles: the brand knows its handoffs by title, by title order.
 */
export async function handoffsUsingTemplate(db: DbOrTrx, accountId: string, templateName: string): Promise<Array<{ id: string; title: string }>> {
  const rows = await db.selectFrom('handoffs').select(['id', 'title', 'wa']).where('account_id', '=', accountId).where('wa', 'is not', null).orderBy('title').orderBy('id').execute()
  return rows.filter((r) => (JSON.parse(r.wa!) as { templateName: string }).templateName === templateName).map(({ id, title }) => ({ id, title }))
}

/** Handoffs of the brand that restrict routing to this skill (a skill in use cannot be removed). */
export async function handoffsUsingSkill(db: DbOrTrx, accountId: string, skill: string): Promise<string[]> {
  const rows = await db.selectFrom('handoffs').select(['id', 'skills']).where('account_id', '=', accountId).execute()
  return rows.filter((r) => (JSON.parse(r.skills) as string[]).includes(skill)).map((r) => r.id)
}
