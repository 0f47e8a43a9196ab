import { useEffect, useRef } from 'react'
import { Button } from '../../components/Button.tsx'
import { CopyButton } from '../../components/CopyButton.tsx'
import type { IssuedApiKey } from './apiKeys.api.ts'
import styles from './apiKeys.module.css'

const VALUES: ReadonlyArray<{ key: 'appKey' | 'secret' | 'accessToken' | 'accessTokenSecret'; label: string }> = [
  { key: 'appKey', label: 'App key (consumer key)' },
  { key: 'secret', label: 'Secret (consumer secret)' },
  { key: 'accessToken', label: 'Access token' },
  { key: 'accessTokenSecret', label: 'Access token secret' },
]

/** The four values of a key just created, shown this once, each with a copy button. */
export function IssuedKeyPanel({ issued, onDismiss }: { issued: IssuedApiKey; onDismiss: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [issued.id])
  return (
    <section aria-labelledby="issued-key-heading" className={styles.issued}>
      <h2 id="issued-key-heading" ref={heading} tabIndex={-1}>
        Key created for {issued.appName}
      </h2>
      <p className={styles.warning}>
        <strong>Copy these four values now: they will not be shown again.</strong> Only the app key stays visible in the list. Give them to
        the developer ({issued.developer}) over a secure channel.
      </p>
      <dl className={styles.values}>
        {VALUES.map(({ key, label }) => (
          <IssuedValue key={key} label={label} value={issued[key]} />
        ))}
      </dl>
      <Button variant="secondary" onPress={onDismiss}>
        I have copied them: hide the values
      </Button>
    </section>
  )
}

function IssuedValue({ label, value }: { label: string; value: string }) {
  return (
    <div className={styles.value}>
      <dt>{label}</dt>
      <dd>
        <code className={styles.code}>{value}</code>
        <CopyButton value={value} label={`Copy ${label}`} />
      </dd>
    </div>
  )
}
