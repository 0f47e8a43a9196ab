import { type ReactNode, useEffect, useRef } from 'react'
import { Button } from './Button.tsx'
import styles from './InlineConfirm.module.css'

interface InlineConfirmProps {
  /** Whether the question shows (in place of the trigger). */
  confirming: boolean
  /** The question, saying what happens: "Delete X? This cannot be undone." */
  question: ReactNode
  /** The label of the button that goes ahead ("Yes, delete"). */
  confirmLabel: ReactNode
  cancelLabel?: string
  /** While the change runs, both answers are disabled. */
  busy?: boolean
  /** A destructive change (the default) gets the danger colour on its Yes button and its box. */
  danger?: boolean
  /** How the question sits: stacked above its buttons (the default), in one line, or in a bordered box. */
  layout?: 'stacked' | 'inline' | 'boxed'
  /** Names the group of buttons for screen readers. */
  label?: string
  /** Extra class of the question's box (a width in a table cell, say). */
  className?: string
  onConfirm: () => void
  onCancel: () => void
  /** What shows while not confirming: the button (or buttons) that ask. */
  children: ReactNode
}

/**
 * An "Are you sure? Yes / No" in place of the button that asked (no modal: react-aria's injects
 * inline styles the CSP refuses). The question takes the focus on No; leaving it gives the focus
 * back to the trigger: the element marked `data-confirm-trigger`, or else the first button.
 * Escape answers No.
 */
export function InlineConfirm({ confirming, question, confirmLabel, cancelLabel = 'No', busy = false, danger = true, layout = 'stacked', label, className, onConfirm, onCancel, children }: InlineConfirmProps) {
  const box = useRef<HTMLSpanElement>(null)
  const wasConfirming = useRef(false)
  useEffect(() => {
    if (confirming) box.current?.querySelector<HTMLButtonElement>('[data-confirm="no"]')?.focus()
    else if (wasConfirming.current) (box.current?.querySelector<HTMLElement>('[data-confirm-trigger]') ?? box.current?.querySelector<HTMLButtonElement>('button'))?.focus()
    wasConfirming.current = confirming
  }, [confirming])

  return (
    <span ref={box} className={styles.box}>
      {confirming ? (
        // Escape answers No, as it closes a dialog: the focus goes back to the trigger.
        <span
          role="group"
          aria-label={label}
          onKeyDown={(event) => {
            if (event.key !== 'Escape' || busy) return
            event.stopPropagation()
            onCancel()
          }}
          className={[styles.confirm, styles[layout], danger ? styles.destructive : '', className ?? ''].filter(Boolean).join(' ')}
        >
          <span className={styles.question}>{question}</span>
          <span className={styles.buttons}>
            <Button onPress={onConfirm} isDisabled={busy} className={danger ? styles.danger : undefined}>
              {confirmLabel}
            </Button>
            <Button variant="secondary" data-confirm="no" onPress={onCancel} isDisabled={busy}>
              {cancelLabel}
            </Button>
          </span>
        </span>
      ) : (
        children
      )}
    </span>
  )
}
