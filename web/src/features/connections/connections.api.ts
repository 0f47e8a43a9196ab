import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../lib/api.ts'

export type Provider = 'twilio' | 'whatsapp' | 'fcm'
export type Channel = 'sms' | 'wa' | 'inapp'
export type ChannelMode = 'sandbox' | 'live'

/** A URL the provider calls: `inbound` is pasted into its console, `status` the service names itself with each message. */
export interface Webhook {
  name: 'inbound' | 'status'
  url: string
}

/** One provider as `GET /channels` answers it: the connection's secrets are masked (`••••` and the last four characters). */
export interface ProviderSummary {
  provider: Provider
  channel: Channel
  connected: boolean
  connectedAt?: string
  updatedAt?: string
  connection?: Record<string, unknown>
  webhooks: Webhook[]
}

export interface ConnectionsOverview {
  items: ProviderSummary[]
  /** False: the webhook URLs use the address this page was opened at, not PUBLIC_URL. */
  publicUrlSet: boolean
}

export interface ChannelModeState {
  channel: Channel
  mode: ChannelMode
  connected: boolean
  /** False when live without a connection: eligibility does not offer the channel and its sends fail. */
  deliverable: boolean
}

const keys = {
  all: (accountId: string) => ['connections', accountId] as const,
  overview: (accountId: string) => [...keys.all(accountId), 'overview'] as const,
  modes: (accountId: string) => [...keys.all(accountId), 'modes'] as const,
}

export function useConnections(accountId: string) {
  return useQuery({
    queryKey: keys.overview(accountId),
    queryFn: () => api<ConnectionsOverview>(accountId, '/channels'),
  })
}

export function useChannelModes(accountId: string) {
  return useQuery({
    queryKey: keys.modes(accountId),
    queryFn: () => api<{ items: ChannelModeState[] }>(accountId, '/channel-modes'),
  })
}

/** Connects or replaces a provider's connection; a first connection also takes its channel live, so both queries are refreshed. */
export function useConnect(accountId: string, provider: Provider) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (body: Record<string, unknown>) => api<Record<string, unknown>>(accountId, `/channels/${provider}`, { method: 'PUT', body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all(accountId) }),
  })
}

export function useDisconnect(accountId: string, provider: Provider) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: () => api<void>(accountId, `/channels/${provider}`, { method: 'DELETE' }),
    // A 404 means someone disconnected it already: refreshed either way.
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.all(accountId) }),
  })
}

export function useSwitchMode(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ channel, mode }: { channel: Channel; mode: ChannelMode }) => api<ChannelModeState>(accountId, `/channel-modes/${channel}`, { method: 'PUT', body: { mode } }),
    // The answer is the channel's new state: it replaces the old one at once, so the choice never springs back.
    onSuccess: (state) =>
      queryClient.setQueryData<{ items: ChannelModeState[] }>(keys.modes(accountId), (modes) =>
        modes ? { items: modes.items.map((item) => (item.channel === state.channel ? state : item)) } : modes,
      ),
  })
}
