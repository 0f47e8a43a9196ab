import type { Clock } from '../lib/clock.ts'
import type { Db } from '../store/database.ts'
import { isUniqueViolation } from '../store/database.ts'
import type { ChannelAdapter, SendResult } from './channel-adapter.ts'
import type { OutboundMessage } from './outbound-message.ts'
import { insertSandboxMessage } from './sandbox.repository.ts'

/**
 * The built-in channel: "delivers" into the store-backed consumer inbox instead of a carrier.
 * The inbox row takes the outbox id, so a send repeated after a crash lands exactly once.
 */
export class SandboxAdapter implements ChannelAdapter {
  readonly provider = 'sandbox'

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      await insertSandboxMessage(this.db, message.accountId, {
        id: message.id,
        direction: 'outbound',
        channel: message.channel,
        consumer: message.to,
        from: message.from,
        to: message.to,
        text: message.text,
        status: 'delivered',
        callId: message.callId,
        appId: message.inapp?.appIds[0] ?? null,
        createdAt: this.clock.now().toISOString(),
      })
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
    }
    return { providerMessageId: message.id, status: 'delivered' }
  }
}
