import type { Channel } from '../brand-config/channels.ts'
import type { Clock } from '../lib/clock.ts'
import type { Db } from '../store/database.ts'
import type { ChannelAdapter } from './channel-adapter.ts'
import { SandboxAdapter } from './sandbox.adapter.ts'

/**
 * Chooses the adapter that delivers a brand's messages on a channel. Every brand uses the
 * sandbox until provider connections exist; adapters are built from configuration, never
 * shared mutable clients.
 */
export class AdapterRegistry {
  readonly #sandbox: SandboxAdapter

  constructor(db: Db, clock: Clock) {
    this.#sandbox = new SandboxAdapter(db, clock)
  }

  async adapterFor(_accountId: string, _channel: Channel): Promise<ChannelAdapter> {
    return this.#sandbox
  }
}
