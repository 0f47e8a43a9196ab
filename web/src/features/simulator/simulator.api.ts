import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../lib/api.ts'

export type Channel = 'sms' | 'wa' | 'inapp'

/** What the simulator needs of a handoff (`GET /handoffs`). */
export interface HandoffSummary {
  id: string
  title: string
  channels: Channel[]
  skills: string[]
  sms?: { fromNumber: string; message: string }
  wa?: { fromNumber: string; templateName: string; variables: Record<string, string> }
  inapp?: { appIds: string[]; message: string }
}

interface BrandSettings {
  routing: { skills: string[]; defaultSkill?: string }
}

/** One answer of the C2M API as the IVR would have received it. */
export interface C2mAnswer {
  status: number
  body: Record<string, unknown>
}

export interface IvrCallAnswer {
  eligibility: C2mAnswer
  invite: C2mAnswer | null
}

export interface IvrCall {
  consumerPhoneNumber: string
  handoffId: string
  skill: string
  consumerId?: string
  templateVariables?: Record<string, string>
}

export interface SandboxMessage {
  id: string
  direction: 'outbound' | 'inbound'
  channel: string
  consumer: string
  from: string
  to: string
  text: string
  status: string
  callId: string | null
  appId: string | null
  createdAt: string
}

export interface ConsumerReply {
  channel: Channel
  from: string
  to: string
  consumerId?: string
  appId?: string
  text: string
}

const keys = {
  handoffs: (accountId: string) => ['simulator', accountId, 'handoffs'] as const,
  settings: (accountId: string) => ['simulator', accountId, 'settings'] as const,
  messages: (accountId: string, consumer: string) => ['simulator', accountId, 'messages', consumer] as const,
}

/** The brand's handoffs, the first hundred (the API's page limit): enough to pick one to call. */
export function useHandoffs(accountId: string) {
  return useQuery({
    queryKey: keys.handoffs(accountId),
    queryFn: () => api<{ items: HandoffSummary[] }>(accountId, '/handoffs?page=1&pageSize=100&sort=title'),
  })
}

/** The routing skills (and the default one), or none when the brand has no settings yet. */
export function useRoutingSkills(accountId: string) {
  return useQuery({
    queryKey: keys.settings(accountId),
    queryFn: async () => {
      const settings = await api<BrandSettings>(accountId, '/settings').catch((error: unknown) => {
        if (error instanceof Error && 'status' in error && error.status === 404) return null
        throw error
      })
      return settings?.routing ?? { skills: [] }
    },
  })
}

export function useIvrCall(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (call: IvrCall) => api<IvrCallAnswer>(accountId, '/sandbox/ivr-call', { method: 'POST', body: call }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['simulator', accountId, 'messages'] }),
  })
}

/** What the sandbox delivered to and received from one consumer, polled every two seconds. */
export function useSandboxMessages(accountId: string, consumer: string) {
  return useQuery({
    queryKey: keys.messages(accountId, consumer),
    queryFn: () => api<{ items: SandboxMessage[] }>(accountId, `/sandbox/messages?consumer=${encodeURIComponent(consumer)}&limit=500`),
    refetchInterval: 2000,
  })
}

export function useConsumerReply(accountId: string, consumer: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (reply: ConsumerReply) => api<SandboxMessage>(accountId, '/sandbox/inbound', { method: 'POST', body: reply }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.messages(accountId, consumer) }),
  })
}

/** The `{{name}}` placeholders the handoff's messages hold, in order of first appearance (numbers sorted). */
export function placeholdersOf(handoff: HandoffSummary | undefined): string[] {
  if (!handoff) return []
  const names = new Set<string>()
  for (const text of [handoff.sms?.message, handoff.inapp?.message]) {
    for (const match of (text ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)) names.add(match[1]!)
  }
  for (const key of Object.keys(handoff.wa?.variables ?? {})) names.add(key)
  return [...names].sort((a, b) => (/^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : 0))
}
