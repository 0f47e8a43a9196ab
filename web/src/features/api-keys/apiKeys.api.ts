import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../lib/api.ts'

export type Privilege = 'ivr-engagement' | 'management' | 'reporting' | 'conversations'

/** The privileges a key may hold, in the order the form offers them: an IVR's first. */
export const PRIVILEGES: ReadonlyArray<{ value: Privilege; label: string; description: string }> = [
  { value: 'ivr-engagement', label: 'IVR Engagement', description: 'Eligibility and invite: what an IVR calls' },
  { value: 'management', label: 'Management', description: 'The configuration API: handoffs, settings, templates' },
  { value: 'reporting', label: 'Reporting', description: 'Reports on deflections and conversations' },
  { value: 'conversations', label: 'Conversations', description: "The brand's own desk: the conversation APIs" },
]

export const privilegeLabel = (privilege: Privilege) => PRIVILEGES.find((p) => p.value === privilege)?.label ?? privilege

/** A key as listed: never its secrets. */
export interface ApiKey {
  id: string
  appKey: string
  appName: string
  developer: string
  privileges: Privilege[]
  createdAt: string
  revokedAt: string | null
}

export interface NewApiKey {
  appName: string
  developer: string
  privileges: Privilege[]
}

/** A key just created: its four OAuth 1.0a values are answered this once. */
export interface IssuedApiKey extends NewApiKey {
  id: string
  appKey: string
  secret: string
  accessToken: string
  accessTokenSecret: string
}

const keys = { list: (accountId: string) => ['api-keys', accountId] as const }

export function useApiKeys(accountId: string) {
  return useQuery({
    queryKey: keys.list(accountId),
    queryFn: () => api<{ items: ApiKey[] }>(accountId, '/api-keys'),
  })
}

export function useCreateApiKey(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (key: NewApiKey) => api<IssuedApiKey>(accountId, '/api-keys', { method: 'POST', body: key }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.list(accountId) }),
  })
}

export function useRevokeApiKey(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (appKey: string) => api<void>(accountId, `/api-keys/${encodeURIComponent(appKey)}`, { method: 'DELETE' }),
    // A 404 means someone revoked it already: the list is refreshed either way.
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.list(accountId) }),
  })
}
