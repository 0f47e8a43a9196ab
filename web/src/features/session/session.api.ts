import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiError, api, setCsrfToken } from '../../lib/api.ts'
import { rememberAccountId } from '../../lib/account.ts'

export type Role = 'admin' | 'campaign-manager' | 'lpa' | 'agent' | 'agent-manager'

/** The signed-in person, as `GET /session` and the login answer them. */
export interface SessionUser {
  id: string
  login: string
  role: Role
  skills: string[]
  maxConversations: number
  status: string
  welcomedAt: string | null
}

export interface Session {
  accountId: string
  user: SessionUser
}

interface SessionAnswer {
  user: SessionUser
  csrfToken: string
}

export const sessionKeys = {
  current: (accountId: string | null) => ['session', accountId] as const,
}

/** The current session of the account, `null` when nobody is signed in (the service answered 401). */
export function useSession(accountId: string | null) {
  return useQuery({
    queryKey: sessionKeys.current(accountId),
    enabled: accountId !== null,
    staleTime: Infinity,
    retry: false,
    queryFn: async (): Promise<Session | null> => {
      if (accountId === null) return null
      try {
        const answer = await api<SessionAnswer>(accountId, '/session')
        setCsrfToken(answer.csrfToken)
        return { accountId, user: answer.user }
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null
        throw error
      }
    },
  })
}

export interface Credentials {
  accountId: string
  login: string
  password: string
}

export function useLogin() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ accountId, login, password }: Credentials): Promise<Session> => {
      const answer = await api<SessionAnswer>(accountId, '/login', { method: 'POST', body: { login, password }, signingIn: true })
      setCsrfToken(answer.csrfToken)
      return { accountId, user: answer.user }
    },
    onSuccess: (session) => {
      rememberAccountId(session.accountId)
      queryClient.setQueryData(sessionKeys.current(session.accountId), session)
    },
  })
}

export function useLogout(accountId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: () => api<void>(accountId, '/logout', { method: 'POST', body: {} }),
    onSettled: () => {
      setCsrfToken(null)
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' })
      queryClient.setQueryData(sessionKeys.current(accountId), null)
    },
  })
}

export function useMarkWelcomed(session: Session) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: () => api<{ welcomedAt: string }>(session.accountId, '/users/me/welcomed', { method: 'POST' }),
    onSuccess: ({ welcomedAt }) => {
      queryClient.setQueryData<Session | null>(sessionKeys.current(session.accountId), (current) => (current ? { ...current, user: { ...current.user, welcomedAt } } : current))
    },
  })
}
