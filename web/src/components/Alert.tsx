import type { ReactNode } from 'react'
import styles from './Alert.module.css'

/** A message that assistive technology announces as soon as it appears. */
export function Alert({ children }: { children: ReactNode }) {
  return (
    <div role="alert" className={styles.alert}>
      {children}
    </div>
  )
}
