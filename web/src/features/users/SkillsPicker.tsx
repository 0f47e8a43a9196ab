import { useId } from 'react'
import styles from './users.module.css'

/** The brand's skills as checkboxes (native ones: react-aria's hide their input with an inline style the CSP refuses). */
export function SkillsPicker({ skills, value, onChange, error, loading }: { skills: string[]; value: string[]; onChange: (skills: string[]) => void; error?: string | undefined; loading: boolean }) {
  const errorId = useId()
  const toggle = (skill: string, on: boolean) => onChange(on ? [...value, skill] : value.filter((s) => s !== skill))
  return (
    <fieldset className={styles.skills} aria-describedby={error ? errorId : undefined}>
      <legend>Skills</legend>
      {loading ? <p className={styles.muted}>Loading the brand's skills…</p> : null}
      {!loading && skills.length === 0 ? <p className={styles.muted}>The brand has no skills yet.</p> : null}
      {skills.map((skill) => (
        <label key={skill} className={styles.checkbox}>
          <input type="checkbox" name="skills" checked={value.includes(skill)} onChange={(event) => toggle(skill, event.target.checked)} />
          {skill}
        </label>
      ))}
      {error ? (
        <p id={errorId} className={styles.error}>
          {error}
        </p>
      ) : null}
    </fieldset>
  )
}

/** A capacity of 1 to 100 conversations, as a native number input. */
export function CapacityField({ value, onChange, error }: { value: string; onChange: (value: string) => void; error?: string | undefined }) {
  const id = useId()
  return (
    <div className={styles.select}>
      <label htmlFor={id}>Max conversations</label>
      <input
        id={id}
        name="maxConversations"
        type="number"
        min={1}
        max={100}
        step={1}
        required
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <span id={`${id}-error`} className={styles.error}>
          {error}
        </span>
      ) : null}
    </div>
  )
}
