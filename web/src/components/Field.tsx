import { FieldError, Input, Label, TextField, type TextFieldProps } from 'react-aria-components'
import styles from './Field.module.css'

interface FieldProps extends Omit<TextFieldProps, 'children'> {
  label: string
  /** Shown under the field when it is invalid (the server's message for this field wins, through the form's `validationErrors`). */
  hint?: string
}

/** A labelled text field with its error shown beside it. */
export function Field({ label, hint, ...props }: FieldProps) {
  return (
    <TextField {...props} className={styles.field}>
      <Label className={styles.label}>{label}</Label>
      <Input className={styles.input} />
      {hint ? <span className={styles.hint}>{hint}</span> : null}
      <FieldError className={styles.error} />
    </TextField>
  )
}
