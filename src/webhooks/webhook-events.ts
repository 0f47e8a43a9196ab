import type { AppContext } from '../context.ts'
import type { DbOrTrx } from '../store/database.ts'
import { type DeskMode, activeEndpoints, findEndpoint, insertDeliveries } from './webhook.repository.ts'

/** The events the external desk connector sends: a conversation's life, as the built-in agents see it. */
export const DESK_EVENTS = ['conversation.created', 'message.created', 'conversation.transferred', 'conversation.closed'] as const
export type DeskEvent = (typeof DESK_EVENTS)[number]

/** One event of a brand, for every endpoint of the brand subscribed to its type. */
export interface WebhookEvent {
  accountId: string
  /** `conversation.created`…; hierarchical and full-stop delimited, as the specification recommends. */
  type: string
  /** Events of one key reach each endpoint one at a time, in the order enqueued: a conversation's id. */
  orderingKey: string
  /** The event's own data, sent as it is under `data`. */
  data: unknown
  /** When it happened (ISO 8601): the payload's `timestamp`, and the delivery's place in its key's order. */
  at: string
}

/**
 * Queues the event for every active endpoint of the brand subscribed to its type, in the caller's
 * transaction (so an event is sent exactly when the change that caused it commits), as the body
 * the Standard Webhooks specification recommends: `{"type", "timestamp", "data"}`. How many
 * deliveries were queued; the caller kicks `ctx.webhooks` after committing.
 */
export async function enqueueWebhookEvent(trx: DbOrTrx, ctx: Pick<AppContext, 'ids'>, event: WebhookEvent): Promise<number> {
  const endpoints = (await activeEndpoints(trx, event.accountId)).filter((endpoint) => endpoint.events.includes(event.type))
  if (endpoints.length === 0) return 0
  const payload = JSON.stringify({ type: event.type, timestamp: event.at, data: event.data })
  await insertDeliveries(
    trx,
    endpoints.map((endpoint) => ({ id: webhookId(event.at, ctx.ids.token(8)), endpointId: endpoint.id, accountId: event.accountId, orderingKey: event.orderingKey, type: event.type, payload, createdAt: event.at })),
  )
  return endpoints.length
}

/** Whether the brand's conversations go to its own desk `instead` of the built-in agents, `alongside` them, or not at all (null). */
export async function deskMode(db: DbOrTrx, accountId: string): Promise<DeskMode | null> {
  const desk = await findEndpoint(db, accountId, 'desk')
  return desk && desk.disabledAt === null ? desk.mode : null
}

/**
 * Events queued at the same instant keep their order through their ids, which sort as they were
 * made: the time, then a sequence of this process, then randomness. (Two instances queueing for
 * one conversation within the same millisecond cannot be ordered better than that anyway.)
 */
let sequence = 0

/** A `webhook-id`: `msg_` and letters and digits only (no `.`, which the signed content delimits with). */
function webhookId(at: string, random: string): string {
  sequence = (sequence + 1) % 36 ** 6
  return `msg_${Date.parse(at).toString(36).padStart(9, '0')}${sequence.toString(36).padStart(6, '0')}${random}`
}
