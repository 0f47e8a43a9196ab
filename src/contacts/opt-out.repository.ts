import type { NumberChannel } from '../shared/channel.ts'
import type { DbOrTrx } from '../store/database.ts'
import { preparedQuery } from '../store/prepared-query.ts'

const selectOptOut = preparedQuery((db, v: { accountId: string; consumerPhone: string; channel: NumberChannel; fromNumber: string }) =>
  db
    .selectFrom('opt_outs')
    .select('opted_out_at')
    .where('account_id', '=', v.accountId)
    .where('consumer_phone', '=', v.consumerPhone)
    .where('channel', '=', v.channel)
    .where('from_number', '=', v.fromNumber),
)

/** Whether the consumer has opted out of messages from this sending number on this channel (on Eligibility's path). */
export async function isOptedOut(db: DbOrTrx, accountId: string, consumerPhone: string, channel: NumberChannel, fromNumber: string): Promise<boolean> {
  const { rows } = await selectOptOut(db, { accountId, consumerPhone, channel, fromNumber })
  return rows.length > 0
}

export interface OptOutChange {
  consumerPhone: string
  channel: NumberChannel
  fromNumber: string
  at: string
  /** The keyword that asked for it; `api` when recorded by the service itself. */
  keyword?: string
}

/** Opts the consumer out of this sending number on this channel, and records the event. */
export async function recordOptOut(db: DbOrTrx, accountId: string, optOut: OptOutChange, eventId?: string): Promise<void> {
  await db
    .insertInto('opt_outs')
    .values({ account_id: accountId, consumer_phone: optOut.consumerPhone, channel: optOut.channel, from_number: optOut.fromNumber, opted_out_at: optOut.at })
    .onConflict((oc) => oc.columns(['account_id', 'consumer_phone', 'channel', 'from_number']).doNothing())
    .execute()
  if (eventId) await recordEvent(db, accountId, eventId, 'opt-out', optOut)
}

/** Opts the consumer back in, and records the event. */
export async function recordOptIn(db: DbOrTrx, accountId: string, optIn: OptOutChange, eventId: string): Promise<void> {
  await db
    .deleteFrom('opt_outs')
    .where('account_id', '=', accountId)
    .where('consumer_phone', '=', optIn.consumerPhone)
    .where('channel', '=', optIn.channel)
    .where('from_number', '=', optIn.fromNumber)
    .execute()
  await recordEvent(db, accountId, eventId, 'opt-in', optIn)
}

async function recordEvent(db: DbOrTrx, accountId: string, id: string, action: 'opt-out' | 'opt-in', change: OptOutChange): Promise<void> {
  await db
    .insertInto('opt_out_events')
    .values({ id, account_id: accountId, consumer_phone: change.consumerPhone, channel: change.channel, from_number: change.fromNumber, action, keyword: change.keyword ?? 'api', at: change.at })
    .execute()
}

export async function listOptOutEvents(db: DbOrTrx, accountId: string, consumerPhone: string): Promise<Array<{ action: string; channel: string; fromNumber: string; keyword: string; at: string }>> {
  const rows = await db.selectFrom('opt_out_events').selectAll().where('account_id', '=', accountId).where('consumer_phone', '=', consumerPhone).orderBy('at').orderBy('id').execute()
  return rows.map((r) => ({ action: r.action, channel: r.channel, fromNumber: r.from_number, keyword: r.keyword, at: r.at }))
}
