import { useId, useState, type FormEvent } from 'react'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { ApiError } from '../../lib/api.ts'
import type { Session } from '../session/session.api.ts'
import { CxWidgetPanel } from './CxWidgetPanel.tsx'
import { formatTime } from './format.ts'
import { CHANNEL_NAMES, useConversation, useConversationAct, useReply, type AgentRow, type ConversationDetail, type TranscriptMessage } from './workspace.api.ts'
import styles from './workspace.module.css'

const WHATSAPP_WINDOW_MS = 24 * 3600_000
const STATE_NAMES = { queued: 'Waiting in the queue', ringing: 'Ringing', open: 'Open', closed: 'Closed' } as const

interface ConversationViewProps {
  session: Session
  id: string
  /** Every agent (agent managers only): whom a conversation can be handed to. */
  agents: AgentRow[] | undefined
  /** Skills known to the page, offered when transferring. */
  skills: string[]
  onLeft: () => void
}

/** One conversation: who the consumer is, the transcript, the reply box, transfer and close, the SDEs and the CX widget. */
export function ConversationView({ session, id, agents, skills, onLeft }: ConversationViewProps) {
  const conversation = useConversation(session.accountId, id)
  if (conversation.isPending) return <p role="status">Loading the conversation…</p>
  if (conversation.isError) {
    const gone = conversation.error instanceof ApiError && conversation.error.status === 404
    return (
      <div className={styles.panel}>
        <Alert>{gone ? 'This conversation is no longer yours to see: it was transferred or does not exist.' : `The conversation cannot be loaded: ${conversation.error.message}`}</Alert>
        <Button variant="secondary" onPress={() => (gone ? onLeft() : void conversation.refetch())}>
          {gone ? 'Back to the workspace' : 'Try again'}
        </Button>
      </div>
    )
  }
  return <Conversation session={session} c={conversation.data} agents={agents} skills={skills} onLeft={onLeft} />
}

function Conversation({ session, c, agents, skills, onLeft }: { session: Session; c: ConversationDetail; agents: AgentRow[] | undefined; skills: string[]; onLeft: () => void }) {
  const me = session.user
  const isManager = me.role === 'agent-manager'
  const mine = c.agentId === me.id
  const act = useConversationAct(session.accountId)
  const canWork = c.state === 'open' && (mine || isManager)

  return (
    <article className={styles.conversation} aria-labelledby="conversation-heading">
      <header className={styles.conversationHeader}>
        <h2 id="conversation-heading">
          {CHANNEL_NAMES[c.channel]} conversation with <span className={styles.code}>{c.consumer.id}</span>
        </h2>
        <dl className={styles.facts}>
          <dt>State</dt>
          <dd>{STATE_NAMES[c.state]}</dd>
          <dt>Skill</dt>
          <dd>{c.skill}</dd>
          <dt>Agent</dt>
          <dd>{c.agent ? (c.agent.id === me.id ? `${c.agent.login} (you)` : c.agent.login) : 'nobody yet'}</dd>
          <dt>Started</dt>
          <dd>
            <time dateTime={c.createdAt}>{formatTime(c.createdAt)}</time> {c.source === 'ivr-deflection' ? '(moved from the IVR)' : '(the consumer wrote first)'}
          </dd>
          <dt>Brand address</dt>
          <dd className={styles.code}>{c.consumer.brandAddress}</dd>
        </dl>
        {c.state === 'ringing' && mine ? (
          <Button onPress={() => act.mutate({ id: c.id, act: { kind: 'accept' } })} isDisabled={act.isPending}>
            Accept
          </Button>
        ) : null}
        {c.state === 'queued' ? (
          <Button onPress={() => act.mutate({ id: c.id, act: { kind: 'accept' } })} isDisabled={act.isPending}>
            Take from the queue
          </Button>
        ) : null}
        {act.error ? <Alert>{act.error.message}</Alert> : null}
      </header>

      <section aria-labelledby="transcript-heading" className={styles.panel}>
        <h3 id="transcript-heading">Transcript</h3>
        <Transcript messages={c.messages} myId={me.id} />
      </section>

      {canWork ? <ReplyBox session={session} c={c} /> : null}
      {canWork ? <Handling session={session} c={c} agents={agents} skills={skills} onLeft={onLeft} /> : null}
      {c.state === 'closed' && c.closedAt ? (
        <p className={styles.muted}>
          Closed at <time dateTime={c.closedAt}>{formatTime(c.closedAt)}</time>.
        </p>
      ) : null}

      <div className={styles.sideBySide}>
        <section aria-labelledby="sdes-heading" className={styles.panel}>
          <h3 id="sdes-heading">Consumer's SDEs</h3>
          <Sdes sdes={c.sdes} />
        </section>
        <CxWidgetPanel widget={c.cxWidget} headingLevel={3} />
      </div>
    </article>
  )
}

const AUTHORS: Record<TranscriptMessage['author'], string> = { consumer: 'Consumer', agent: 'Agent', invitation: 'First outbound message (the invitation)' }

const FROM: Record<TranscriptMessage['author'], string> = { consumer: 'fromConsumer', agent: 'fromAgent', invitation: 'fromInvitation' }

function Transcript({ messages, myId }: { messages: TranscriptMessage[]; myId: string }) {
  if (messages.length === 0) return <p className={styles.muted}>No message yet.</p>
  return (
    <ol className={styles.transcript} aria-live="polite" aria-relevant="additions">
      {messages.map((m) => (
        <li key={m.id} className={`${styles.message} ${styles[FROM[m.author]] ?? ''}`}>
          <span className={styles.author}>{m.author === 'agent' && m.agentId === myId ? 'You' : AUTHORS[m.author]}</span>{' '}
          <time className={styles.muted} dateTime={m.createdAt}>
            {formatTime(m.createdAt)}
          </time>
          <p className={styles.messageText}>{m.text}</p>
        </li>
      ))}
    </ol>
  )
}

/** SDEs as the IVR sent them (LivePerson's engagement attributes): each shown by its type, its fields as text. */
function Sdes({ sdes }: { sdes: unknown[] | null }) {
  if (!sdes || sdes.length === 0) return <p className={styles.muted}>The IVR sent no SDEs for this consumer.</p>
  return (
    <ul className={styles.sdes}>
      {sdes.map((sde, index) => {
        const fields = sde !== null && typeof sde === 'object' && !Array.isArray(sde) ? Object.entries(sde as Record<string, unknown>) : [['value', sde] as const]
        const type = fields.find(([key]) => key === 'type')?.[1]
        return (
          <li key={index}>
            <strong>{typeof type === 'string' ? type : `SDE ${index + 1}`}</strong>
            <dl className={styles.facts}>
              {fields
                .filter(([key]) => key !== 'type')
                .map(([key, value]) => (
                  <div key={key} className={styles.factRow}>
                    <dt>{key}</dt>
                    <dd className={styles.sdeValue}>{typeof value === 'string' ? value : JSON.stringify(value, null, 1)}</dd>
                  </div>
                ))}
            </dl>
          </li>
        )
      })}
    </ul>
  )
}

function fieldErrorOf(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined
  return error.fields.find((f) => f.field.replace(/^body\./, '') === field)?.message
}

function ReplyBox({ session, c }: { session: Session; c: ConversationDetail }) {
  const reply = useReply(session.accountId, c.id)
  const [text, setText] = useState('')
  const fieldId = useId()
  const limit = c.channel === 'sms' ? 1600 : 4096
  const windowClosed = reply.error instanceof ApiError && reply.error.errorCode === 1401
  const quietSince = c.lastConsumerMessageAt ? Date.parse(c.lastConsumerMessageAt) : null
  const windowLikelyClosed = c.channel === 'wa' && (quietSince === null || Date.now() - quietSince > WHATSAPP_WINDOW_MS)
  const fieldError = fieldErrorOf(reply.error, 'text')

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (text.trim() === '') return
    reply.mutate(text, { onSuccess: () => setText('') })
  }

  return (
    <form className={styles.panel} onSubmit={submit} aria-labelledby={`${fieldId}-heading`}>
      <h3 id={`${fieldId}-heading`}>Reply</h3>
      <label htmlFor={fieldId} className={styles.label}>
        Your reply to the consumer
      </label>
      <textarea
        id={fieldId}
        className={styles.textarea}
        value={text}
        maxLength={limit}
        rows={3}
        onChange={(event) => setText(event.target.value)}
        aria-describedby={`${fieldId}-count${fieldError ? ` ${fieldId}-error` : ''}`}
        aria-invalid={fieldError ? true : undefined}
      />
      <span id={`${fieldId}-count`} className={styles.hint}>
        {text.length} / {limit} characters{c.channel === 'sms' ? ' (long texts go as several SMS segments)' : ''}
      </span>
      {fieldError ? (
        <span id={`${fieldId}-error`} className={styles.fieldError}>
          {fieldError}
        </span>
      ) : null}
      {windowLikelyClosed && !windowClosed ? (
        <p className={styles.hint}>The consumer has not written on WhatsApp for 24 hours: WhatsApp will likely refuse free-form text.</p>
      ) : null}
      {windowClosed ? (
        <Alert>
          WhatsApp refused this reply: a business may send free-form text only within 24 hours of the consumer's last message
          {c.lastConsumerMessageAt ? ` (here ${formatTime(c.lastConsumerMessageAt)})` : ''}. Outside that window only an approved WhatsApp template can
          be sent. Once the consumer writes again, the window opens for another 24 hours.
        </Alert>
      ) : reply.error && !fieldError ? (
        <Alert>The reply was not sent: {reply.error.message}</Alert>
      ) : null}
      <div className={styles.actions}>
        <Button type="submit" isDisabled={reply.isPending || text.trim() === ''}>
          {reply.isPending ? 'Sending…' : 'Send reply'}
        </Button>
      </div>
    </form>
  )
}

function Handling({ session, c, agents, skills, onLeft }: { session: Session; c: ConversationDetail; agents: AgentRow[] | undefined; skills: string[]; onLeft: () => void }) {
  const isManager = session.user.role === 'agent-manager'
  const transfer = useConversationAct(session.accountId)
  const close = useConversationAct(session.accountId)
  const [skill, setSkill] = useState('')
  const [agentId, setAgentId] = useState('')
  const base = useId()
  const skillError = fieldErrorOf(transfer.error, 'skill')
  const agentError = fieldErrorOf(transfer.error, 'agentId')
  const otherAgents = (agents ?? []).filter((a) => a.id !== c.agentId)

  function toSkill(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (skill.trim() === '') return
    transfer.mutate({ id: c.id, act: { kind: 'transfer', to: { skill: skill.trim() } } }, { onSuccess: () => (c.agentId === session.user.id && !isManager ? onLeft() : undefined) })
  }
  function toAgent(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (agentId === '') return
    transfer.mutate({ id: c.id, act: { kind: 'transfer', to: { agentId } } })
  }

  return (
    <section className={styles.panel} aria-labelledby={`${base}-heading`}>
      <h3 id={`${base}-heading`}>Transfer or close</h3>
      <div className={styles.handling}>
        <form onSubmit={toSkill} className={styles.inlineForm}>
          <label htmlFor={`${base}-skill`} className={styles.label}>
            Transfer to skill
          </label>
          <input
            id={`${base}-skill`}
            className={styles.input}
            list={`${base}-skills`}
            value={skill}
            maxLength={255}
            onChange={(event) => setSkill(event.target.value)}
            aria-invalid={skillError ? true : undefined}
            aria-describedby={skillError ? `${base}-skill-error` : undefined}
          />
          <datalist id={`${base}-skills`}>
            {skills
              .filter((s) => s !== c.skill)
              .map((s) => (
                <option key={s} value={s} />
              ))}
          </datalist>
          {skillError ? (
            <span id={`${base}-skill-error`} className={styles.fieldError}>
              {skillError}
            </span>
          ) : null}
          <Button type="submit" variant="secondary" isDisabled={transfer.isPending || skill.trim() === ''}>
            Transfer
          </Button>
        </form>
        {isManager ? (
          <form onSubmit={toAgent} className={styles.inlineForm}>
            <label htmlFor={`${base}-agent`} className={styles.label}>
              Transfer to agent
            </label>
            <select id={`${base}-agent`} className={styles.input} value={agentId} onChange={(event) => setAgentId(event.target.value)} aria-invalid={agentError ? true : undefined}>
              <option value="">Choose an agent…</option>
              {otherAgents.map((a) => (
                <option key={a.id} value={a.id} disabled={a.status !== 'online' || a.load >= a.maxConversations}>
                  {a.login} ({a.status}, {a.load}/{a.maxConversations})
                </option>
              ))}
            </select>
            {agentError ? <span className={styles.fieldError}>{agentError}</span> : null}
            <Button type="submit" variant="secondary" isDisabled={transfer.isPending || agentId === ''}>
              Ring agent
            </Button>
          </form>
        ) : null}
        <div className={styles.closeBox}>
          <Button variant="secondary" className={styles.danger} onPress={() => close.mutate({ id: c.id, act: { kind: 'close' } })} isDisabled={close.isPending}>
            Close conversation
          </Button>
        </div>
      </div>
      {transfer.error && !skillError && !agentError ? <Alert>The transfer was refused: {transfer.error.message}</Alert> : null}
      {close.error ? <Alert>The conversation was not closed: {close.error.message}</Alert> : null}
    </section>
  )
}
