import { useEffect, useRef, useState, type FormEvent } from 'react'
import { Form } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { Field } from '../../components/Field.tsx'
import { ApiError } from '../../lib/api.ts'
import { type Channel, type ConsumerReply, type SandboxMessage, useConsumerReply, useSandboxMessages } from './simulator.api.ts'
import styles from './simulator.module.css'

const CHANNEL_NAMES: Record<string, string> = { sms: 'SMS', wa: 'WhatsApp', inapp: 'In-app' }

/** A simulated phone: the consumer's SMS and WhatsApp thread with the brand, and a reply box. */
export function ConsumerPhone({ accountId, phone }: { accountId: string; phone: string }) {
  const messages = useSandboxMessages(accountId, phone)
  const thread = (messages.data?.items ?? []).filter((m) => m.channel !== 'inapp')
  // The consumer answers where the brand last wrote from: its number, on its channel.
  const last = [...thread].reverse().find((m) => m.direction === 'outbound')
  const replyTo = last ? { channel: last.channel as Channel, to: last.from } : null
  return (
    <section className={styles.device} aria-label={`Phone ${phone}`}>
      <h3 className={styles.deviceTitle}>
        Phone {phone}
      </h3>
      <Thread query={messages} items={thread} empty="No text or WhatsApp message yet." />
      <ReplyBox
        accountId={accountId}
        consumer={phone}
        label={`Reply from ${phone}`}
        unavailable={replyTo ? null : 'The phone can reply once the brand has written to it.'}
        toReply={(text) => ({ channel: replyTo!.channel, from: phone, to: replyTo!.to, text })}
        sentHow={replyTo ? `Sent by ${CHANNEL_NAMES[replyTo.channel]} to ${replyTo.to}` : undefined}
      />
    </section>
  )
}

/** A simulated app: the push of the latest in-app message, the thread, and a reply box. */
export function ConsumerApp({ accountId, consumerId }: { accountId: string; consumerId: string }) {
  const messages = useSandboxMessages(accountId, consumerId)
  const thread = (messages.data?.items ?? []).filter((m) => m.channel === 'inapp')
  const last = [...thread].reverse().find((m) => m.direction === 'outbound')
  const appId = last?.appId ?? last?.from ?? null
  return (
    <section className={styles.device} aria-label={`App of ${consumerId}`}>
      <h3 className={styles.deviceTitle}>
        App user {consumerId}
      </h3>
      {last ? (
        <div className={styles.push} role="status" aria-label="Push notification">
          <strong>Push{appId ? ` from ${appId}` : ''}</strong>
          <span className={styles.text}>{last.text}</span>
        </div>
      ) : null}
      <Thread query={messages} items={thread} empty="No in-app message yet." />
      <ReplyBox
        accountId={accountId}
        consumer={consumerId}
        label={`Reply in the app as ${consumerId}`}
        unavailable={appId ? null : 'The app can reply once the brand has sent it a message.'}
        toReply={(text) => ({ channel: 'inapp', from: consumerId, consumerId, appId: appId!, to: appId!, text })}
        sentHow={appId ? `Sent in ${appId}` : undefined}
      />
    </section>
  )
}

interface ThreadProps {
  query: { isPending: boolean; isError: boolean; error: Error | null; refetch: () => unknown }
  items: SandboxMessage[]
  empty: string
}

function Thread({ query, items, empty }: ThreadProps) {
  // A phone keeps the newest message in view: scrolled to the bottom when one arrives.
  const list = useRef<HTMLOListElement>(null)
  const newest = items.at(-1)?.id
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight
  }, [newest])
  if (query.isPending) return <p role="status">Loading messages…</p>
  if (query.isError && items.length === 0) {
    return (
      <Alert>
        The messages could not be loaded: {query.error?.message}{' '}
        <Button variant="secondary" onPress={() => query.refetch()}>
          Try again
        </Button>
      </Alert>
    )
  }
  if (items.length === 0) return <p className={styles.muted}>{empty}</p>
  return (
    <ol ref={list} className={styles.thread} aria-label="Messages" tabIndex={0}>
      {items.map((m) => (
        <li key={m.id} className={m.direction === 'outbound' ? styles.fromBrand : styles.fromConsumer}>
          <span className={styles.meta}>
            {m.direction === 'outbound' ? `Brand ${m.from}` : 'You'} · {CHANNEL_NAMES[m.channel] ?? m.channel} · {new Date(m.createdAt).toLocaleTimeString()}
            {m.direction === 'outbound' ? ` · ${m.status}` : ''}
          </span>
          <span className={styles.text}>{m.text}</span>
        </li>
      ))}
    </ol>
  )
}

interface ReplyBoxProps {
  accountId: string
  consumer: string
  label: string
  /** Why the consumer cannot reply yet, or null. */
  unavailable: string | null
  toReply: (text: string) => ConsumerReply
  /** How the reply travels, shown under the box. */
  sentHow: string | undefined
}

function ReplyBox({ accountId, consumer, label, unavailable, toReply, sentHow }: ReplyBoxProps) {
  const reply = useConsumerReply(accountId, consumer)
  const [text, setText] = useState('')
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (unavailable || text.trim() === '') return
    reply.mutate(toReply(text), { onSuccess: () => setText('') })
  }
  const errors = reply.error instanceof ApiError ? Object.fromEntries(reply.error.fields.map((f) => [f.field.replace(/^body\./, ''), f.message])) : {}
  return (
    <>
      {reply.error && !errors.text ? <Alert>The reply was not sent: {reply.error.message}</Alert> : null}
      <Form onSubmit={submit} validationErrors={errors.text ? { text: errors.text } : {}} className={styles.reply}>
        <Field label={label} name="text" value={text} onChange={setText} maxLength={4096} isDisabled={unavailable !== null} hint={unavailable ?? sentHow} />
        <Button type="submit" isDisabled={unavailable !== null || reply.isPending || text.trim() === ''}>
          {reply.isPending ? 'Sending…' : 'Send'}
        </Button>
      </Form>
    </>
  )
}
