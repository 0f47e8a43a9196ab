import { useEffect, useRef, useState } from 'react'
import { Button } from '../../components/Button.tsx'
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
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle')
  useEffect(() => {
    if (copy === 'idle') return
    const timer = window.setTimeout(() => setCopy('idle'), 4000)
    return () => window.clearTimeout(timer)
  }, [copy])
  async function copyValue() {
    try {
      await navigator.clipboard.writeText(value)
      setCopy('copied')
    } catch {
      setCopy('failed')
    }
  }
  return (
    <div className={styles.value}>
      <dt>{label}</dt>
      <dd>
        <code className={styles.code}>{value}</code>
        <Button variant="secondary" aria-label={`Copy ${label}`} onPress={copyValue}>
          Copy
        </Button>
        <span role="status" className={styles.copied}>
          {copy === 'copied' ? 'Copied' : copy === 'failed' ? 'Could not copy: select the value and copy it' : ''}
        </span>
      </dd>
    </div>
  )
}
