import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../lib/api.ts'

export type Channel = 'sms' | 'wa' | 'inapp'

export const CHANNEL_NAMES: Record<Channel, string> = { sms: 'SMS', wa: 'WhatsApp', inapp: 'App Messaging' }

/** A handoff as the API answers it. */
export interface Handoff {
  id: string
  title: string
  lookbackMinutes: number
  /** Priority order. */
  channels: Channel[]
  skills: string[]
  sms?: { fromNumber: string; message: string; optOutText: string }
  wa?: { fromNumber: string; templateName: string; language: string; variables: Record<string, string> }
  inapp?: { appIds: string[]; message: string }
  createdAt: string
  updatedAt: string
}

/** What POST and PUT take: the blocks of the chosen channels only. */
export type HandoffBody = Omit<Handoff, 'id' | 'createdAt' | 'updatedAt'>

export const HANDOFF_SORTS = ['title', 'id', 'createdAt', 'updatedAt'] as const
export type HandoffSort = (typeof HANDOFF_SORTS)[number]

export interface HandoffListQuery {
  page: number
  pageSize: number
  sort: HandoffSort
  order: 'asc' | 'desc'
  title: string
  channel: Channel | ''
}

export interface HandoffPage {
  items: Handoff[]
  page: number
  pageSize: number
  total: number
}

export interface PhoneNumber {
  number: string
  channel: 'sms' | 'wa'
}

export interface App {
  appId: string
  platform: 'ios' | 'android'
  name: string
}

export interface WaTemplate {
  name: string
  language: string
  phoneNumber: string
  body: string
  status: string
}

export interface BrandSettings {
  channels: Array<{ name: Channel; enabled: boolean }>
}

const keys = {
  all: (accountId: string) => ['handoffs', accountId] as const,
  list: (accountId: string, query: HandoffListQuery) => ['handoffs', accountId, 'list', query] as const,
  titleCheck: (accountId: string, title: string) => ['handoffs', accountId, 'title', title] as const,
  one: (accountId: string, id: string) => ['handoffs', accountId, 'one', id] as const,
  catalog: (accountId: string, what: string) => ['handoff-catalog', accountId, what] as const,
}

function listPath(query: HandoffListQuery): string {
  const params = new URLSearchParams({ page: String(query.page), pageSize: String(query.pageSize), sort: query.sort, order: query.order })
  if (query.title) params.set('title', query.title)
  if (query.channel) params.set('channel', query.channel)
  return `/handoffs?${params}`
}

export function useHandoffs(accountId: string, query: HandoffListQuery) {
  return useQuery({
    queryKey: keys.list(accountId, query),
    queryFn: () => api<HandoffPage>(accountId, listPath(query)),
    placeholderData: keepPreviousData,
  })
}

export function useHandoff(accountId: string, id: string) {
  return useQuery({
    queryKey: keys.one(accountId, id),
    queryFn: () => api<Handoff>(accountId, `/handoffs/${encodeURIComponent(id)}`),
  })
}

/** Case-insensitive title uniqueness compares this key, as the service does. */
export const titleKey = (title: string) => title.trim().toLocaleLowerCase('en-US')

/**
 * Whether another handoff (not `exceptId`) already has this title: the list filtered on the title,
 * searched for an exact match. Only a hint while typing; saving is checked by the service.
 */
export function useTitleTaken(accountId: string, title: string, exceptId: string | undefined) {
  const key = titleKey(title)
  return useQuery({
    queryKey: keys.titleCheck(accountId, key),
    enabled: key.length > 0 && key.length <= 100,
    staleTime: 10_000,
    queryFn: async () => {
      const page = await api<HandoffPage>(accountId, listPath({ page: 1, pageSize: 100, sort: 'title', order: 'asc', title: key, channel: '' }))
      return page.items.filter((item) => titleKey(item.title) === key).map((item) => item.id)
    },
    select: (ids) => ids.some((id) => id !== exceptId),
  })
}

export function useCreateHandoff(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (body: HandoffBody) => api<Handoff>(accountId, '/handoffs', { method: 'POST', body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all(accountId) }),
  })
}

export function useReplaceHandoff(accountId: string, id: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (body: HandoffBody) => api<Handoff>(accountId, `/handoffs/${encodeURIComponent(id)}`, { method: 'PUT', body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all(accountId) }),
  })
}

export function useDeleteHandoff(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api<void>(accountId, `/handoffs/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    // A 404 means someone deleted it already: the list is refreshed either way.
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.all(accountId) }),
  })
}

/** The brand's outbound numbers, by channel. */
export function usePhoneNumbers(accountId: string) {
  return useQuery({
    queryKey: keys.catalog(accountId, 'phone-numbers'),
    queryFn: async () => (await api<{ items: PhoneNumber[] }>(accountId, '/phone-numbers')).items,
  })
}

export function useApps(accountId: string) {
  return useQuery({
    queryKey: keys.catalog(accountId, 'apps'),
    queryFn: async () => (await api<{ items: App[] }>(accountId, '/apps')).items,
  })
}

/** Every WhatsApp template of the brand: the form offers the approved ones (and the one a handoff already uses). */
export function useWaTemplates(accountId: string) {
  return useQuery({
    queryKey: keys.catalog(accountId, 'whatsapp-templates'),
    queryFn: async () => (await api<{ items: WaTemplate[] }>(accountId, '/whatsapp-templates')).items,
  })
}

export function useSkills(accountId: string) {
  return useQuery({
    queryKey: keys.catalog(accountId, 'skills'),
    queryFn: async () => (await api<{ items: Array<{ name: string }> }>(accountId, '/skills')).items.map((skill) => skill.name),
  })
}

export function useBrandSettings(accountId: string) {
  return useQuery({
    queryKey: keys.catalog(accountId, 'settings'),
    queryFn: () => api<BrandSettings>(accountId, '/settings'),
  })
}
