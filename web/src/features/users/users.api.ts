import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiError, api } from '../../lib/api.ts'
import type { Role } from '../session/session.api.ts'

/** A person of the brand as `GET /users` answers. */
export interface User {
  id: string
  login: string
  role: Role
  skills: string[]
  maxConversations: number
  status: string
  disabled: boolean
  welcomedAt: string | null
  createdAt: string
  updatedAt: string | null
}

export interface UserPage {
  items: User[]
  page: number
  pageSize: number
  total: number
}

export interface NewUser {
  login: string
  role: Role
  skills?: string[]
  maxConversations?: number
  password: string
}

export interface UserChange {
  role?: Role
  skills?: string[]
  maxConversations?: number
  disabled?: boolean
}

export const PAGE_SIZE = 20
/** The server's bounds: a password of 12 to 1024 characters, a capacity of 1 to 100. */
export const PASSWORD_MIN = 12
export const DEFAULT_MAX_CONVERSATIONS = 5

const keys = {
  all: (accountId: string) => ['users', accountId] as const,
  page: (accountId: string, page: number) => ['users', accountId, 'page', page] as const,
  skills: (accountId: string) => ['users', accountId, 'skills'] as const,
}

/** Only agents and agent managers take conversations: only they have skills and a capacity. */
export const takesConversations = (role: Role) => role === 'agent' || role === 'agent-manager'

export function useUsers(accountId: string, page: number) {
  return useQuery({
    queryKey: keys.page(accountId, page),
    queryFn: () => api<UserPage>(accountId, `/users?page=${page}&pageSize=${PAGE_SIZE}`),
    placeholderData: keepPreviousData,
  })
}

/** The brand's skills, by name, for the skills picker. */
export function useSkills(accountId: string) {
  return useQuery({
    queryKey: keys.skills(accountId),
    queryFn: async () => (await api<{ items: Array<{ name: string }> }>(accountId, '/skills')).items.map((skill) => skill.name),
  })
}

export function useCreateUser(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (user: NewUser) => api<User>(accountId, '/users', { method: 'POST', body: user }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all(accountId) }),
  })
}

export function useChangeUser(accountId: string, userId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (change: UserChange) => api<User>(accountId, `/users/${encodeURIComponent(userId)}`, { method: 'PATCH', body: change }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all(accountId) }),
  })
}

export function useResetPassword(accountId: string, userId: string) {
  return useMutation({
    mutationFn: (password: string) => api<void>(accountId, `/users/${encodeURIComponent(userId)}/password`, { method: 'POST', body: { password } }),
  })
}

/** What to say above a form: nothing when the fields say it all. */
export function alertOf(error: unknown): string | null {
  if (!error) return null
  if (!(error instanceof ApiError)) return 'The service cannot be reached. Check your connection and try again.'
  if (error.fields.length > 0) return 'Please correct the fields below.'
  return error.detail ?? error.errorMessage
}
