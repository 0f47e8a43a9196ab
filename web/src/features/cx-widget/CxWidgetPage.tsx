import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { useSearchParams } from 'react-router'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { ApiError, api } from '../../lib/api.ts'
import { LoginPage } from '../session/LoginPage.tsx'
import { useSession, type Session } from '../session/session.api.ts'
import { CxWidgetPanel } from '../workspace/CxWidgetPanel.tsx'
import { CHANNEL_NAMES, useLiveEvents, workspaceKeys, type ConversationDetail, type LiveState } from '../workspace/workspace.api.ts'
import workspaceStyles from '../workspace/workspace.module.css'
import styles from './cx-widget.module.css'

const ACCOUNT = /^[0-9]{1,20}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const REFRESH_MS = 10_000
const LIVE_NAMES: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', stopped: 'Refreshing every 10 s' }

/**
 * The CX widget alone (`/cx-widget?account=…&conversation=…`), for a desk that embeds it in an
 * iframe: no navigation, the signed-in agent's view of one conversation's first outbound message
 * and recent invitations, kept current by the live stream and read again every 10 s.
 */
export function CxWidgetPage() {
  const [params] = useSearchParams()
  const accountId = params.get('account') ?? ''
  const conversationId = params.get('conversation') ?? ''
  const valid = ACCOUNT.test(accountId) && UUID.test(conversationId)
  if (valid) return <SignedInWidget accountId={accountId} conversationId={conversationId} />
  return (
    <main className={styles.page}>
      <h1 className={styles.title}>CX widget</h1>
      <Alert>This link must name an account and a conversation: /cx-widget?account=…&amp;conversation=…</Alert>
    </main>
  )
}

function SignedInWidget({ accountId, conversationId }: { accountId: string; conversationId: string }) {
  const session = useSession(accountId)
  if (session.isPending) {
    return (
      <main className={styles.page}>
        <p role="status">Loading…</p>
      </main>
    )
  }
  if (session.isError) {
    return (
      <main className={styles.page}>
        <h1 className={styles.title}>CX widget</h1>
        <Alert>The service cannot be reached: {session.error.message}</Alert>
        <Button onPress={() => session.refetch()}>Try again</Button>
      </main>
    )
  }
  // Signing in here sets this account's session, and the widget follows (see the README on framing and cookies).
  if (!session.data) return <LoginPage accountHint={accountId} afterSignIn={() => undefined} />
  if (session.data.user.role !== 'agent' && session.data.user.role !== 'agent-manager') {
    return (
      <main className={styles.page}>
        <h1 className={styles.title}>CX widget</h1>
        <Alert>The CX widget is for agents and agent managers; {session.data.user.login} is signed in with another role.</Alert>
      </main>
    )
  }
  return <Widget session={session.data} conversationId={conversationId} />
}

function Widget({ session, conversationId }: { session: Session; conversationId: string }) {
  const { accountId } = session
  const [live, setLive] = useState<LiveState>('connecting')
  useLiveEvents(accountId, 0, setLive)
  const conversation = useQuery({
    queryKey: workspaceKeys.detail(accountId, conversationId),
    queryFn: () => api<ConversationDetail>(accountId, `/conversations/${encodeURIComponent(conversationId)}`),
    refetchInterval: REFRESH_MS,
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  })

  const detail = conversation.data
  return (
    <main className={`${styles.page} ${workspaceStyles.workspace}`}>
      <div className={styles.topBar}>
        <h1 className={styles.title}>{detail ? `${CHANNEL_NAMES[detail.channel]} conversation · ${detail.skill} · ${detail.state}` : 'Conversation'}</h1>
        <span className={styles.meta}>
          {session.user.login} · <span role="status">{LIVE_NAMES[live]}</span>
        </span>
      </div>
      {conversation.isPending ? (
        <p role="status">Loading the conversation…</p>
      ) : conversation.isError ? (
        <>
          <Alert>{errorText(conversation.error)}</Alert>
          <Button variant="secondary" onPress={() => conversation.refetch()}>
            Try again
          </Button>
        </>
      ) : detail ? (
        <CxWidgetPanel widget={detail.cxWidget} />
      ) : null}
    </main>
  )
}

function errorText(error: Error): string {
  if (!(error instanceof ApiError)) return 'The service cannot be reached. Check your connection and try again.'
  if (error.status === 404) return 'There is no such conversation in this account.'
  if (error.status === 403) return 'This conversation is outside your skills.'
  return error.message
}
