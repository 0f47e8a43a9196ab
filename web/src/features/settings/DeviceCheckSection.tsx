import { type FormEvent, useId, useRef, useState } from 'react'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { type BrandSettings, alertOf, fieldErrorsOf, useSaveSettings } from './settings.api.ts'
import styles from './settings.module.css'

/** The mobile device check: off by default, in which case the IVR is trusted to have checked the line. */
export function DeviceCheckSection({ accountId, stored, canWrite }: { accountId: string; stored: BrandSettings; canWrite: boolean }) {
  const save = useSaveSettings(accountId)
  const [draft, setDraft] = useState<boolean | null>(null)
  const [saved, setSaved] = useState(false)
  const explanationId = useId()
  const status = useRef<HTMLSpanElement>(null)
  const errorId = useId()
  const deviceCheck = draft ?? stored.deviceCheck

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    save.mutate(
      { ...stored, deviceCheck },
      {
        onSuccess: () => {
          setDraft(null)
          setSaved(true)
          // The Save button is disabled once saved: the saved line takes the focus it would drop.
          status.current?.focus()
        },
      },
    )
  }

  const error = fieldErrorsOf(save.error).deviceCheck
  const alert = error ? null : alertOf(save.error)
  return (
    <section aria-labelledby="device-check-heading" className={styles.card}>
      <h2 id="device-check-heading">Device check</h2>
      <p id={explanationId} className={styles.muted}>
        When the device check is on, the service asks a third-party lookup (your Twilio connection, or phone-number metadata without one) whether the consumer's number is a mobile or a
        landline before it offers SMS or WhatsApp, and does not text a landline. It is off by default: the IVR system is then assumed to have checked the device, and the service does not
        call a third-party service for landline or mobile checks before sending messages.
      </p>
      {canWrite ? (
        <form onSubmit={submit} aria-labelledby="device-check-heading">
          {alert ? <Alert>{alert}</Alert> : null}
          <label className={styles.checkbox}>
            <input
              type="checkbox"
              checked={deviceCheck}
              aria-describedby={error ? errorId : undefined}
              aria-invalid={error ? true : undefined}
              onChange={(event) => {
                setDraft(event.target.checked)
                setSaved(false)
                save.reset()
              }}
            />
            <span>Check the consumer's device before sending</span>
          </label>
          {error ? (
            <p id={errorId} className={styles.error}>
              {error}
            </p>
          ) : null}
          <div className={styles.actions}>
            <Button type="submit" isDisabled={save.isPending || draft === null || draft === stored.deviceCheck}>
              {save.isPending ? 'Saving…' : 'Save device check'}
            </Button>
            <span ref={status} tabIndex={-1} role="status" className={styles.success}>
              {saved ? `Device check saved: ${stored.deviceCheck ? 'on' : 'off'}.` : ''}
            </span>
          </div>
        </form>
      ) : (
        <p>
          Device check: <strong>{stored.deviceCheck ? 'On' : 'Off'}</strong>
        </p>
      )}
    </section>
  )
}
