import { useState } from 'react'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { ROLES } from '../session/roles.ts'
import type { Session } from '../session/session.api.ts'
import { CreateUserForm } from './CreateUserForm.tsx'
import { UserPanel } from './UserPanel.tsx'
import { takesConversations, useUsers } from './users.api.ts'
import styles from './users.module.css'

/** The brand's people, for admins: the list, a person's detail to edit, and a form to add one. */
export function UsersPage({ session }: { session: Session }) {
  const { accountId } = session
  const [page, setPage] = useState(1)
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const users = useUsers(accountId, page)
  const selected = users.data?.items.find((user) => user.id === selectedId)
  const pages = users.data ? Math.max(1, Math.ceil(users.data.total / users.data.pageSize)) : 1

  return (
    <section className={styles.page}>
      <h1>Users</h1>
      <p className={styles.intro}>The people who sign in to the brand: their role and, for agents, the skills they answer and how many conversations they hold at once.</p>
      <div className={styles.columns}>
        <section aria-labelledby="people-heading" className={styles.card}>
          <h2 id="people-heading">People</h2>
          {users.isPending ? <p role="status">Loading the people…</p> : null}
          {users.isError ? (
            <>
              <Alert>The people cannot be read: {users.error.message}</Alert>
              <Button variant="secondary" onPress={() => users.refetch()}>
                Try again
              </Button>
            </>
          ) : null}
          {users.data && users.data.items.length === 0 ? <p className={styles.muted}>No one here yet.</p> : null}
          {users.data && users.data.items.length > 0 ? (
            <table className={styles.table} aria-labelledby="people-heading">
              <thead>
                <tr>
                  <th scope="col">Login</th>
                  <th scope="col">Role</th>
                  <th scope="col">Skills</th>
                  <th scope="col">Capacity</th>
                  <th scope="col">Status</th>
                  <th scope="col">Access</th>
                  <th scope="col">
                    <span className={styles.visuallyHidden}>Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((user) => {
                  const agent = takesConversations(user.role)
                  return (
                    <tr key={user.id} aria-current={user.id === selectedId ? 'true' : undefined}>
                      <th scope="row">{user.login}</th>
                      <td>{ROLES[user.role]?.name ?? user.role}</td>
                      <td className={styles.skillsCell}>{agent ? (user.skills.length > 0 ? user.skills.join(', ') : 'none') : '—'}</td>
                      <td>{agent ? user.maxConversations : '—'}</td>
                      <td>{agent ? user.status : '—'}</td>
                      <td>{user.disabled ? <span className={styles.disabled}>Disabled</span> : 'Enabled'}</td>
                      <td>
                        <Button variant="secondary" aria-label={`Edit ${user.login}`} onPress={() => setSelectedId(user.id)}>
                          Edit
                        </Button>
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          ) : null}
          {users.data && pages > 1 ? (
            <nav aria-label="Pages of people" className={styles.pager}>
              <Button variant="secondary" isDisabled={page <= 1} onPress={() => setPage(page - 1)}>
                Previous
              </Button>
              <span>
                Page {page} of {pages} ({users.data.total} people)
              </span>
              <Button variant="secondary" isDisabled={page >= pages} onPress={() => setPage(page + 1)}>
                Next
              </Button>
            </nav>
          ) : null}
        </section>
        <div className={styles.side}>
          {selected ? (
            <UserPanel key={selected.id} accountId={accountId} user={selected} isSelf={selected.id === session.user.id} onClose={() => setSelectedId(null)} />
          ) : null}
          <CreateUserForm accountId={accountId} />
        </div>
      </div>
    </section>
  )
}
