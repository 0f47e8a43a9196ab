import type { Channel } from '../shared/channel.ts'
import type { DbOrTrx } from '../store/database.ts'
import type { Conversation } from './conversation.repository.ts'

/** One outbound message of the service to the consumer, as the CX widget lists it. */
export interface OutboundSummary {
  messageId: string
  callId: string | null
  handoffId: string | null
  channel: Channel
  text: string
  sentAt: string
  /** The furthest status the provider reported (`sent`, `delivered`, `read`, `failed`, …), else the outbox's. */
  status: string
}

export interface CxWidget {
  /** The deflection's first outbound message: the invitation the consumer answered (null for an inbound conversation). */
  firstOutbound: OutboundSummary | null
  /** The invitations this service sent the consumer in the last 30 days, newest first, at most five. */
  recent: OutboundSummary[]
}

const RECENT_DAYS = 30
const RECENT_MAX = 5

/**
 * What the agent sees beside the transcript (LivePerson's CX widget): the message that brought the
 * consumer here, and the service's recent outbound messages to them, on any channel — the consumer
 * is known by phone number and, in-app, by consumerId.
 */
export async function cxWidgetOf(db: DbOrTrx, c: Conversation, now: Date): Promise<CxWidget> {
  const call = c.callId ? await db.selectFrom('calls').select(['consumer_phone', 'consumer_id']).where('id', '=', c.callId).executeTakeFirst() : undefined
  const recipients = [...new Set([c.consumer, call?.consumer_phone, call?.consumer_id].filter((r): r is string => typeof r === 'string' && r !== ''))]
  const since = new Date(now.getTime() - RECENT_DAYS * 86_400_000).toISOString()
  const rows = await db
    .selectFrom('outbox')
    .leftJoin('calls', 'calls.id', 'outbox.call_id')
    .select(['outbox.id', 'outbox.call_id', 'calls.handoff_id', 'outbox.channel', 'outbox.message', 'outbox.created_at', 'outbox.status'])
    .where('outbox.account_id', '=', c.accountId)
    .where('outbox.kind', '=', 'invitation')
    .where('outbox.recipient', 'in', recipients)
    .where('outbox.created_at', '>=', since)
    .orderBy('outbox.created_at', 'desc')
    .limit(RECENT_MAX)
    .execute()
  const first = c.callId
    ? await db
        .selectFrom('outbox')
        .leftJoin('calls', 'calls.id', 'outbox.call_id')
        .select(['outbox.id', 'outbox.call_id', 'calls.handoff_id', 'outbox.channel', 'outbox.message', 'outbox.created_at', 'outbox.status'])
        .where('outbox.call_id', '=', c.callId)
        .where('outbox.kind', '=', 'invitation')
        .executeTakeFirst()
    : undefined
  const all = first ? [...rows, first] : rows
  const statuses = await providerStatuses(db, all.map((r) => r.id))
  const summary = (r: (typeof rows)[number]): OutboundSummary => ({
    messageId: r.id,
    callId: r.call_id,
    handoffId: r.handoff_id,
    channel: r.channel as Channel,
    text: (JSON.parse(r.message) as { text: string }).text,
    sentAt: r.created_at,
    status: statuses.get(r.id) ?? r.status,
  })
  return { firstOutbound: first ? summary(first) : null, recent: rows.map(summary) }
}

/** The latest status reported for each message's delivery. */
async function providerStatuses(db: DbOrTrx, outboxIds: string[]): Promise<Map<string, string>> {
  if (outboxIds.length === 0) return new Map()
  const rows = await db.selectFrom('deliveries').select(['outbox_id', 'status', 'updated_at']).where('outbox_id', 'in', outboxIds).orderBy('updated_at').execute()
  return new Map(rows.map((r) => [r.outbox_id, r.status]))
}
