import { useRef, useState } from 'react'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { InlineConfirm } from '../../components/InlineConfirm.tsx'
import { CopyButton } from '../../components/CopyButton.tsx'
import { ApiError } from '../../lib/api.ts'
import { type ChannelMode, type ChannelModeState, type ProviderSummary, useDisconnect, useSwitchMode } from './connections.api.ts'
import { ConnectionForm } from './ConnectionForm.tsx'
import type { ProviderSpec } from './providers.ts'
import styles from './connections.module.css'

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

interface ProviderSectionProps {
  accountId: string
  spec: ProviderSpec
  summary: ProviderSummary
  /** The channel's mode, once `/channel-modes` has answered. */
  mode: ChannelModeState | undefined
  /** Admins and campaign managers; LPA users read only. */
  canWrite: boolean
  publicUrlSet: boolean
}

/** One provider: connected or not, its masked credentials, the webhook URLs to paste, its channel's mode, and the forms that change them. */
export function ProviderSection({ accountId, spec, summary, mode, canWrite, publicUrlSet }: ProviderSectionProps) {
  const [replacing, setReplacing] = useState(false)
  const status = useRef<HTMLParagraphElement>(null)
  const headingId = `${spec.provider}-heading`
  const connection = summary.connected ? summary.connection : undefined

  // After a save or a disconnect the focus lands on the new state, which is what changed.
  const settled = () => {
    setReplacing(false)
    status.current?.focus()
  }

  return (
    <section aria-labelledby={headingId} className={styles.card}>
      <div className={styles.cardHeader}>
        <h2 id={headingId}>{spec.name}</h2>
        <span className={summary.connected ? styles.connected : styles.notConnected}>{summary.connected ? 'Connected' : 'Not connected'}</span>
      </div>
      <p className={styles.muted}>{spec.serves}.</p>
      <p ref={status} tabIndex={-1} className={styles.status}>
        {summary.connected && summary.connectedAt
          ? `Connected since ${when(summary.connectedAt)}${summary.updatedAt && summary.updatedAt !== summary.connectedAt ? `; credentials last saved ${when(summary.updatedAt)}` : ''}.`
          : `${spec.name} is not connected.`}
      </p>

      {connection ? <StoredValues spec={spec} connection={connection} /> : null}

      <Webhooks accountId={accountId} spec={spec} summary={summary} publicUrlSet={publicUrlSet} />

      <ModeSwitch accountId={accountId} spec={spec} mode={mode} canWrite={canWrite} />

      {canWrite ? (
        summary.connected && !replacing ? (
          <div className={styles.buttons}>
            <Button variant="secondary" onPress={() => setReplacing(true)}>
              Replace the credentials
            </Button>
            <Disconnect accountId={accountId} spec={spec} mode={mode} onDone={settled} />
          </div>
        ) : (
          <ConnectionForm key={summary.updatedAt ?? 'new'} accountId={accountId} spec={spec} current={connection} onSaved={settled} onCancel={replacing ? () => setReplacing(false) : undefined} />
        )
      ) : null}
    </section>
  )
}

function StoredValues({ spec, connection }: { spec: ProviderSpec; connection: Record<string, unknown> }) {
  const shown = spec.shown.map(({ label, value }) => ({ label, value: value(connection) })).filter((v) => typeof v.value === 'string' && v.value !== '')
  return (
    <dl className={`${styles.values} ${styles.stored}`}>
      {shown.map(({ label, value }) => (
        <div key={label} className={styles.value}>
          <dt>{label}</dt>
          <dd>
            <code className={styles.code}>{String(value)}</code>
          </dd>
        </div>
      ))}
    </dl>
  )
}

function Webhooks({ accountId, spec, summary, publicUrlSet }: { accountId: string; spec: ProviderSpec; summary: ProviderSummary; publicUrlSet: boolean }) {
  return (
    <div className={styles.part}>
      <h3>Webhooks</h3>
      {summary.webhooks.length === 0 ? <p className={styles.muted}>{spec.noWebhooks?.replace('{accountId}', accountId)}</p> : null}
      {summary.webhooks.length > 0 ? (
        <dl className={styles.values}>
          {summary.webhooks.map((webhook) => {
            const about = spec.webhooks[webhook.name]
            const label = about?.label ?? webhook.name
            return (
              <div key={webhook.name} className={styles.value}>
                <dt>{label}</dt>
                <dd>
                  <span className={styles.copyRow}>
                    <code className={styles.code}>{webhook.url}</code>
                    <CopyButton value={webhook.url} label={`Copy the ${spec.name} ${label} URL`} />
                  </span>
                  {about ? <span className={styles.muted}>{about.how}</span> : null}
                  {webhook.name === 'status' && !publicUrlSet ? (
                    <span className={styles.muted}>Without PUBLIC_URL the service does not ask for these callbacks.</span>
                  ) : null}
                </dd>
              </div>
            )
          })}
        </dl>
      ) : null}
    </div>
  )
}

const MODES: ReadonlyArray<{ value: ChannelMode; label: string }> = [
  { value: 'sandbox', label: 'Sandbox' },
  { value: 'live', label: 'Live' },
]

function ModeSwitch({ accountId, spec, mode, canWrite }: { accountId: string; spec: ProviderSpec; mode: ChannelModeState | undefined; canWrite: boolean }) {
  const switchMode = useSwitchMode(accountId)
  // The choice shows in the click's own render: the mutation's pending state reaches React a tick later.
  const [chosen, setChosen] = useState<ChannelMode | null>(null)
  const errorId = `${spec.channel}-mode-error`
  if (!mode) return <p role="status">Loading the {spec.channelName} mode…</p>
  const current = chosen ?? mode.mode
  const choose = (next: ChannelMode) => {
    setChosen(next)
    switchMode.mutate({ channel: spec.channel, mode: next }, { onSettled: () => setChosen(null) })
  }
  const explanation =
    mode.mode === 'sandbox'
      ? `${spec.channelName} messages land in the consumer simulator; nothing reaches a real phone.`
      : mode.connected
        ? `${spec.channelName} messages go through ${spec.name}.`
        : null
  return (
    <div className={styles.part}>
      <h3>{spec.channelName} channel</h3>
      {!mode.deliverable ? (
        <p className={styles.warning}>
          <strong>
            {spec.channelName} is live without a {spec.name} connection: eligibility does not offer it and its messages fail, so calls fall back to
            their next channel.
          </strong>{' '}
          {canWrite ? `Connect ${spec.name} again, or switch ${spec.channelName} to sandbox.` : null}
        </p>
      ) : null}
      {canWrite ? (
        <fieldset className={styles.modeSwitch} aria-describedby={switchMode.error ? errorId : undefined}>
          <legend className={styles.label}>{spec.channelName} mode</legend>
          {MODES.map((option) => (
            <label key={option.value} className={styles.modeOption}>
              <input
                type="radio"
                name={`${spec.channel}-mode`}
                value={option.value}
                checked={current === option.value}
                // Live needs the connection (the service refuses it otherwise); sandbox is always allowed.
                disabled={chosen !== null || (option.value === 'live' && !mode.connected && mode.mode !== 'live')}
                onChange={() => choose(option.value)}
              />
              {option.label}
            </label>
          ))}
        </fieldset>
      ) : (
        <p>
          Mode: <strong>{mode.mode === 'live' ? 'Live' : 'Sandbox'}</strong>
        </p>
      )}
      {explanation ? <p className={styles.muted}>{explanation}</p> : null}
      {canWrite && !mode.connected && mode.mode === 'sandbox' ? <p className={styles.muted}>Live needs a {spec.name} connection: connecting takes {spec.channelName} live.</p> : null}
      {canWrite && mode.connected ? (
        <p className={styles.muted}>
          Live without a connection stops {spec.channelName} being offered: eligibility leaves it out until {spec.name} is connected again or the channel is back in sandbox.
        </p>
      ) : null}
      {switchMode.error ? (
        <span id={errorId} className={styles.error}>
          Not changed: {switchMode.error.message}
        </span>
      ) : null}
    </div>
  )
}

function Disconnect({ accountId, spec, mode, onDone }: { accountId: string; spec: ProviderSpec; mode: ChannelModeState | undefined; onDone: () => void }) {
  const disconnect = useDisconnect(accountId, spec.provider)
  const [confirming, setConfirming] = useState(false)
  const consequence =
    mode?.mode === 'live'
      ? `${spec.channelName} stays live and stops being offered until you connect again or switch it to sandbox.`
      : `${spec.channelName} is in sandbox mode: the simulator keeps working.`
  const error =
    disconnect.error instanceof ApiError && disconnect.error.status === 404
      ? `${spec.name} was already disconnected.`
      : disconnect.error
        ? `${spec.name} could not be disconnected: ${disconnect.error.message}`
        : null
  return (
    <div className={styles.disconnect}>
      <InlineConfirm
        confirming={confirming}
        question={`Disconnect ${spec.name}? Its credentials are deleted. ${consequence}`}
        confirmLabel="Yes, disconnect"
        busy={disconnect.isPending}
        layout="boxed"
        onConfirm={() => disconnect.mutate(undefined, { onSuccess: onDone, onSettled: () => setConfirming(false) })}
        onCancel={() => setConfirming(false)}
      >
        <Button
          variant="secondary"
          onPress={() => {
            disconnect.reset()
            setConfirming(true)
          }}
        >
          Disconnect {spec.name}
        </Button>
      </InlineConfirm>
      {error ? <Alert>{error}</Alert> : null}
    </div>
  )
}
