import { useState, type FormEvent } from 'react'
import { Form } from 'react-aria-components'
import { Button } from '../../components/Button.tsx'
import { Field } from '../../components/Field.tsx'
import type { Device } from './SimulatorPage.tsx'
import styles from './simulator.module.css'

/** Opens a consumer who was not called from this page: a phone number, or an app user id. */
export function WatchConsumerForm({ onWatch }: { onWatch: (device: Device) => void }) {
  const [consumer, setConsumer] = useState('')
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const id = consumer.trim()
    if (id === '') return
    onWatch({ kind: /^\+\d+$/.test(id) ? 'phone' : 'app', id })
    setConsumer('')
  }
  return (
    <Form onSubmit={submit} className={styles.inline} aria-label="Open a consumer">
      <Field label="Phone number or app user id" value={consumer} onChange={setConsumer} hint="+14259549855 opens a phone; anything else an app user" />
      <Button type="submit" variant="secondary">
        Open
      </Button>
    </Form>
  )
}
