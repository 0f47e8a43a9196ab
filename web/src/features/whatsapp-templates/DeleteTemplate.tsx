import { useEffect, useRef, useState } from 'react'
import { Button } from '../../components/Button.tsx'
import { ApiError } from '../../lib/api.ts'
import { useDeleteTemplate } from './templates.api.ts'
import styles from './templates.module.css'

/** Why a deletion failed, in the service's words: a template in use names the handoffs that use it. */
function refusalOf(error: unknown, name: string): string {
  if (error instanceof ApiError && error.status === 409 && error.detail) return `${name} cannot be deleted: ${error.detail}.`
  if (error instanceof ApiError && error.status === 404) return `${name} was already deleted.`
  if (error instanceof ApiError) return `${name} could not be deleted: ${error.message}`
  return 'The service cannot be reached. Check your connection and try again.'
}

/**
 * Deleting a template, confirmed inline (no modal: its inline styles break the page's CSP). The
 * confirmation takes the focus on No; cancelling gives it back to Delete.
 */
export function DeleteTemplate({ accountId, name, onDeleted }: { accountId: string; name: string; onDeleted?: () => void }) {
  const remove = useDeleteTemplate(accountId)
  const [confirming, setConfirming] = useState(false)
  const box = useRef<HTMLDivElement>(null)
  const wasConfirming = useRef(false)
  useEffect(() => {
    if (confirming) box.current?.querySelector<HTMLButtonElement>('[data-focus="no"]')?.focus()
    else if (wasConfirming.current) box.current?.querySelector<HTMLButtonElement>('button')?.focus()
    wasConfirming.current = confirming
  }, [confirming])

  return (
    <div ref={box}>
      {confirming ? (
        <div className={styles.confirm}>
          <span>Delete {name}? This cannot be undone.</span>
          <span className={styles.confirmButtons}>
            <Button
              className={styles.danger}
              isDisabled={remove.isPending}
              onPress={() => remove.mutate(name, { onSuccess: () => onDeleted?.(), onSettled: () => setConfirming(false) })}
            >
              {remove.isPending ? 'Deleting…' : 'Yes, delete'}
            </Button>
            <Button variant="secondary" data-focus="no" isDisabled={remove.isPending} onPress={() => setConfirming(false)}>
              No
            </Button>
          </span>
        </div>
      ) : (
        <Button
          variant="secondary"
          aria-label={`Delete ${name}`}
          onPress={() => {
            remove.reset()
            setConfirming(true)
          }}
        >
          Delete
        </Button>
      )}
      {remove.isError ? (
        <p role="alert" className={styles.refusal}>
          {refusalOf(remove.error, name)}
        </p>
      ) : null}
    </div>
  )
}
