import { STATUS_LABELS, type TemplateStatus } from './template-rules.ts'
import styles from './templates.module.css'

/** A template's review status, in words (the colour only repeats them). */
export function StatusBadge({ status }: { status: TemplateStatus }) {
  return <span className={`${styles.status} ${styles[status] ?? ''}`}>{STATUS_LABELS[status] ?? status}</span>
}
