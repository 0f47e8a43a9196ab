import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiError, api } from '../../lib/api.ts'
import type { TemplateCategory, TemplateStatus } from './template-rules.ts'

/** A template as the brand writes it; the name never changes once created. */
export interface TemplateWrite {
  name: string
  category: TemplateCategory
  language: string
  /** Left out, the brand's WhatsApp connection's account. */
  wabaId?: string
  phoneNumber: string
  body: string
  examples: string[]
}

/** A template as the service answers it. */
export interface Template {
  name: string
  category: TemplateCategory
  language: string
  wabaId: string
  phoneNumber: string
  body: string
  examples?: string[]
  status: TemplateStatus
  rejectedReason?: string
  submittedAt?: string
  createdAt: string
  updatedAt: string
  /** On a write: what Meta's review will probably object to (never prevents saving). */
  warnings?: Array<{ field: string; message: string }>
}

export interface PhoneNumber {
  number: string
  channel: 'sms' | 'wa'
}

/** Where a submitted template goes: the sandbox approves it at once; a connected WhatsApp sends it to Meta. */
export interface WhatsAppReview {
  connected: boolean
  /** The WhatsApp connection's Business Account id, the default of a template's. */
  wabaId: string | undefined
}

export const templateKeys = {
  all: (accountId: string) => ['whatsapp-templates', accountId] as const,
  list: (accountId: string, status: TemplateStatus | '') => [...templateKeys.all(accountId), 'list', status] as const,
  one: (accountId: string, name: string) => [...templateKeys.all(accountId), 'one', name] as const,
  numbers: (accountId: string) => ['phone-numbers', accountId] as const,
  review: (accountId: string) => ['whatsapp-review', accountId] as const,
}

const templatePath = (name: string) => `/whatsapp-templates/${encodeURIComponent(name)}`

export function useTemplates(accountId: string, status: TemplateStatus | '') {
  return useQuery({
    queryKey: templateKeys.list(accountId, status),
    queryFn: () => api<{ items: Template[] }>(accountId, `/whatsapp-templates${status ? `?status=${status}` : ''}`),
    // Changing the status filter keeps the table until the new answer replaces it.
    placeholderData: (previous) => previous,
  })
}

export function useTemplate(accountId: string, name: string) {
  return useQuery({
    queryKey: templateKeys.one(accountId, name),
    queryFn: () => api<Template>(accountId, templatePath(name)),
    // A template that is not there stays not there: no retries on a 404.
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 2,
  })
}

/** The brand's WhatsApp sending numbers: a template's outbound number is one of them. */
export function useWhatsAppNumbers(accountId: string) {
  return useQuery({
    queryKey: templateKeys.numbers(accountId),
    queryFn: () => api<{ items: PhoneNumber[] }>(accountId, '/phone-numbers'),
    select: (data) => data.items.filter((n) => n.channel === 'wa').map((n) => n.number),
  })
}

/**
 * Whether WhatsApp is connected (Meta reviews templates) or not (the sandbox approves them), and
 * the connection's Business Account id. The connection is read only when there is one: asking for a
 * missing one is a 404.
 */
export function useWhatsAppReview(accountId: string, enabled = true) {
  return useQuery({
    queryKey: templateKeys.review(accountId),
    // Only writers submit: readers (an agent manager may not read the channel modes) never ask.
    enabled,
    queryFn: async (): Promise<WhatsAppReview> => {
      const modes = await api<{ items: Array<{ channel: string; connected: boolean }> }>(accountId, '/channel-modes')
      const connected = modes.items.some((m) => m.channel === 'wa' && m.connected)
      if (!connected) return { connected, wabaId: undefined }
      const connection = await api<{ wabaId?: string }>(accountId, '/channels/whatsapp')
      return { connected, wabaId: connection.wabaId }
    },
  })
}

/** After a write: the lists and this template's page read again; the template's own answer is cached as it is. */
function useSettle(accountId: string) {
  const queryClient = useQueryClient()
  return (template?: Template) => {
    if (template) queryClient.setQueryData(templateKeys.one(accountId, template.name), template)
    return queryClient.invalidateQueries({ queryKey: [...templateKeys.all(accountId), 'list'] })
  }
}

export function useCreateTemplate(accountId: string) {
  const settle = useSettle(accountId)
  return useMutation({
    mutationFn: (template: TemplateWrite) => api<Template>(accountId, '/whatsapp-templates', { method: 'POST', body: template }),
    onSuccess: (template) => settle(template),
  })
}

export function useUpdateTemplate(accountId: string, name: string) {
  const settle = useSettle(accountId)
  return useMutation({
    mutationFn: (template: TemplateWrite) => api<Template>(accountId, templatePath(name), { method: 'PUT', body: template }),
    onSuccess: (template) => settle(template),
  })
}

export function useSubmitTemplate(accountId: string, name: string) {
  const settle = useSettle(accountId)
  return useMutation({
    mutationFn: () => api<Template>(accountId, `${templatePath(name)}/submit`, { method: 'POST' }),
    onSuccess: (template) => settle(template),
  })
}

/** Reads the review's outcome from Meta, for a brand whose Meta webhook is not set up. */
export function useSyncTemplate(accountId: string, name: string) {
  const settle = useSettle(accountId)
  return useMutation({
    mutationFn: () => api<Template>(accountId, `${templatePath(name)}/sync`, { method: 'POST' }),
    onSuccess: (template) => settle(template),
  })
}

export function useDeleteTemplate(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (name: string) => api<void>(accountId, templatePath(name), { method: 'DELETE' }),
    onSuccess: (_nothing, name) => queryClient.removeQueries({ queryKey: templateKeys.one(accountId, name) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: [...templateKeys.all(accountId), 'list'] }),
  })
}
