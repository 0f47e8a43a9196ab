import type { StoreContext } from '../context.ts'
import type { Channel } from '../shared/channel.ts'
import { findSettings } from '../brand-config/settings.repository.ts'
import { undeliverableChannels } from '../brand-config/channel-mode.repository.ts'
import { appsWithDevice } from '../contacts/device.repository.ts'
import { isOptedOut } from '../contacts/opt-out.repository.ts'
import { enqueue } from '../delivery/outbox.repository.ts'
import { type ApiError, apiError } from '../shared/errors.ts'
import type { DbOrTrx } from '../store/database.ts'
import { type Call, findCall, markInvited, recordInviteRefusal } from './call.repository.ts'
import { activeConversationsOf } from '../conversations/conversation.repository.ts'
import { activeConversationRefusal } from '../conversations/routing.ts'
import { type InviteChannelChoice, chooseInviteChannel } from './channel-choice.ts'
import { isSkillAllowed } from './eligibility.ts'
import { renderMessage, renderedMessageViolation } from './message.ts'

/** The body of `POST /invite`, as the C2M 2.0 API defines it. */
export interface InviteRequest {
  callId: string
  overrideChannel?: string
  overrideMessage?: string
  overrideSkill?: string
}

export interface InviteOutcome {
  callId: string
  /** False when the call had been invited already: nothing new was sent. */
  enqueued: boolean
}

/**
 * Sends the invitation of an eligible call, once. The call id is the idempotency key: a repeated
 * invite answers like the first and sends nothing. The call is marked invited and the message
 * written to the outbox in one transaction; the dispatcher delivers it after the commit.
 */
export async function invite(services: StoreContext, accountId: string, request: InviteRequest): Promise<InviteOutcome> {
  const now = services.clock.now()
  const call = await findCall(services.db, accountId, request.callId)
  if (!call || Date.parse(call.expiresAt) <= now.getTime()) throw apiError('notFound', 'no such call, or it expired')
  if (call.invitedAt) return { callId: call.id, enqueued: false }
  if (!call.eligible) throw apiError('messageCannotBeSent', 'the caller was not eligible')

  const settings = await findSettings(services.db, accountId)
  if (!settings) throw apiError('noSetting')
  const skill = request.overrideSkill ?? call.skill
  if (request.overrideSkill !== undefined && !isSkillAllowed(request.overrideSkill, settings, call.handoff)) throw apiError('noEngagementForOverriddenSkill')

  const { channels: reachable, inappAppIds } = await reachableNow(services.db, call)
  const choice = chooseInviteChannel({ available: call.availableChannels, reachable, override: request.overrideChannel })
  if ('refused' in choice) throw choiceRefused(choice)
  const { channel } = choice

  const message = renderMessage(services.ids.uuid(), accountId, call.id, {
    channel,
    handoff: call.handoff,
    consumerPhone: call.consumerPhone,
    consumerId: call.consumerId,
    templateVariables: call.templateVariables,
    skill,
    ...(request.overrideMessage !== undefined ? { overrideMessage: request.overrideMessage } : {}),
    inappAppIds: channel === 'inapp' ? inappAppIds : [],
  })
  const violation = renderedMessageViolation(message)
  if (violation) throw apiError('messageCannotBeSent', violation)
  const outcome = await services.db.transaction().execute(async (trx): Promise<{ enqueued: boolean } | { refused: string }> => {
    // Spec FAQ 6: a consumer in an active conversation with the brand, on any channel, is not sent
    // an outbound message. Checked with the send, in its transaction; the reason stays on the call.
    const refusal = activeConversationRefusal(await activeConversationsOf(trx, accountId, { phone: call.consumerPhone, consumerId: call.consumerId }))
    if (refusal) {
      await recordInviteRefusal(trx, call.id, refusal)
      return { refused: refusal }
    }
    if (!(await markInvited(trx, call.id, { at: now.toISOString(), channel, skill, ...(request.overrideMessage !== undefined ? { overrideMessage: request.overrideMessage } : {}) }))) return { enqueued: false }
    await enqueue(trx, message, now.toISOString())
    return { enqueued: true }
  })
  if ('refused' in outcome) throw apiError('messageCannotBeSent', outcome.refused)
  return { callId: call.id, enqueued: outcome.enqueued }
}

function choiceRefused(choice: Extract<InviteChannelChoice, { refused: string }>): ApiError {
  switch (choice.refused) {
    case 'override-not-available':
      return apiError('overriddenChannelUnavailable')
    case 'override-unreachable':
      return apiError('messageCannotBeSent', `the consumer can no longer be reached on ${choice.channel}`)
    case 'none-reachable':
      return apiError('messageCannotBeSent', 'no channel of the call can reach the consumer any more')
  }
}

/**
 * The call's available channels that can still reach the consumer now: an opt-out, a removed
 * device or a provider connection deleted since the eligibility check takes a channel away (we
 * never text someone who said STOP, nor queue what nothing can deliver).
 * With them, the handoff's apps the consumer still has a device on, for an in-app message.
 */
export async function reachableNow(db: DbOrTrx, call: Call): Promise<{ channels: Channel[]; inappAppIds: string[] }> {
  const channels: Channel[] = []
  let inappAppIds: string[] = []
  // A channel gone live without its provider connection since the check cannot deliver either.
  const undeliverable = new Set(await undeliverableChannels(db, call.accountId))
  for (const channel of call.availableChannels) {
    if (undeliverable.has(channel)) continue
    if (channel === 'inapp') {
      inappAppIds = call.consumerId ? await appsWithDevice(db, call.accountId, call.consumerId, call.handoff.inapp?.appIds ?? []) : []
      if (inappAppIds.length > 0) channels.push(channel)
      continue
    }
    const from = channel === 'sms' ? call.handoff.sms?.fromNumber : call.handoff.wa?.fromNumber
    if (from && !(await isOptedOut(db, call.accountId, call.consumerPhone, channel, from))) channels.push(channel)
  }
  return { channels, inappAppIds }
}
