import { useCallback, useMemo, useState } from 'react'
import { useSearchParams } from 'react-router'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import type { Session } from '../session/session.api.ts'
import { ConversationView } from './ConversationView.tsx'
import { formatAge, useNow } from './format.ts'
import {
  CHANNEL_NAMES,
  useAgents,
  useConversationAct,
  useConversations,
  useLiveEvents,
  useSetStatus,
  type AgentRow,
  type AgentStatus,
  type ConversationSummary,
  type LiveState,
} from './workspace.api.ts'
import styles from './workspace.module.css'

const LIVE_NAMES: Record<LiveState, string> = { connecting: 'Connecting to live updates…', live: 'Live', reconnecting: 'Reconnecting…', stopped: 'Live updates stopped' }

/**
 * The agent workspace: availability, the conversations ringing for me (with their countdown), the
 * waiting queues of my skills (every queue and agent for agent managers), my open conversations,
 * and the selected conversation. Kept current by the live event stream, without reloading.
 */
export function WorkspacePage({ session }: { session: Session }) {
  const { accountId, user } = session
  const isManager = user.role === 'agent-manager'
  const [params, setParams] = useSearchParams()
  const selected = params.get('conversation')
  const select = useCallback((id: string | null) => setParams(id ? { conversation: id } : {}, { replace: false }), [setParams])

  const [live, setLive] = useState<LiveState>('connecting')
  const [generation, setGeneration] = useState(0)
  useLiveEvents(accountId, generation, setLive)

  const rings = useConversations(accountId, { state: 'ringing', agent: user.id })
  const queued = useConversations(accountId, { state: 'queued' })
  const open = useConversations(accountId, { state: 'open', agent: user.id })
  const agents = useAgents(accountId, isManager)
  const accept = useConversationAct(accountId)

  const skills = useMemo(() => {
    const known = new Set(user.skills)
    for (const agent of agents.data ?? []) for (const skill of agent.skills) known.add(skill)
    for (const c of queued.data?.items ?? []) known.add(c.skill)
    return [...known].sort()
  }, [user.skills, agents.data, queued.data])

  const take = (id: string) => accept.mutate({ id, act: { kind: 'accept' } }, { onSuccess: () => select(id) })

  return (
    <div className={styles.workspace}>
      <div className={styles.topBar}>
        <h1>Agent workspace</h1>
        <StatusSwitch session={session} />
        <span className={styles.live} data-state={live} role="status">
          {LIVE_NAMES[live]}
        </span>
        {live === 'stopped' ? (
          <Button variant="secondary" onPress={() => setGeneration((g) => g + 1)}>
            Reconnect
          </Button>
        ) : null}
      </div>
      {accept.error ? <Alert>The conversation could not be accepted: {accept.error.message}</Alert> : null}

      <div className={styles.columns}>
        <div className={styles.sidebar}>
          <section className={styles.panel} aria-labelledby="rings-heading">
            <h2 id="rings-heading">Ringing for you</h2>
            <ListState query={rings} empty={user.status === 'online' ? 'Nothing is ringing. New conversations of your skills ring here.' : 'Go online to be offered conversations.'}>
              {(items) => (
                <ul className={styles.list}>
                  {items.map((c) => (
                    <RingItem key={c.id} c={c} selected={selected === c.id} onSelect={() => select(c.id)} onAccept={() => take(c.id)} busy={accept.isPending} />
                  ))}
                </ul>
              )}
            </ListState>
          </section>

          <section className={styles.panel} aria-labelledby="open-heading">
            <h2 id="open-heading">Your open conversations</h2>
            <ListState query={open} empty="You have no open conversation.">
              {(items) => (
                <ul className={styles.list}>
                  {items.map((c) => (
                    <li key={c.id}>
                      <ConversationButton c={c} selected={selected === c.id} onSelect={() => select(c.id)} />
                    </li>
                  ))}
                </ul>
              )}
            </ListState>
          </section>

          <section className={styles.panel} aria-labelledby="queues-heading">
            <h2 id="queues-heading">{isManager ? 'All queues' : 'Queues of your skills'}</h2>
            <ListState query={queued} empty={null}>
              {(items) => <Queues items={items} skills={isManager ? skills : user.skills} selected={selected} onSelect={select} onTake={take} busy={accept.isPending} />}
            </ListState>
          </section>

          {isManager ? (
            <section className={styles.panel} aria-labelledby="agents-heading">
              <h2 id="agents-heading">Agents</h2>
              {agents.isPending ? <p role="status">Loading…</p> : agents.isError ? <Alert>The agents cannot be loaded: {agents.error.message}</Alert> : <AgentsTable agents={agents.data} />}
            </section>
          ) : null}
        </div>

        <div className={styles.detail}>
          {selected ? (
            <ConversationView key={selected} session={session} id={selected} agents={agents.data} skills={skills} onLeft={() => select(null)} />
          ) : (
            <div className={`${styles.panel} ${styles.emptyDetail}`}>
              <h2>No conversation selected</h2>
              <p className={styles.muted}>Accept a ringing conversation, take one from a queue, or choose one of your open conversations to read it and reply.</p>
            </div>
          )}
        </div>
      </div>
    </div>
  )
}

function StatusSwitch({ session }: { session: Session }) {
  const setStatus = useSetStatus(session)
  // The choice shows at once, in the same render as the click: the mutation's own pending state
  // reaches React a tick later, and a controlled radio would spring back in between.
  const [chosen, setChosen] = useState<AgentStatus | null>(null)
  const current = chosen ?? session.user.status
  const choose = (status: AgentStatus) => {
    setChosen(status)
    setStatus.mutate(status, { onSettled: () => setChosen(null) })
  }
  const options: Array<{ value: AgentStatus; label: string }> = [
    { value: 'online', label: 'Online' },
    { value: 'away', label: 'Away' },
    { value: 'offline', label: 'Offline' },
  ]
  return (
    <fieldset className={styles.statusSwitch}>
      <legend className={styles.legend}>Your status</legend>
      {options.map((option) => (
        <label key={option.value} className={styles.statusOption} data-status={option.value}>
          <input type="radio" name="agent-status" value={option.value} checked={current === option.value} disabled={chosen !== null} onChange={() => choose(option.value)} />
          {option.label}
        </label>
      ))}
      {setStatus.error ? <span className={styles.fieldError}>Not changed: {setStatus.error.message}</span> : null}
    </fieldset>
  )
}

interface Listed {
  isPending: boolean
  isError: boolean
  error: Error | null
  data?: { items: ConversationSummary[]; total: number } | undefined
  refetch: () => unknown
}

function ListState({ query, empty, children }: { query: Listed; empty: string | null; children: (items: ConversationSummary[]) => React.ReactNode }) {
  if (query.isPending) return <p role="status">Loading…</p>
  if (query.isError || !query.data) {
    return (
      <>
        <Alert>Cannot be loaded: {query.error?.message}</Alert>
        <Button variant="secondary" onPress={() => void query.refetch()}>
          Try again
        </Button>
      </>
    )
  }
  if (query.data.items.length === 0 && empty !== null) return <p className={styles.muted}>{empty}</p>
  return children(query.data.items)
}

function RingItem({ c, selected, onSelect, onAccept, busy }: { c: ConversationSummary; selected: boolean; onSelect: () => void; onAccept: () => void; busy: boolean }) {
  const now = useNow()
  const left = c.ringExpiresAt ? Math.max(0, Math.ceil((Date.parse(c.ringExpiresAt) - now) / 1000)) : null
  return (
    <li className={styles.ring}>
      <ConversationButton c={c} selected={selected} onSelect={onSelect} />
      <div className={styles.ringActions}>
        <span className={styles.countdown}>{left === null ? '' : left > 0 ? `${left} s left` : 'Moving on…'}</span>
        <Button onPress={onAccept} isDisabled={busy} aria-label={`Accept the ${c.skill} conversation on ${CHANNEL_NAMES[c.channel]}`}>
          Accept
        </Button>
      </div>
    </li>
  )
}

function ConversationButton({ c, selected, onSelect }: { c: ConversationSummary; selected: boolean; onSelect: () => void }) {
  const now = useNow(15_000)
  return (
    <button type="button" className={styles.conversationButton} aria-current={selected ? 'true' : undefined} onClick={onSelect}>
      <span className={styles.conversationTitle}>
        {CHANNEL_NAMES[c.channel]} · {c.skill}
      </span>
      <span className={styles.muted}>
        {c.source === 'ivr-deflection' ? 'From the IVR' : 'Consumer wrote'} · {formatAge(c.updatedAt, now)} ago
      </span>
    </button>
  )
}

function Queues({ items, skills, selected, onSelect, onTake, busy }: { items: ConversationSummary[]; skills: string[]; selected: string | null; onSelect: (id: string) => void; onTake: (id: string) => void; busy: boolean }) {
  const names = [...new Set([...skills, ...items.map((c) => c.skill)])].sort()
  if (names.length === 0) return <p className={styles.muted}>You have no skill: ask an admin to give you one.</p>
  return (
    <ul className={styles.list}>
      {names.map((skill) => {
        const waiting = items.filter((c) => c.skill === skill)
        return (
          <li key={skill} className={styles.queue}>
            <span className={styles.queueName}>
              {skill}: {waiting.length === 0 ? 'nobody waiting' : `${waiting.length} waiting`}
            </span>
            {waiting.length > 0 ? (
              <ul className={styles.list}>
                {waiting.map((c) => (
                  <li key={c.id} className={styles.ring}>
                    <ConversationButton c={c} selected={selected === c.id} onSelect={() => onSelect(c.id)} />
                    <Button variant="secondary" onPress={() => onTake(c.id)} isDisabled={busy} aria-label={`Take the ${skill} conversation on ${CHANNEL_NAMES[c.channel]}`}>
                      Take
                    </Button>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        )
      })}
    </ul>
  )
}

function AgentsTable({ agents }: { agents: AgentRow[] }) {
  if (agents.length === 0) return <p className={styles.muted}>The brand has no agent yet.</p>
  return (
    <table className={styles.table}>
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col">Status</th>
          <th scope="col">Load</th>
          <th scope="col">Skills</th>
        </tr>
      </thead>
      <tbody>
        {agents.map((a) => (
          <tr key={a.id}>
            <td>{a.login}</td>
            <td>{a.status}</td>
            <td>
              {a.load} / {a.maxConversations}
            </td>
            <td>{a.skills.join(', ') || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
