import type { DeliveryStatus } from '../channels/channel-adapter.ts'
import type { OutboxStatus } from '../delivery/outbox.repository.ts'

/**
 * How far back the app's message list reaches: as far as the CX widget looks (the last 30 days),
 * well beyond any handoff's lookback period, so a push tapped late still opens its message.
 */
export const MESSAGE_WINDOW_DAYS = 30

/** The most messages one page of the list holds. */
export const MAX_PAGE_SIZE = 100

/**
 * What became of an outbound in-app message, as the app is told: `pending` until a push was
 * accepted, `sent` once it was, `delivered` and `read` as the app's receipts report, `failed` when
 * no push reached a device (no device registered, or FCM refused every token for good). A failed
 * message is still listed: the list is how the consumer reads it when the push did not arrive.
 */
export type ConsumerMessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed'

/** The status the app sees, from the outbox row's status and the statuses of its in-app deliveries. */
export function consumerMessageStatus(outbox: OutboxStatus, deliveries: readonly DeliveryStatus[]): ConsumerMessageStatus {
  if (outbox === 'pending' || outbox === 'sending') return 'pending'
  if (outbox === 'failed') return 'failed'
  if (deliveries.includes('read')) return 'read'
  if (deliveries.includes('delivered')) return 'delivered'
  // A push accepted, then reported lost on every device it was recorded for.
  if (deliveries.length > 0 && deliveries.every((s) => s === 'failed' || s === 'undelivered')) return 'failed'
  return 'sent'
}

/** The first instant the list covers. */
export function windowStart(now: Date): string {
  return new Date(now.getTime() - MESSAGE_WINDOW_DAYS * 86_400_000).toISOString()
}

/** Where a page of the list ended: the last message's creation time and id (the list's order). */
export interface MessageCursor {
  createdAt: string
  id: string
}

/** The longest cursor we hand out, with room to spare; a longer `since` is not one of ours. */
export const MAX_CURSOR_LENGTH = 512

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** An opaque cursor (base64url of the position): apps pass it back and never build one. */
export function encodeCursor(cursor: MessageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url')
}

/** The position a cursor names, or null when `text` is not a cursor we could have issued. */
export function decodeCursor(text: string): MessageCursor | null {
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) return null
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (!Array.isArray(value) || value.length !== 2) return null
  const [createdAt, id] = value as unknown[]
  if (typeof createdAt !== 'string' || !ISO_INSTANT.test(createdAt) || Number.isNaN(Date.parse(createdAt))) return null
  if (typeof id !== 'string' || id.length === 0 || id.length > 255) return null
  return { createdAt, id }
}

/**
 * The provider message id under which a consumer's in-app message is recorded. Provider message
 * ids are unique across the whole store, so the app's own id is scoped to the brand and the
 * consumer: two consumers (of one brand or two) using the same `clientMessageId` never make each
 * other's messages look like repeats. The consumer id is percent-encoded, so no `/` inside it can
 * make two different pairs read the same.
 */
export function inAppMessageKey(accountId: string, consumerId: string, clientMessageId: string): string {
  return `${accountId}/${encodeURIComponent(consumerId)}/${clientMessageId}`
}
