import { useEffect, useId, useRef, useState } from 'react'
import { Button } from '../../components/Button.tsx'
import { CHANNEL_NAMES, type Channel } from './handoffs.api.ts'
import type { Draft } from './handoff-draft.ts'
import { GroupError } from './FormControls.tsx'
import styles from './handoffs.module.css'

interface ChannelPickerProps {
  priority: Draft['priority']
  enabled: Draft['enabled']
  onChange: (change: Pick<Draft, 'priority' | 'enabled'>) => void
  /** Channels the brand's settings turn off: a handoff may still name them. */
  offInSettings: ReadonlySet<Channel>
  error: string | undefined
}

const ORDINAL = ['First', 'Second']

/**
 * The channels of a handoff and their priority: SMS and WhatsApp together in either order, or App
 * Messaging alone (choosing one side disables the other, as the user guide says). The order moves
 * with Move up / Move down buttons, so the keyboard alone can change it; the focus stays on the
 * moved channel's buttons and the new order is announced.
 */
export function ChannelPicker({ priority, enabled, onChange, offInSettings, error }: ChannelPickerProps) {
  const id = useId()
  const [announcement, setAnnouncement] = useState('')
  const [moved, setMoved] = useState<{ channel: 'sms' | 'wa'; direction: 'up' | 'down' } | null>(null)
  const rows = useRef<Record<string, HTMLLIElement | null>>({})
  const smsOrWa = enabled.sms || enabled.wa

  // After a move the pressed button may be disabled (the channel reached an end): the focus goes
  // to the row's other move button instead of falling back to the page.
  useEffect(() => {
    if (!moved) return
    const row = rows.current[moved.channel]
    const pressed = row?.querySelector<HTMLButtonElement>(`[data-move="${moved.direction}"]`)
    const other = row?.querySelector<HTMLButtonElement>(`[data-move="${moved.direction === 'up' ? 'down' : 'up'}"]`)
    ;(pressed && !pressed.disabled ? pressed : other)?.focus()
  }, [moved])

  function move(channel: 'sms' | 'wa', direction: 'up' | 'down') {
    const from = priority.indexOf(channel)
    const to = direction === 'up' ? from - 1 : from + 1
    if (to < 0 || to >= priority.length) return
    const next = [...priority]
    next.splice(from, 1)
    next.splice(to, 0, channel)
    onChange({ priority: next, enabled })
    setMoved({ channel, direction })
    setAnnouncement(`${CHANNEL_NAMES[channel]} is now ${ORDINAL[to]!.toLowerCase()}. Order: ${next.map((c) => CHANNEL_NAMES[c]).join(', then ')}.`)
  }

  const toggle = (channel: Channel, on: boolean) => onChange({ priority, enabled: { ...enabled, [channel]: on } })
  const note = (channel: Channel) => (offInSettings.has(channel) ? <span className={styles.note}> (off in Settings: not used until it is turned on)</span> : null)

  return (
    <fieldset className={styles.group} aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`} aria-invalid={error ? true : undefined}>
      <legend>Channels and priority</legend>
      <p id={`${id}-hint`} className={styles.hint}>
        SMS and WhatsApp can go together: the first channel the consumer can be reached on is used, the next one is the fallback. App
        Messaging goes alone: choosing it turns SMS and WhatsApp off, and choosing either of them turns App Messaging off.
      </p>
      <ol className={styles.channelList} aria-label="SMS and WhatsApp, in priority order">
        {priority.map((channel, index) => (
          <li
            key={channel}
            className={styles.channelRow}
            ref={(node) => {
              rows.current[channel] = node
            }}
          >
            <label className={styles.checkbox}>
              <input type="checkbox" checked={enabled[channel]} disabled={enabled.inapp} onChange={(e) => toggle(channel, e.target.checked)} />
              <span>
                {CHANNEL_NAMES[channel]}
                {note(channel)}
              </span>
            </label>
            <span className={styles.priority}>{ORDINAL[index]}</span>
            <span className={styles.moveButtons}>
              <Button variant="secondary" data-move="up" aria-label={`Move ${CHANNEL_NAMES[channel]} up`} isDisabled={enabled.inapp || index === 0} onPress={() => move(channel, 'up')}>
                Up
              </Button>
              <Button
                variant="secondary"
                data-move="down"
                aria-label={`Move ${CHANNEL_NAMES[channel]} down`}
                isDisabled={enabled.inapp || index === priority.length - 1}
                onPress={() => move(channel, 'down')}
              >
                Down
              </Button>
            </span>
          </li>
        ))}
      </ol>
      <p className={styles.or} aria-hidden="true">
        or
      </p>
      <label className={styles.checkbox}>
        <input type="checkbox" checked={enabled.inapp} disabled={smsOrWa} onChange={(e) => toggle('inapp', e.target.checked)} />
        <span>
          {CHANNEL_NAMES.inapp}
          {note('inapp')}
          {smsOrWa ? <span className={styles.note}> (not with SMS or WhatsApp)</span> : null}
        </span>
      </label>
      <span role="status" className={styles.visuallyHidden}>
        {announcement}
      </span>
      <GroupError id={`${id}-error`} error={error} />
    </fieldset>
  )
}
