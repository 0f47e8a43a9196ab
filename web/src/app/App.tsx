import { useEffect } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router'
import { AppShell, type NavEntry } from '../components/AppShell.tsx'
import { Alert } from '../components/Alert.tsx'
import { Button } from '../components/Button.tsx'
import { whenUnauthenticated } from '../lib/api.ts'
import { rememberedAccountId, useRememberedAccountId } from '../lib/account.ts'
import { LoginPage } from '../features/session/LoginPage.tsx'
import { WelcomePage } from '../features/session/WelcomePage.tsx'
import { HandoffListPage } from '../features/handoffs/HandoffListPage.tsx'
import { HandoffEditorPage } from '../features/handoffs/HandoffEditorPage.tsx'
import { HandoffViewPage } from '../features/handoffs/HandoffViewPage.tsx'
import { WorkspacePage } from '../features/workspace/WorkspacePage.tsx'
import { SimulatorPage } from '../features/simulator/SimulatorPage.tsx'
import { UsersPage } from '../features/users/UsersPage.tsx'
import { ApiKeysPage } from '../features/api-keys/ApiKeysPage.tsx'
import { ConnectionsPage } from '../features/connections/ConnectionsPage.tsx'
import { CxWidgetPage } from '../features/cx-widget/CxWidgetPage.tsx'
import { SettingsPage } from '../features/settings/SettingsPage.tsx'
import { TemplatesPage } from '../features/whatsapp-templates/TemplatesPage.tsx'
import { NewTemplatePage } from '../features/whatsapp-templates/NewTemplatePage.tsx'
import { TemplatePage } from '../features/whatsapp-templates/TemplatePage.tsx'
import { NEW_TEMPLATE_PATH } from '../features/whatsapp-templates/template-rules.ts'
import { ROLES } from '../features/session/roles.ts'
import { sessionKeys, useLogout, useSession, type Role, type Session } from '../features/session/session.api.ts'

/** The pages of the navigation, and the roles that may open each (the server refuses the others anyway). */
const NAV: Array<NavEntry & { roles: readonly Role[] }> = [
  { to: '/', label: 'API handoffs', section: '/handoffs', roles: ['admin', 'campaign-manager', 'lpa'] },
  { to: '/whatsapp-templates', label: 'WhatsApp templates', roles: ['admin', 'campaign-manager', 'lpa', 'agent-manager'] },
  { to: '/settings', label: 'Settings', roles: ['admin', 'campaign-manager', 'lpa'] },
  { to: '/connections', label: 'Provider connections', roles: ['admin', 'campaign-manager', 'lpa'] },
  { to: '/simulator', label: 'Consumer simulator', roles: ['admin', 'campaign-manager'] },
  { to: '/users', label: 'Users', roles: ['admin'] },
  { to: '/api-keys', label: 'API keys', roles: ['admin'] },
  { to: '/workspace', label: 'Agent workspace', roles: ['agent', 'agent-manager'] },
]

/**
 * The routes: `/login` for anyone, every other page behind a session. A person who has not seen
 * the welcome page is sent there first; a 401 on any call ends the session and returns to login.
 */
export function App() {
  const queryClient = useQueryClient()
  const accountId = useRememberedAccountId()
  useEffect(() => whenUnauthenticated(() => queryClient.setQueryData(sessionKeys.current(rememberedAccountId()), null)), [queryClient])
  const session = useSession(accountId)

  if (accountId !== null && session.isPending) return <p role="status">Loading…</p>
  if (session.isError) {
    return (
      <main style={{ padding: 'var(--space-6)' }}>
        <Alert>The service cannot be reached: {session.error.message}</Alert>
        <Button onPress={() => session.refetch()}>Try again</Button>
      </main>
    )
  }
  const current = session.data ?? null
  return (
    <Routes>
      {/* Framed by a brand's desk: its own sign-in and no navigation. */}
      <Route path="/cx-widget" element={<CxWidgetPage />} />
      <Route path="/login" element={current ? <Navigate to={current.user.welcomedAt ? '/' : '/welcome'} replace /> : <LoginPage />} />
      <Route path="/welcome" element={<SignedIn session={current} page={(s) => <WelcomePage session={s} />} />} />
      <Route path="/" element={<SignedIn session={current} page={(s) => (isAgent(s) ? <Navigate to="/workspace" replace /> : <HandoffListPage session={s} />)} />} />
      <Route path="/handoffs/new" element={<SignedIn session={current} roles={['admin', 'campaign-manager']} page={(s) => <HandoffEditorPage session={s} />} />} />
      <Route path="/handoffs/:handoffId" element={<SignedIn session={current} roles={['admin', 'campaign-manager', 'lpa']} page={(s) => <HandoffViewPage session={s} />} />} />
      <Route path="/handoffs/:handoffId/edit" element={<SignedIn session={current} roles={['admin', 'campaign-manager']} page={(s) => <HandoffEditorPage session={s} />} />} />
      <Route path="/settings" element={<SignedIn session={current} roles={['admin', 'campaign-manager', 'lpa']} page={(s) => <SettingsPage session={s} />} />} />
      <Route path="/workspace" element={<SignedIn session={current} roles={['agent', 'agent-manager']} page={(s) => <WorkspacePage session={s} />} />} />
      <Route path="/simulator" element={<SignedIn session={current} roles={['admin', 'campaign-manager']} page={(s) => <SimulatorPage session={s} />} />} />
      <Route path="/whatsapp-templates" element={<SignedIn session={current} roles={['admin', 'campaign-manager', 'lpa', 'agent-manager']} page={(s) => <TemplatesPage session={s} />} />} />
      <Route path={NEW_TEMPLATE_PATH} element={<SignedIn session={current} roles={['admin', 'campaign-manager']} page={(s) => <NewTemplatePage session={s} />} />} />
      <Route path="/whatsapp-templates/:name" element={<SignedIn session={current} roles={['admin', 'campaign-manager', 'lpa', 'agent-manager']} page={(s) => <TemplatePage session={s} />} />} />
      <Route path="/users" element={<SignedIn session={current} roles={['admin']} page={(s) => <UsersPage session={s} />} />} />
      <Route path="/api-keys" element={<SignedIn session={current} roles={['admin']} page={(s) => <ApiKeysPage session={s} />} />} />
      <Route path="/connections" element={<SignedIn session={current} roles={['admin', 'campaign-manager', 'lpa']} page={(s) => <ConnectionsPage session={s} />} />} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  )
}

/** Agents and agent managers work in the workspace: it is their landing page (agent managers may also read the approved WhatsApp templates). */
const isAgent = (session: Session) => session.user.role === 'agent' || session.user.role === 'agent-manager'

/** Where the welcome page leads once seen: the next step the person chose on it, or their landing page. */
function nextAfterWelcome(state: unknown): string {
  const next = (state as { next?: unknown } | null)?.next
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/'
}

function SignedIn({ session, page, roles }: { session: Session | null; page: (session: Session) => React.ReactNode; roles?: readonly Role[] }) {
  const location = useLocation()
  if (!session) return <Navigate to="/login" replace />
  // The welcome page comes once: before anything else, and never again.
  const welcoming = location.pathname === '/welcome'
  if (!session.user.welcomedAt && !welcoming) return <Navigate to="/welcome" replace />
  if (session.user.welcomedAt && welcoming) return <Navigate to={nextAfterWelcome(location.state)} replace />
  if (roles && !roles.includes(session.user.role)) return <Navigate to="/" replace />
  const links = welcoming ? [] : NAV.filter((entry) => entry.roles.includes(session.user.role))
  return (
    <AppShell accountId={session.accountId} login={session.user.login} role={ROLES[session.user.role].name} signOut={<SignOut session={session} />} nav={links}>
      {page(session)}
    </AppShell>
  )
}

function SignOut({ session }: { session: Session }) {
  const navigate = useNavigate()
  const logout = useLogout(session.accountId)
  return (
    <Button variant="secondary" isDisabled={logout.isPending} onPress={() => logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })}>
      Sign out
    </Button>
  )
}
