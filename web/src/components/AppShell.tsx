import type { ReactNode } from 'react'
import { Link, useLocation } from 'react-router'
import styles from './AppShell.module.css'

export interface NavEntry {
  to: string
  label: string
  /** Other addresses that belong to this page's section (a handoff's editor belongs to the handoffs list at `/`). */
  section?: string
}

/** The entry is current on its own address and on every address under it or under its section. */
function isCurrent(entry: NavEntry, pathname: string): boolean {
  const under = (prefix: string) => pathname === prefix || pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)
  return (entry.to === '/' ? pathname === '/' : under(entry.to)) || (entry.section !== undefined && under(entry.section))
}

interface AppShellProps {
  accountId: string
  login: string
  role: string
  /** The sign-out control: the shell does not know about sessions. */
  signOut: ReactNode
  /** The pages this person may open. */
  nav?: NavEntry[]
  children: ReactNode
}

/** The frame of every signed-in page: the product, the brand account, who is signed in. */
export function AppShell({ accountId, login, role, signOut, nav = [], children }: AppShellProps) {
  const { pathname } = useLocation()
  return (
    <div className={styles.shell}>
      <header className={styles.header}>
        <div className={styles.bar}>
          <span className={styles.product}>Connect to Messaging</span>
          <span className={styles.account}>Account {accountId}</span>
          <span className={styles.user}>
            Signed in as <strong>{login}</strong> ({role})
          </span>
          {signOut}
        </div>
        {nav.length > 0 ? (
          <nav aria-label="Main" className={styles.nav}>
            {nav.map((entry) => (
              <Link key={entry.to} to={entry.to} className={styles.navLink} aria-current={isCurrent(entry, pathname) ? 'page' : undefined}>
                {entry.label}
              </Link>
            ))}
          </nav>
        ) : null}
      </header>
      <main className={styles.main}>{children}</main>
    </div>
  )
}
