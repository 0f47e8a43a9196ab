import { useEffect, useState } from 'react'
import { Button } from './Button.tsx'
import styles from './CopyButton.module.css'

/**
 * Copies `value` to the clipboard in one press and says so next to the button (a live status, so a
 * screen reader hears it too). When the browser refuses the clipboard, it says how to copy by hand.
 */
export function CopyButton({ value, label }: { value: string; label: string }) {
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
    <>
      <Button variant="secondary" aria-label={label} onPress={copyValue}>
        Copy
      </Button>
      <span role="status" className={styles.status}>
        {copy === 'copied' ? 'Copied' : copy === 'failed' ? 'Could not copy: select the value and copy it' : ''}
      </span>
    </>
  )
}
