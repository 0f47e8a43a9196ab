import { useState } from 'react'
import { Button } from '../../components/Button.tsx'
import { InlineConfirm } from '../../components/InlineConfirm.tsx'
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

  return (
    <div>
      <InlineConfirm
        confirming={confirming}
        question={`Delete ${name}? This cannot be undone.`}
        confirmLabel={remove.isPending ? 'Deleting…' : 'Yes, delete'}
        busy={remove.isPending}
        onConfirm={() => remove.mutate(name, { onSuccess: () => onDeleted?.(), onSettled: () => setConfirming(false) })}
        onCancel={() => setConfirming(false)}
      >
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
      </InlineConfirm>
      {remove.isError ? (
        <p role="alert" className={styles.refusal}>
          {refusalOf(remove.error, name)}
        </p>
      ) : null}
    </div>
  )
}
