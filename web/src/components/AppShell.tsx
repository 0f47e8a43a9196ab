import type { ReactNode } from 'react'
import styles from './AppShell.module.css'

interface AppShellProps {
  accountId: string
  login: string
  role: string
  /** The sign-out control: the shell does not know about sessions. */
  signOut: ReactNode
  children: ReactNode
}

/** The frame of every signed-in page: the product, the brand account, who is signed in. */
export function AppShell({ accountId, login, role, signOut, children }: AppShellProps) {
  return (
    <div className={styles.shell}>
      <header className={styles.header}>
        <span className={styles.product}>Connect to Messaging</span>
        <span className={styles.account}>Account {accountId}</span>
        <span className={styles.user}>
          Signed in as <strong>{login}</strong> ({role})
        </span>
        {signOut}
      </header>
      <main className={styles.main}>{children}</main>
    </div>
  )
}
