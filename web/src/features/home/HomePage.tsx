import { ROLES } from '../session/roles.ts'
import type { Session } from '../session/session.api.ts'
import styles from './home.module.css'

/** The landing page until the API handoffs list exists: who you are here and what your role lets you do. */
export function HomePage({ session }: { session: Session }) {
  const role = ROLES[session.user.role]
  const { skills } = session.user
  return (
    <section className={styles.home}>
      <h1>Home</h1>
      <dl className={styles.facts}>
        <dt>Account</dt>
        <dd>{session.accountId}</dd>
        <dt>Login</dt>
        <dd>{session.user.login}</dd>
        <dt>Role</dt>
        <dd>{role.name}</dd>
        {skills.length > 0 ? (
          <>
            <dt>Skills</dt>
            <dd>{skills.join(', ')}</dd>
          </>
        ) : null}
      </dl>
      <h2>What you can do</h2>
      <p>{role.purpose}</p>
      <ul>
        {role.abilities.map((ability) => (
          <li key={ability}>{ability}</li>
        ))}
      </ul>
      <p>
        The pages for these tasks are being built; meanwhile every task is available through the service's API, described
        in the <a href="/api/api-docs">API reference</a>.
      </p>
    </section>
  )
}
