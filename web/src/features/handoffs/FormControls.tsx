import { useId, type ReactNode } from 'react'
import { FieldError, Input, Label, Text, TextArea, TextField } from 'react-aria-components'
import styles from './handoffs.module.css'

/** The service says `must not contain < or >`: beside a field it reads as a sentence. */
export const sentence = (message: string) => (/[.!?]$/.test(message) ? message : `${message}.`).replace(/^./, (c) => c.toUpperCase())

interface TextInputProps {
  label: string
  name: string
  value: string
  onChange: (value: string) => void
  onBlur?: () => void
  /** Shown beside the field, and the field marked invalid. */
  error?: string | undefined
  hint?: ReactNode
  multiline?: boolean
  maxLength?: number
  isRequired?: boolean
}

/**
 * A labelled text field (react-aria's TextField) whose error is the flow's own: rules checked as
 * the person types and the service's `fields`, merged by the flow, which also moves between steps.
 */
export function TextInput({ label, name, value, onChange, onBlur, error, hint, multiline, maxLength, isRequired }: TextInputProps) {
  return (
    <TextField
      name={name}
      value={value}
      onChange={onChange}
      {...(onBlur ? { onBlur } : {})}
      isInvalid={Boolean(error)}
      isRequired={isRequired ?? false}
      validationBehavior="aria"
      {...(maxLength === undefined ? {} : { maxLength })}
      className={styles.field}
    >
      <Label className={styles.label}>{label}</Label>
      {multiline ? <TextArea className={`${styles.input} ${styles.textarea}`} rows={4} /> : <Input className={styles.input} />}
      {hint ? (
        <Text slot="description" className={styles.hint}>
          {hint}
        </Text>
      ) : null}
      <FieldError className={styles.error}>{error ? sentence(error) : null}</FieldError>
    </TextField>
  )
}

interface SelectInputProps {
  label: string
  name: string
  value: string
  onChange: (value: string) => void
  options: ReadonlyArray<{ value: string; label: string }>
  /** The first, empty choice. */
  placeholder: string
  error?: string | undefined
  hint?: ReactNode
}

/** A native select (react-aria's Select injects inline styles the CSP refuses), labelled, with its error beside it. */
export function SelectInput({ label, name, value, onChange, options, placeholder, error, hint }: SelectInputProps) {
  const id = useId()
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ')
  return (
    <div className={styles.field}>
      <label htmlFor={id} className={styles.label}>
        {label}
      </label>
      <select
        id={id}
        name={name}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        className={styles.input}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      >
        <option value="">{placeholder}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint ? (
        <span id={`${id}-hint`} className={styles.hint}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className={styles.error}>
          {sentence(error)}
        </span>
      ) : null}
    </div>
  )
}

/** An error under a group of native inputs (a fieldset), named by the group's `aria-describedby`. */
export function GroupError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <span id={id} className={styles.error}>
      {sentence(error)}
    </span>
  ) : null
}
