import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiError, api } from '../../lib/api.ts'
import type { Role } from '../session/session.api.ts'

export type Channel = 'sms' | 'wa' | 'inapp'
export type ChannelMode = 'sandbox' | 'live'

/** The brand's global settings as `GET /settings` answers and `PUT /settings` replaces them. */
export interface BrandSettings {
  /** In priority order, highest first. */
  channels: Array<{ name: Channel; enabled: boolean }>
  deviceCheck: boolean
  routing: { skills: string[]; defaultSkill?: string }
}

/** A channel's delivery mode, as `GET /channel-modes` answers. */
export interface ChannelModeState {
  channel: Channel
  mode: ChannelMode
  /** Whether the channel's provider (Twilio, WhatsApp, FCM) is connected. */
  connected: boolean
  /** False when live without a connection: the channel is not offered and its sends fail. */
  deliverable: boolean
}

/** How conversations are offered to agents, and who may frame the CX widget page (`/conversation-settings`). */
export interface ConversationSettings {
  ringTimeoutSeconds: number
  autoAccept: boolean
  cxWidgetFrameAncestors: string[]
}

/** How each channel is named to people, and the provider that carries it when live. */
export const CHANNEL_NAMES: Record<Channel, string> = { sms: 'SMS', wa: 'WhatsApp', inapp: 'App Messaging' }
export const CHANNEL_PROVIDERS: Record<Channel, string> = { sms: 'Twilio', wa: 'WhatsApp Business (Meta)', inapp: 'Firebase Cloud Messaging' }

/** What a brand without settings starts from: every channel on, SMS first, no device check, no routing skill. */
export const DEFAULT_SETTINGS: BrandSettings = {
  channels: [
    { name: 'sms', enabled: true },
    { name: 'wa', enabled: true },
    { name: 'inapp', enabled: true },
  ],
  deviceCheck: false,
  routing: { skills: [] },
}

/** The server's bounds on frame ancestors (src/conversations/frame-ancestors.ts). */
export const MAX_FRAME_ANCESTORS = 10
export const MAX_FRAME_ANCESTOR_LENGTH = 200

/** Who may change the settings: the server's CONFIG_WRITERS (src/auth/actor.ts); LPA users only read them. */
export const mayChangeSettings = (role: Role) => role === 'admin' || role === 'campaign-manager'

const keys = {
  all: (accountId: string) => ['settings', accountId] as const,
  settings: (accountId: string) => ['settings', accountId, 'brand'] as const,
  modes: (accountId: string) => ['settings', accountId, 'channel-modes'] as const,
  skills: (accountId: string) => ['settings', accountId, 'skills'] as const,
  conversation: (accountId: string) => ['settings', accountId, 'conversation'] as const,
}

/** The brand's settings, or `null` when it has none yet (the service answers 404). */
export function useBrandSettings(accountId: string) {
  return useQuery({
    queryKey: keys.settings(accountId),
    queryFn: async (): Promise<BrandSettings | null> => {
      try {
        return await api<BrandSettings>(accountId, '/settings')
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null
        throw error
      }
    },
  })
}

/** Replaces the whole settings document: each section sends the stored values of the others. */
export function useSaveSettings(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (settings: BrandSettings) => api<BrandSettings>(accountId, '/settings', { method: 'PUT', body: settings }),
    onSuccess: (saved) => {
      queryClient.setQueryData(keys.settings(accountId), saved)
      return queryClient.invalidateQueries({ queryKey: keys.settings(accountId) })
    },
  })
}

export function useChannelModes(accountId: string) {
  return useQuery({
    queryKey: keys.modes(accountId),
    queryFn: async () => (await api<{ items: ChannelModeState[] }>(accountId, '/channel-modes')).items,
  })
}

export function useSwitchChannelMode(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ channel, mode }: { channel: Channel; mode: ChannelMode }) =>
      api<ChannelModeState>(accountId, `/channel-modes/${encodeURIComponent(channel)}`, { method: 'PUT', body: { mode } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.modes(accountId) }),
  })
}

/** The brand's skills catalogue, by name, in the order the service lists them. */
export function useSkills(accountId: string) {
  return useQuery({
    queryKey: keys.skills(accountId),
    queryFn: async () => (await api<{ items: Array<{ name: string }> }>(accountId, '/skills')).items.map((skill) => skill.name),
  })
}

export function useAddSkill(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (name: string) => api<{ name: string }>(accountId, '/skills', { method: 'POST', body: { name } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.skills(accountId) }),
  })
}

export function useRemoveSkill(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (name: string) => api<void>(accountId, `/skills/${encodeURIComponent(name)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.skills(accountId) }),
  })
}

export function useConversationSettings(accountId: string) {
  return useQuery({
    queryKey: keys.conversation(accountId),
    queryFn: () => api<ConversationSettings>(accountId, '/conversation-settings'),
  })
}

/** Saves the frame ancestors; the ring timeout and auto-accept go back as they are stored. */
export function useSaveConversationSettings(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (settings: ConversationSettings) => api<ConversationSettings>(accountId, '/conversation-settings', { method: 'PUT', body: settings }),
    onSuccess: (saved) => {
      queryClient.setQueryData(keys.conversation(accountId), saved)
      return queryClient.invalidateQueries({ queryKey: keys.conversation(accountId) })
    },
  })
}

/**
 * The answer's `fields` by field name (`routing.defaultSkill`, `cxWidgetFrameAncestors.1`). A
 * schema's pattern is said in words: the regular expression means nothing to the person typing.
 */
export function fieldErrorsOf(error: unknown, patternMeans = 'is not in the expected form'): Record<string, string> {
  if (!(error instanceof ApiError)) return {}
  return Object.fromEntries(
    error.fields.map(({ field, message }) => [field.replace(/^(body|params)[./]/, ''), message.startsWith('must match pattern') ? patternMeans : message]),
  )
}

/** What to say above a section's form: nothing when the fields say it all. */
export function alertOf(error: unknown): string | null {
  if (!error) return null
  if (!(error instanceof ApiError)) return 'The service cannot be reached. Check your connection and try again.'
  if (error.fields.length > 0) return 'Please correct the fields below.'
  return error.detail ?? error.errorMessage
}

/** A channel a sending number serves: App Messaging has apps instead. */
export type NumberChannel = 'sms' | 'wa'
export type AppPlatform = 'ios' | 'android'

/** A number handoffs send SMS or WhatsApp from (`/phone-numbers`); the same number may serve both channels. */
export interface PhoneNumber {
  number: string
  channel: NumberChannel
  createdAt: string
}

/** A mobile app App Messaging reaches (`/apps`); a handoff names 1 to 3 of them. */
export interface MobileApp {
  appId: string
  platform: AppPlatform
  name: string
  createdAt: string
}

export const PLATFORM_NAMES: Record<AppPlatform, string> = { ios: 'iOS', android: 'Android' }

const catalogKeys = {
  numbers: (accountId: string) => ['settings', accountId, 'phone-numbers'] as const,
  apps: (accountId: string) => ['settings', accountId, 'apps'] as const,
}

export function usePhoneNumbers(accountId: string) {
  return useQuery({
    queryKey: catalogKeys.numbers(accountId),
    queryFn: async () => (await api<{ items: PhoneNumber[] }>(accountId, '/phone-numbers')).items,
  })
}

export function useAddPhoneNumber(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (number: { number: string; channel: NumberChannel }) => api<PhoneNumber>(accountId, '/phone-numbers', { method: 'POST', body: number }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: catalogKeys.numbers(accountId) }),
  })
}

/** Removes a number for one channel only: the other channel's registration of it stays. */
export function useRemovePhoneNumber(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ number, channel }: { number: string; channel: NumberChannel }) =>
      api<void>(accountId, `/phone-numbers/${encodeURIComponent(number)}?channel=${channel}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: catalogKeys.numbers(accountId) }),
  })
}

export function useApps(accountId: string) {
  return useQuery({
    queryKey: catalogKeys.apps(accountId),
    queryFn: async () => (await api<{ items: MobileApp[] }>(accountId, '/apps')).items,
  })
}

export function useAddApp(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (app: { appId: string; platform: AppPlatform; name: string }) => api<MobileApp>(accountId, '/apps', { method: 'POST', body: app }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: catalogKeys.apps(accountId) }),
  })
}

export function useRemoveApp(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (appId: string) => api<void>(accountId, `/apps/${encodeURIComponent(appId)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: catalogKeys.apps(accountId) }),
  })
}
