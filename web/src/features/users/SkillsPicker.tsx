import { useId, useState } from 'react'
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

const CAPACITY_MIN = 1
const CAPACITY_MAX = 100
const CAPACITY_RULE = `Enter a whole number from ${CAPACITY_MIN} to ${CAPACITY_MAX}.`

/**
 * A capacity of 1 to 100 conversations, as a native number input. The browser refuses a value out
 * of range when the form is sent; its own bubble is replaced by the rule in words under the field
 * (the bubble vanishes and a screen reader may not hear it), shown until the value is corrected.
 */
export function CapacityField({ value, onChange, error }: { value: string; onChange: (value: string) => void; error?: string | undefined }) {
  const id = useId()
  const [refused, setRefused] = useState(false)
  const shown = error ?? (refused ? CAPACITY_RULE : undefined)
  return (
    <div className={styles.select}>
      <label htmlFor={id}>Max conversations</label>
      <input
        id={id}
        name="maxConversations"
        type="number"
        min={CAPACITY_MIN}
        max={CAPACITY_MAX}
        step={1}
        required
        value={value}
        onChange={(event) => {
          if (refused && event.target.validity.valid) setRefused(false)
          onChange(event.target.value)
        }}
        onInvalid={(event) => {
          event.preventDefault()
          setRefused(true)
          event.currentTarget.focus()
        }}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? `${id}-error` : undefined}
      />
      {shown ? (
        <span id={`${id}-error`} className={styles.error}>
          {shown}
        </span>
      ) : null}
    </div>
  )
}
