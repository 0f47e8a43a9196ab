import type { Channel } from '../shared/channel.ts'
import type { DbOrTrx } from '../store/database.ts'
import { type Call, findCall } from '../calls/call.repository.ts'
import type { InvitedCall } from './routing.ts'

/**
 * The consumer's latest invited call on the brand and channel: by phone number on sms and wa,
 * by consumerId in-app. With it, what routing needs of it (the lookback and skill it was invited with).
 */
export async function latestInvitedCall(db: DbOrTrx, accountId: string, channel: Channel, consumer: string): Promise<{ call: Call; routing: Omit<InvitedCall, 'hadConversation'> } | undefined> {
  const row = await db
    .selectFrom('calls')
    .select('id')
    .where('account_id', '=', accountId)
    .where(channel === 'inapp' ? 'consumer_id' : 'consumer_phone', '=', consumer)
    .where('invite_channel', '=', channel)
    .where('invited_at', 'is not', null)
    .orderBy('invited_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  const call = row && (await findCall(db, accountId, row.id))
  if (!call || call.invitedAt === null) return undefined
  return {
    call,
    routing: {
      id: call.id,
      handoffId: call.handoffId,
      invitedAt: call.invitedAt,
      lookbackMinutes: call.handoff.lookbackMinutes,
      skill: call.inviteSkill ?? call.skill,
      sdes: (call.sdes as unknown[] | null) ?? null,
    },
  }
}
