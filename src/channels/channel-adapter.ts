import type { OutboundMessage } from './outbound-message.ts'

/** Our delivery statuses; every provider's statuses map onto these. */
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered'

export interface SendResult {
  providerMessageId: string
  status: DeliveryStatus
}

/** A failed send, classified so the dispatcher knows whether to retry. */
export class DeliveryError extends Error {
  override name = 'DeliveryError'
  constructor(
    readonly kind: 'transient' | 'permanent',
    readonly code: string,
    message: string,
    /** The provider's Retry-After, when it gave one. */
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

/** One way of delivering messages, built for one brand's credentials and immutable afterwards. */
export interface ChannelAdapter {
  readonly provider: string
  /** Sends once; throws DeliveryError. A send repeated for the same message id must not deliver twice where the provider lets us prevent it. */
  send(message: OutboundMessage): Promise<SendResult>
}
