import type { AppContext } from '../context.ts'
import type { OutboundMessage } from '../channels/outbound-message.ts'
import { findCall, setInviteChannel } from '../calls/call.repository.ts'
import { reachableNow } from '../calls/invite.service.ts'
import { renderMessage, renderedMessageViolation } from '../calls/message.ts'
import { isPostgres } from '../store/database.ts'
import { nextChannel } from './policy.ts'
import { rerouteAndRecord } from './outbox.repository.ts'

/** `rerouted`: the invitation waits on its next channel; `none`: no channel is left; `claim-lost`: another dispatcher holds the row now. */
export type FallbackOutcome = 'rerouted' | 'none' | 'claim-lost'

/**
 * After a permanent failure of an invitation, moves it to the call's next channel that can still
 * reach the consumer (e.g. WhatsApp → SMS). The call and the outbox change in one transaction,
 * and only while this dispatcher's claim still holds the row: they always name the same channel.
 */
export async function fallBack(ctx: Pick<AppContext, 'db'>, claim: { id: string; attempts: number }, failed: OutboundMessage, reason: string, now: string): Promise<FallbackOutcome> {
  if (failed.callId === null) return 'none'
  const callId = failed.callId
  return ctx.db.transaction().execute(async (trx) => {
    // Taken first, and on PostgreSQL locked, so the claim cannot be lost between this check and the reroute.
    const held = await trx
      .selectFrom('outbox')
      .select('id')
      .where('id', '=', claim.id)
      .where('status', '=', 'sending')
      .where('attempts', '=', claim.attempts)
      .$if(isPostgres(trx), (qb) => qb.forUpdate())
      .executeTakeFirst()
    if (!held) return 'claim-lost'
    const call = await findCall(trx, failed.accountId, callId)
    if (!call) return 'none'
    const reachable = await reachableNow(trx, call)
    const next = nextChannel(call.availableChannels, failed.channel, new Set(reachable.channels))
    if (!next) return 'none'
    const message = renderMessage(failed.id, call.accountId, call.id, {
      channel: next,
      handoff: call.handoff,
      consumerPhone: call.consumerPhone,
      consumerId: call.consumerId,
      templateVariables: call.templateVariables,
      skill: failed.skill,
      ...(call.inviteOverrideMessage !== null ? { overrideMessage: call.inviteOverrideMessage } : {}),
      inappAppIds: next === 'inapp' ? reachable.inappAppIds : [],
    })
    // A text that renders too long for the next channel cannot go there either.
    if (renderedMessageViolation(message) !== undefined) return 'none'
    if (!(await rerouteAndRecord(trx, { ...claim, accountId: failed.accountId, channel: failed.channel }, message, reason, now))) return 'claim-lost'
    await setInviteChannel(trx, call.id, next)
    return 'rerouted'
  })
}
