import type { NumberChannel } from '../brand-config/channels.ts'
import type { DbOrTrx } from '../store/database.ts'

/** Whether the consumer has opted out of messages from this sending number on this channel. */
export async function isOptedOut(db: DbOrTrx, accountId: string, consumerPhone: string, channel: NumberChannel, fromNumber: string): Promise<boolean> {
  const row = await db
    .selectFrom('opt_outs')
    .select('opted_out_at')
    .where('account_id', '=', accountId)
    .where('consumer_phone', '=', consumerPhone)
    .where('channel', '=', channel)
    .where('from_number', '=', fromNumber)
    .executeTakeFirst()
  return row !== undefined
}

export async function recordOptOut(db: DbOrTrx, accountId: string, optOut: { consumerPhone: string; channel: NumberChannel; fromNumber: string; at: string }): Promise<void> {
  await db
    .insertInto('opt_outs')
    .values({ account_id: accountId, consumer_phone: optOut.consumerPhone, channel: optOut.channel, from_number: optOut.fromNumber, opted_out_at: optOut.at })
    .onConflict((oc) => oc.columns(['account_id', 'consumer_phone', 'channel', 'from_number']).doNothing())
    .execute()
}
