import { type Channel, CHANNELS, CHANNEL_PROVIDER, type ChannelMode } from '../shared/channel.ts'
import type { DbOrTrx } from '../store/database.ts'
import { preparedQuery } from '../store/prepared-query.ts'

export interface ChannelModeState {
  channel: Channel
  mode: ChannelMode
  /** Whether the brand has connected the channel's provider. */
  connected: boolean
}

/** Each channel's mode (sandbox when never set) and whether its provider is connected. */
export async function listChannelModes(db: DbOrTrx, accountId: string): Promise<ChannelModeState[]> {
  const [modes, connections] = await Promise.all([
    db.selectFrom('channel_modes').select(['channel', 'mode']).where('account_id', '=', accountId).execute(),
    db.selectFrom('channel_connections').select('provider').where('account_id', '=', accountId).execute(),
  ])
  const connected = new Set(connections.map((c) => c.provider))
  return CHANNELS.map((channel) => ({
    channel,
    mode: (modes.find((m) => m.channel === channel)?.mode ?? 'sandbox') as ChannelMode,
    connected: connected.has(CHANNEL_PROVIDER[channel]),
  }))
}

/** Whether the channel can deliver at all: the sandbox always can, a live channel through its connection (`undeliverableChannels` asks the same in SQL). */
export function canDeliver(state: Pick<ChannelModeState, 'mode' | 'connected'>): boolean {
  return state.mode === 'sandbox' || state.connected
}

export async function findChannelMode(db: DbOrTrx, accountId: string, channel: Channel): Promise<ChannelMode> {
  const row = await db.selectFrom('channel_modes').select('mode').where('account_id', '=', accountId).where('channel', '=', channel).executeTakeFirst()
  return (row?.mode ?? 'sandbox') as ChannelMode
}

export async function setChannelMode(db: DbOrTrx, accountId: string, channel: Channel, mode: ChannelMode, at: string): Promise<void> {
  await db
    .insertInto('channel_modes')
    .values({ account_id: accountId, channel, mode, updated_at: at })
    .onConflict((oc) => oc.columns(['account_id', 'channel']).doUpdateSet({ mode, updated_at: at }))
    .execute()
}

// Prepared: every eligibility asks it.
const selectUndeliverable = preparedQuery((db, v: { accountId: string }) =>
  db
    .selectFrom('channel_modes')
    .select('channel')
    .where('account_id', '=', v.accountId)
    .where('mode', '=', 'live')
    .where(({ not, exists, selectFrom, ref, eb }) =>
      not(
        exists(
          selectFrom('channel_connections')
            .select('provider')
            .whereRef('channel_connections.account_id', '=', ref('channel_modes.account_id'))
            .where((inner) =>
              inner.or(CHANNELS.map((channel) => inner.and([eb(ref('channel_modes.channel'), '=', channel), inner('channel_connections.provider', '=', CHANNEL_PROVIDER[channel])]))),
            ),
        ),
      ),
    ),
)

/**
 * Channels that cannot deliver at all: live, with no provider connection (deleted, or never
 * made). Eligibility does not offer them; the dispatcher fails their sends with the reason.
 */
export async function undeliverableChannels(db: DbOrTrx, accountId: string): Promise<Channel[]> {
  const { rows } = await selectUndeliverable(db, { accountId })
  return rows.map((r) => r.channel as Channel)
}
