import type { StoreContext } from '../context.ts'
import type { OutboundMessage } from '../channels/outbound-message.ts'
import { findCall, setInviteChannel } from '../calls/call.repository.ts'
import { reachableNow } from '../calls/invite.service.ts'
import { renderMessage } from '../calls/message.ts'

/**
 * After a permanent failure on one channel, the same invitation on the call's next available
 * channel in priority order (e.g. WhatsApp → SMS) that can still reach the consumer; null when
 * none is left. Only channels after the failed one are tried, so fallback always ends.
 */
export async function fallbackMessage(services: StoreContext, failed: OutboundMessage): Promise<OutboundMessage | null> {
  const call = await findCall(services.db, failed.accountId, failed.callId)
  if (!call) return null
  const after = call.availableChannels.slice(call.availableChannels.indexOf(failed.channel) + 1)
  const now = await reachableNow(services.db, call)
  const reachable = new Set(now.channels)
  const next = after.find((channel) => reachable.has(channel))
  if (!next) return null
  const message = renderMessage(failed.id, call.accountId, call.id, {
    channel: next,
    handoff: call.handoff,
    consumerPhone: call.consumerPhone,
    consumerId: call.consumerId,
    templateVariables: call.templateVariables,
    skill: failed.skill,
    ...(call.inviteOverrideMessage !== null ? { overrideMessage: call.inviteOverrideMessage } : {}),
    inappAppIds: next === 'inapp' ? now.inappAppIds : [],
  })
  await setInviteChannel(services.db, call.id, next)
  return message
}
