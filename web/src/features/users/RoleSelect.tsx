import { useId } from 'react'
import { ROLES } from '../session/roles.ts'
import type { Role } from '../session/session.api.ts'
import styles from './users.module.css'

const ROLE_ORDER: Role[] = ['admin', 'campaign-manager', 'lpa', 'agent', 'agent-manager']

export function RoleSelect({ value, onChange, error }: { value: Role; onChange: (role: Role) => void; error?: string | undefined }) {
  const id = useId()
  return (
    <div className={styles.select}>
      <label htmlFor={id}>Role</label>
      <select id={id} name="role" value={value} onChange={(event) => onChange(event.target.value as Role)} aria-describedby={error ? `${id}-error` : undefined}>
        {ROLE_ORDER.map((role) => (
          <option key={role} value={role}>
            {ROLES[role].name}
          </option>
        ))}
      </select>
      {error ? (
        <span id={`${id}-error`} className={styles.error}>
          {error}
        </span>
      ) : null}
    </div>
  )
}
