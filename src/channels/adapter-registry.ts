import type { Channel } from '../shared/channel.ts'
import type { Clock } from '../lib/clock.ts'
import type { SecretBox } from '../lib/secret-box.ts'
import type { Db } from '../store/database.ts'
import type { ChannelAdapter } from './channel-adapter.ts'
import type { Connections, Provider } from './connections/connection.ts'
import { findConnection } from './connections/connection.repository.ts'
import { SandboxAdapter } from './sandbox.adapter.ts'

/** The provider that carries each channel when the brand has connected one. */
const PROVIDER_OF: Partial<Record<Channel, Provider>> = { sms: 'twilio', wa: 'whatsapp', inapp: 'fcm' }

/** Builds a provider's adapter for one brand's credentials. */
export type AdapterFactories = { [P in Provider]: (accountId: string, connection: Connections[P]) => ChannelAdapter }

/**
 * Chooses the adapter that delivers a brand's messages on a channel: the brand's provider when
 * it has connected one, the sandbox otherwise. Adapters are immutable and built per credential
 * set; a changed connection (a new `updatedAt`) gets a new adapter.
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

  async adapterFor(accountId: string, channel: Channel): Promise<ChannelAdapter> {
    const provider = PROVIDER_OF[channel]
    if (!provider) return this.#sandbox
    const stored = await findConnection(this.db, this.secrets, accountId, provider)
    if (!stored) return this.#sandbox
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
