import { useState } from 'react'
import { Link } from 'react-router'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { LoadFailed } from '../../components/LoadFailed.tsx'
import { InlineConfirm } from '../../components/InlineConfirm.tsx'
import { CHANNEL_NAMES, CHANNEL_PROVIDERS, type Channel, type ChannelMode, type ChannelModeState, useChannelModes, useSwitchChannelMode } from './settings.api.ts'
import styles from './settings.module.css'

/**
 * Each channel's mode. Sandbox delivers into the consumer simulator; live sends through the
 * brand's provider connection, so a channel can only go live once its provider is connected (the
 * service refuses it otherwise). A switch takes effect at once, after an inline confirmation.
 */
export function ChannelModesSection({ accountId, canWrite }: { accountId: string; canWrite: boolean }) {
  const modes = useChannelModes(accountId)
  const switchMode = useSwitchChannelMode(accountId)
  const [confirming, setConfirming] = useState<Channel | null>(null)
  const [done, setDone] = useState<string>('')

  return (
    <section aria-labelledby="modes-heading" className={styles.card}>
      <h2 id="modes-heading">Channel modes: sandbox or live</h2>
      <dl className={styles.modeHelp}>
        <div>
          <dt>Sandbox</dt>
          <dd>Messages go to the built-in consumer simulator: nothing reaches a real phone or app. Every new brand starts here.</dd>
        </div>
        <div>
          <dt>Live</dt>
          <dd>
            Messages are sent to real consumers through your own provider account: Twilio for SMS, WhatsApp Business (Meta) for WhatsApp, Firebase Cloud Messaging for App
            Messaging. A channel can go live only once its provider is connected on the <Link to="/connections">Provider connections</Link> page.
          </dd>
        </div>
      </dl>
      {modes.isPending ? <p role="status">Loading the channel modes…</p> : null}
      <LoadFailed query={modes} what="The channel modes cannot be read" />
      {modes.data ? (
        <ul className={styles.modeList} aria-label="Channel modes">
          {modes.data.map((state) => (
            <ModeRow
              key={state.channel}
              state={state}
              canWrite={canWrite}
              confirming={confirming === state.channel}
              busy={switchMode.isPending}
              error={switchMode.error && switchMode.variables?.channel === state.channel ? switchMode.error.message : null}
              onAsk={() => {
                switchMode.reset()
                setDone('')
                setConfirming(state.channel)
              }}
              onCancel={() => setConfirming(null)}
              onConfirm={(mode) =>
                switchMode.mutate(
                  { channel: state.channel, mode },
                  {
                    onSuccess: () => setDone(`${CHANNEL_NAMES[state.channel]} is now ${mode === 'live' ? 'live' : 'in the sandbox'}.`),
                    onSettled: () => setConfirming(null),
                  },
                )
              }
            />
          ))}
        </ul>
      ) : null}
      <p role="status" className={styles.success}>
        {done}
      </p>
    </section>
  )
}

interface ModeRowProps {
  state: ChannelModeState
  canWrite: boolean
  confirming: boolean
  busy: boolean
  error: string | null
  onAsk: () => void
  onCancel: () => void
  onConfirm: (mode: ChannelMode) => void
}

function ModeRow({ state, canWrite, confirming, busy, error, onAsk, onCancel, onConfirm }: ModeRowProps) {
  const name = CHANNEL_NAMES[state.channel]
  const provider = CHANNEL_PROVIDERS[state.channel]
  const target: ChannelMode = state.mode === 'live' ? 'sandbox' : 'live'
  // Going live needs the connection; going back to the sandbox is always allowed.
  const mayGoThere = target === 'sandbox' || state.connected
  return (
    <li className={styles.mode} aria-label={name}>
      <span className={styles.channelName}>{name}</span>
      <span className={state.mode === 'live' ? styles.live : styles.sandbox}>{state.mode === 'live' ? 'Live' : 'Sandbox'}</span>
      <span className={styles.muted}>{state.connected ? `${provider} connected` : `${provider} not connected`}</span>
      {!state.deliverable ? (
        <p className={styles.warning}>
          {name} is live without a {provider} connection: it is not offered to consumers and its sends fail. Connect {provider} again on the{' '}
          <Link to="/connections">Provider connections</Link> page{canWrite ? ', or switch it back to the sandbox' : ''}.
        </p>
      ) : null}
      {canWrite ? (
        <span className={styles.modeActions}>
          {mayGoThere || confirming ? (
            <InlineConfirm
              confirming={confirming}
              question={
                target === 'live'
                  ? `Switch ${name} to live? Its messages will go to real consumers through ${provider}.`
                  : `Switch ${name} to the sandbox? Its messages will go to the consumer simulator instead of real consumers.`
              }
              confirmLabel={target === 'live' ? 'Yes, go live' : 'Yes, use the sandbox'}
              busy={busy}
              danger={false}
              layout="inline"
              onConfirm={() => onConfirm(target)}
              onCancel={onCancel}
            >
              <Button variant="secondary" onPress={onAsk}>
                {target === 'live' ? `Switch ${name} to live` : `Switch ${name} to sandbox`}
              </Button>
            </InlineConfirm>
          ) : (
            <span className={styles.muted}>
              To go live, connect {provider} on the <Link to="/connections">Provider connections</Link> page.
            </span>
          )}
        </span>
      ) : null}
      {error ? <span className={styles.error}>{error}</span> : null}
    </li>
  )
}
