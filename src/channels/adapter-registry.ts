import { findChannelMode } from '../brand-config/channel-mode.repository.ts'
import { type Channel, CHANNEL_PROVIDER, type ChannelMode } from '../shared/channel.ts'
import type { Clock } from '../lib/clock.ts'
import type { SecretBox } from '../lib/secret-box.ts'
import type { Db } from '../store/database.ts'
import { type ChannelAdapter, DeliveryError } from './channel-adapter.ts'
import type { Connections, Provider } from './connections/connection.ts'
import { findConnection } from './connections/connection.repository.ts'
import { SandboxAdapter } from './sandbox.adapter.ts'

/** Builds a provider's adapter for one brand's credentials. */
export type AdapterFactories = { [P in Provider]: (accountId: string, connection: Connections[P]) => ChannelAdapter }

/**
 * Chooses the adapter that delivers a brand's messages on a channel by the channel's mode: the
 * sandbox, or the brand's provider when live. A live channel without a connection is never sent
 * to the sandbox: its sends fail permanently, with the reason, so channel fallback applies.
 * Adapters are immutable and built per credential set; a changed connection (a new `updatedAt`)
 * gets a new adapter.
 */
export class AdapterRegistry {
  readonly #sandbox: SandboxAdapter
  readonly #built = new Map<string, ChannelAdapter>()

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    clock: Clock,
    private readonly factories: AdapterFactories,
  ) {
    this.#sandbox = new SandboxAdapter(db, clock)
  }

  /**
   * `via` overrides the channel's mode (an answer goes back the way the consumer wrote). Throws a
   * permanent DeliveryError when the channel is live but its provider is not connected.
   */
  async adapterFor(accountId: string, channel: Channel, via?: ChannelMode): Promise<ChannelAdapter> {
    if ((via ?? (await findChannelMode(this.db, accountId, channel))) === 'sandbox') return this.#sandbox
    const provider: Provider = CHANNEL_PROVIDER[channel]
    const stored = await findConnection(this.db, this.secrets, accountId, provider)
    if (!stored) {
      throw new DeliveryError('permanent', 'no-connection', `the brand's ${channel} channel is live but ${provider} is not connected: connect it again, or switch the channel to sandbox`)
    }
    const key = `${accountId}:${provider}:${stored.updatedAt}`
    let adapter = this.#built.get(key)
    if (!adapter) {
      adapter = this.#build(accountId, provider, stored.config)
      this.#built.set(key, adapter)
    }
    return adapter
  }

  #build<P extends Provider>(accountId: string, provider: P, connection: Connections[P]): ChannelAdapter {
    return (this.factories[provider] as (accountId: string, connection: Connections[P]) => ChannelAdapter)(accountId, connection)
  }
}
