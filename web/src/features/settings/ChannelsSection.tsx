import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { type BrandSettings, CHANNEL_NAMES, alertOf, fieldErrorsOf, useSaveSettings } from './settings.api.ts'
import styles from './settings.module.css'

type Channels = BrandSettings['channels']

interface ChannelsSectionProps {
  accountId: string
  /** The stored settings (or the defaults of a brand without any): the other sections' values go back as they are. */
  stored: BrandSettings
  canWrite: boolean
}

/**
 * The channels in priority order, each on or off. The order changes with Move up / Move down
 * (keyboard and pointer alike): the focus stays on the moved channel and a live status says where
 * it went. Nothing is stored until "Save channels".
 */
export function ChannelsSection({ accountId, stored, canWrite }: ChannelsSectionProps) {
  const save = useSaveSettings(accountId)
  const [draft, setDraft] = useState<Channels | null>(null)
  const [announcement, setAnnouncement] = useState('')
  const [saved, setSaved] = useState(false)
  const list = useRef<HTMLOListElement>(null)
  const warningId = useId()
  const status = useRef<HTMLSpanElement>(null)
  const focusAfterMove = useRef<{ name: string; direction: 'up' | 'down' } | null>(null)
  const channels = draft ?? stored.channels

  // The moved channel keeps the focus: on the same button, or on the other one when it reached an end.
  useEffect(() => {
    const pending = focusAfterMove.current
    if (!pending) return
    focusAfterMove.current = null
    const item = list.current?.querySelector(`[data-channel="${pending.name}"]`)
    const same = item?.querySelector<HTMLButtonElement>(`[data-move="${pending.direction}"]`)
    const target = same && !same.disabled ? same : item?.querySelector<HTMLButtonElement>('[data-move]:not([disabled])')
    target?.focus()
  }, [channels])

  function change(next: Channels) {
    setDraft(next)
    setSaved(false)
    save.reset()
  }

  function move(index: number, delta: -1 | 1) {
    const next = [...channels]
    const [item] = next.splice(index, 1)
    if (!item) return
    next.splice(index + delta, 0, item)
    focusAfterMove.current = { name: item.name, direction: delta < 0 ? 'up' : 'down' }
    setAnnouncement(`${CHANNEL_NAMES[item.name]} moved to position ${index + delta + 1} of ${next.length}.`)
    change(next)
  }

  // The buttons of the changes disappear: the focus goes back to the list.
  function undo() {
    setDraft(null)
    save.reset()
    setAnnouncement('Changes undone: the saved order is back.')
    list.current?.querySelector<HTMLButtonElement>('[data-move]:not([disabled])')?.focus()
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    save.mutate(
      { ...stored, channels },
      {
        onSuccess: () => {
          setDraft(null)
          setAnnouncement('')
          setSaved(true)
          // The Save button is disabled once saved: the saved line takes the focus it would drop.
          status.current?.focus()
        },
      },
    )
  }

  const errors = fieldErrorsOf(save.error)
  const alert = alertOf(save.error)
  const allOff = channels.every((channel) => !channel.enabled)

  return (
    <section aria-labelledby="channels-heading" className={styles.card}>
      <h2 id="channels-heading">Channels</h2>
      <p className={styles.muted}>
        The order in which channels are offered to a consumer, highest priority first, and which channels are used at all. When a handoff allows several channels, the first enabled one
        the consumer can receive is chosen.
      </p>
      {canWrite ? (
        <form onSubmit={submit} aria-labelledby="channels-heading">
          {alert ? <Alert>{alert}</Alert> : null}
          {errors.channels ? <p className={styles.error}>{errors.channels}</p> : null}
          <ol ref={list} className={styles.channelList} aria-label="Channel priority">
            {channels.map((channel, index) => {
              const name = CHANNEL_NAMES[channel.name]
              const error = errors[`channels.${index}.name`] ?? errors[`channels.${index}.enabled`]
              return (
                <li key={channel.name} data-channel={channel.name} className={styles.channel}>
                  <span className={styles.position} aria-hidden="true">
                    {index + 1}
                  </span>
                  <span className={styles.channelName}>{name}</span>
                  <label className={styles.checkbox}>
                    <input
                      type="checkbox"
                      checked={channel.enabled}
                      onChange={(event) => change(channels.map((c) => (c.name === channel.name ? { ...c, enabled: event.target.checked } : c)))}
                    />
                    <span>
                      <span className={styles.visuallyHidden}>{name} </span>enabled
                    </span>
                  </label>
                  <span className={styles.moves}>
                    <Button variant="secondary" data-move="up" aria-label={`Move ${name} up`} isDisabled={index === 0} onPress={() => move(index, -1)}>
                      Up
                    </Button>
                    <Button variant="secondary" data-move="down" aria-label={`Move ${name} down`} isDisabled={index === channels.length - 1} onPress={() => move(index, 1)}>
                      Down
                    </Button>
                  </span>
                  {error ? <span className={styles.error}>{error}</span> : null}
                </li>
              )
            })}
          </ol>
          <p role="status" className={styles.announcement}>
            {announcement}
          </p>
          {allOff ? <AllOffWarning id={warningId} /> : null}
          <div className={styles.actions}>
            <Button type="submit" isDisabled={save.isPending || draft === null} aria-describedby={allOff ? warningId : undefined}>
              {save.isPending ? 'Saving…' : 'Save channels'}
            </Button>
            {draft !== null ? (
              <Button variant="secondary" isDisabled={save.isPending} onPress={undo}>
                Undo changes
              </Button>
            ) : null}
            <span ref={status} tabIndex={-1} role="status" className={styles.success}>
              {saved ? (allOff ? 'Channels saved, with every channel off: no handoff can send a message.' : 'Channels saved.') : ''}
            </span>
          </div>
        </form>
      ) : (
        <ol className={styles.channelList} aria-label="Channel priority">
          {channels.map((channel, index) => (
            <li key={channel.name} className={styles.channel}>
              <span className={styles.position} aria-hidden="true">
                {index + 1}
              </span>
              <span className={styles.channelName}>{CHANNEL_NAMES[channel.name]}</span>
              <span className={channel.enabled ? styles.on : styles.off}>{channel.enabled ? 'Enabled' : 'Disabled'}</span>
            </li>
          ))}
        </ol>
      )}
      {!canWrite && allOff ? <AllOffWarning id={warningId} /> : null}
    </section>
  )
}

/**
 * The service stores a brand with every channel off (a brand may pause messaging), but then no
 * handoff can send: the eligibility answer offers no channel. Said next to the list, before saving.
 */
function AllOffWarning({ id }: { id: string }) {
  return (
    <p id={id} className={styles.warning}>
      <strong>Every channel is off.</strong> No handoff can send a message and no consumer is offered messaging until at least one channel is enabled.
    </p>
  )
}
