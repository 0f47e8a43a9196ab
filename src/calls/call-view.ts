import type { Channel } from '../shared/channel.ts'
import type { DbOrTrx } from '../store/database.ts'
import { type Delivery, type StatusEvent, listDeliveriesOfCall, listStatusTimelines } from '../delivery/delivery.repository.ts'
import { type ChannelFallback, type OutboxRecord, listOutboxOfCall } from '../delivery/outbox.repository.ts'
import { type Call, findCall } from './call.repository.ts'
import type { DeviceCheck } from './device-check.ts'
import type { ChannelCheck, EligibilityRequest } from './eligibility.ts'

/**
 * What happened to one call, for the brand (`GET …/calls/{callId}`): what the IVR sent, what
 * eligibility decided per channel, the invitation, and every try to deliver it — so a failure,
 * a fallback or a retry can be seen without the server's log.
 */
export interface CallView {
  callId: string
  createdAt: string
  /** Until when an invite may still name this call. */
  expiresAt: string
  inputs: {
    /** Masked: enough to recognise the number, never the whole of it. */
    consumerPhoneNumber: string
    consumerId: string | null
    handoffId: string
    skill: string
    ivrNumber: string | null
    sdes: NonNullable<EligibilityRequest['sdes']> | null
    templateVariables: Record<string, string>
  }
  eligibility: {
    eligible: boolean
    availableChannels: Channel[]
    /** Each of the handoff's channels in priority order, with why it was or was not offered. */
    channels: Array<{ channel: Channel; verdict: ChannelCheck }>
    deviceCheck: DeviceCheck | null
  }
  invitation: InvitationView | null
  /** Why an invite was refused (the consumer had an active conversation with the brand), when one was. */
  inviteRefusal: string | null
  /** The outbox messages the invite wrote (one per invite), each with its deliveries. */
  messages: MessageView[]
}

export interface InvitationView {
  invitedAt: string
  /** The channel the invite chose. */
  channel: Channel
  /** The channel the message goes by now: another one after a fallback. */
  currentChannel: Channel
  /** The skill the reply is routed to (the invite's `overrideSkill` when given). */
  skill: string
  overrideMessage: string | null
}

export interface MessageView {
  id: string
  /** The channel the message is on now. */
  channel: Channel
  /** `pending` (due, or waiting to be retried), `sending`, `sent` (accepted by the provider) or `failed`. */
  status: OutboxRecord['status']
  /** Sends tried on the current channel. */
  attempts: number
  /** When a pending message is due (a retry's backoff); null once it left the outbox. */
  nextAttemptAt: string | null
  /** The last failure on this message, kept while it is retried or failed. */
  lastError: string | null
  providerMessageId: string | null
  createdAt: string
  updatedAt: string
  fallbacks: Array<Omit<ChannelFallback, 'outboxId'>>
  deliveries: DeliveryView[]
}

export interface DeliveryView {
  channel: Channel
  provider: string
  providerMessageId: string
  /** The furthest status reached (statuses only move forward). */
  status: string
  errorCode: string | null
  errorMessage: string | null
  /** When the provider accepted the message. */
  sentAt: string
  updatedAt: string
  /** Every status reported for the message, in the order received. */
  statusTimeline: Array<{ status: string; errorCode: string | null; errorMessage: string | null; at: string }>
}

/** The brand's call with its history, or undefined for an unknown call or another brand's. */
export async function findCallView(db: DbOrTrx, accountId: string, callId: string): Promise<CallView | undefined> {
  // Call ids are UUIDs, issued in lower case; a client may write them in any case.
  const call = await findCall(db, accountId, callId.toLowerCase())
  if (!call) return undefined
  const [messages, deliveries] = await Promise.all([listOutboxOfCall(db, call.id), listDeliveriesOfCall(db, call.id)])
  const timelines = await listStatusTimelines(db, accountId, deliveries)
  return toCallView(call, messages, deliveries, timelines)
}

export function toCallView(call: Call, messages: Array<OutboxRecord & { fallbacks: ChannelFallback[] }>, deliveries: Delivery[], timelines: Map<string, StatusEvent[]>): CallView {
  const invitationMessage = messages[0]
  return {
    callId: call.id,
    createdAt: call.createdAt,
    expiresAt: call.expiresAt,
    inputs: {
      consumerPhoneNumber: maskConsumerPhone(call.consumerPhone),
      consumerId: call.consumerId,
      handoffId: call.handoffId,
      skill: call.skill,
      ivrNumber: call.ivrNumber,
      sdes: call.sdes ?? null,
      templateVariables: call.templateVariables,
    },
    eligibility: {
      eligible: call.eligible,
      availableChannels: call.availableChannels,
      channels: (Object.entries(call.checks) as Array<[Channel, ChannelCheck]>).map(([channel, verdict]) => ({ channel, verdict })),
      deviceCheck: call.deviceCheck,
    },
    invitation:
      call.invitedAt === null || call.inviteChannel === null
        ? null
        : {
            invitedAt: call.invitedAt,
            channel: invitationMessage?.fallbacks[0]?.from ?? call.inviteChannel,
            currentChannel: call.inviteChannel,
            skill: call.inviteSkill ?? call.skill,
            overrideMessage: call.inviteOverrideMessage,
          },
    inviteRefusal: call.inviteRefusal,
    messages: messages.map((message) => toMessageView(message, deliveries.filter((d) => d.outboxId === message.id), timelines)),
  }
}

function toMessageView(message: OutboxRecord & { fallbacks: ChannelFallback[] }, deliveries: Delivery[], timelines: Map<string, StatusEvent[]>): MessageView {
  return {
    id: message.id,
    channel: message.channel,
    status: message.status,
    attempts: message.attempts,
    nextAttemptAt: message.status === 'pending' ? message.availableAt : null,
    lastError: message.lastError,
    providerMessageId: message.providerMessageId,
    createdAt: message.createdAt,
    updatedAt: message.updatedAt,
    fallbacks: message.fallbacks.map(({ from, to, reason, attempts, at }) => ({ from, to, reason, attempts, at })),
    deliveries: deliveries.map((d) => ({
      channel: d.channel as Channel,
      provider: d.provider,
      providerMessageId: d.providerMessageId,
      status: d.status,
      errorCode: d.errorCode,
      errorMessage: d.errorMessage,
      sentAt: d.createdAt,
      updatedAt: d.updatedAt,
      statusTimeline: (timelines.get(d.id) ?? []).map((e) => ({ status: e.status, errorCode: e.errorCode, errorMessage: e.errorMessage, at: e.receivedAt })),
    })),
  }
}

/**
 * A consumer's number as the call view shows it: the country and area code and the last four
 * digits, the rest masked (`+14259549855` → `+1425•••9855`). At least three digits are always
 * masked, so a short number loses its leading digits rather than show whole.
 */
export function maskConsumerPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '')
  const hidden = 3
  const tail = Math.max(0, Math.min(4, digits.length - hidden))
  const head = Math.max(0, Math.min(4, digits.length - hidden - tail))
  return (phone.startsWith('+') ? '+' : '') + digits.slice(0, head) + '•'.repeat(digits.length - head - tail) + digits.slice(digits.length - tail)
}
