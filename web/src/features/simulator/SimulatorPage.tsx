import { useEffect, useState } from 'react'
import type { Session } from '../session/session.api.ts'
import { IvrCallForm } from './IvrCallForm.tsx'
import { ConsumerApp, ConsumerPhone } from './ConsumerDevices.tsx'
import { WatchConsumerForm } from './WatchConsumerForm.tsx'
import styles from './simulator.module.css'

/** A consumer the simulator shows: a phone (SMS and WhatsApp) or an app user (in-app messages). */
export type Device = { kind: 'phone' | 'app'; id: string }

/** The consumers shown, kept for the browser tab so that leaving the page and coming back keeps them. */
function storedDevices(key: string): Device[] {
  try {
    const parsed: unknown = JSON.parse(window.sessionStorage.getItem(key) ?? '[]')
    if (!Array.isArray(parsed)) return []
    return parsed.filter((d): d is Device => typeof d === 'object' && d !== null && (d.kind === 'phone' || d.kind === 'app') && typeof d.id === 'string').slice(0, 20)
  } catch {
    return []
  }
}

/**
 * The consumer simulator: place an IVR call as the brand's IVR would, then be the consumer on a
 * simulated phone or app — read what the sandbox channels delivered and reply.
 */
export function SimulatorPage({ session }: { session: Session }) {
  const { accountId } = session
  const storageKey = `c2m.simulator.${accountId}`
  const [devices, setDevices] = useState<Device[]>(() => storedDevices(storageKey))
  useEffect(() => {
    try {
      window.sessionStorage.setItem(storageKey, JSON.stringify(devices))
    } catch {
      // Storage refused: the consumers are shown until the page is left.
    }
  }, [storageKey, devices])
  const watch = (added: Device[]) =>
    setDevices((current) => [...added, ...current.filter((c) => !added.some((d) => c.kind === d.kind && c.id === d.id))].slice(0, 20))
  return (
    <section className={styles.page}>
      <h1>Consumer simulator</h1>
      <p className={styles.intro}>
        Play both sides of a deflection while the brand's channels are in sandbox mode: place a call as the IVR would, then be the
        consumer — the phone shows the texts and WhatsApp messages the sandbox delivered, the app its in-app messages and push. Nothing
        reaches a real person.
      </p>
      <div className={styles.columns}>
        <IvrCallForm accountId={accountId} onCalled={watch} />
        <section aria-labelledby="consumers-heading" className={styles.consumers}>
          <h2 id="consumers-heading">Consumers</h2>
          <WatchConsumerForm onWatch={(device) => watch([device])} />
          {devices.length === 0 ? (
            <p className={styles.muted}>Place a call, or open a consumer's phone or app, to see their messages here.</p>
          ) : (
            devices.map((device) =>
              device.kind === 'phone' ? (
                <ConsumerPhone key={`phone:${device.id}`} accountId={accountId} phone={device.id} />
              ) : (
                <ConsumerApp key={`app:${device.id}`} accountId={accountId} consumerId={device.id} />
              ),
            )
          )}
        </section>
      </div>
    </section>
  )
}
