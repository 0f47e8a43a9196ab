import type { ReactNode } from 'react'
import { NavLink } from 'react-router'
import styles from './AppShell.module.css'

interface AppShellProps {
  accountId: string
  login: string
  role: string
  /** The sign-out control: the shell does not know about sessions. */
  signOut: ReactNode
  /** The pages this person may open. */
  nav?: Array<{ to: string; label: string }>
  children: ReactNode
}

/** The frame of every signed-in page: the product, the brand account, who is signed in. */
export function AppShell({ accountId, login, role, signOut, nav = [], children }: AppShellProps) {
  return (
    <div className={styles.shell}>
      <header className={styles.header}>
        <span className={styles.product}>Connect to Messaging</span>
        <span className={styles.account}>Account {accountId}</span>
        {nav.length > 0 ? (
          <nav aria-label="Main" className={styles.nav}>
            {nav.map((link) => (
              <NavLink key={link.to} to={link.to} end className={styles.navLink}>
                {link.label}
              </NavLink>
            ))}
          </nav>
        ) : null}
        <span className={styles.user}>
          Signed in as <strong>{login}</strong> ({role})
        </span>
        {signOut}
      </header>
      <main className={styles.main}>{children}</main>
    </div>
  )
}
