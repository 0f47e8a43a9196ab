import type { ReactNode } from 'react'
import { NavLink } from 'react-router'
import styles from './AppShell.module.css'

interface AppShellProps {
  accountId: string
  login: string
  role: string
  /** The pages this person may open. */
  links?: Array<{ to: string; label: string }>
  /** The sign-out control: the shell does not know about sessions. */
  signOut: ReactNode
  children: ReactNode
}

/** The frame of every signed-in page: the product, the brand account, who is signed in. */
export function AppShell({ accountId, login, role, links = [], signOut, children }: AppShellProps) {
  return (
    <div className={styles.shell}>
      <header className={styles.header}>
        <span className={styles.product}>Connect to Messaging</span>
        <span className={styles.account}>Account {accountId}</span>
        {links.length > 0 ? (
          <nav aria-label="Main" className={styles.nav}>
            {links.map((link) => (
              <NavLink key={link.to} to={link.to} end className={({ isActive }) => (isActive ? styles.active : undefined)}>
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
