import { useState } from 'react'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { LoadFailed } from '../../components/LoadFailed.tsx'
import { InlineConfirm } from '../../components/InlineConfirm.tsx'
import { ApiError } from '../../lib/api.ts'
import { type ApiKey, privilegeLabel, useApiKeys, useRevokeApiKey } from './apiKeys.api.ts'
import styles from './apiKeys.module.css'

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** The brand's keys, newest first, active and revoked; an active one can be revoked after a confirmation. */
export function ApiKeyList({ accountId }: { accountId: string }) {
  const list = useApiKeys(accountId)
  const revoke = useRevokeApiKey(accountId)
  const [confirming, setConfirming] = useState<string | null>(null)
  const items = [...(list.data?.items ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  const revokeError =
    revoke.error instanceof ApiError && revoke.error.status === 404
      ? 'That key was already revoked.'
      : revoke.error
        ? `The key could not be revoked: ${revoke.error.message}`
        : null

  return (
    <section aria-labelledby="keys-heading" className={styles.panel}>
      <h2 id="keys-heading">Keys</h2>
      {list.isPending ? <p role="status">Loading the keys…</p> : null}
      <LoadFailed query={list} what="The keys could not be loaded" />
      {revokeError ? <Alert>{revokeError}</Alert> : null}
      {list.isSuccess && items.length === 0 ? <p className={styles.muted}>No API key yet: create one for your IVR with the form.</p> : null}
      {items.length > 0 ? (
        <div className={styles.tableScroll}>
          <table className={styles.table}>
            <thead>
              <tr>
                <th scope="col">Application</th>
                <th scope="col">Developer</th>
                <th scope="col">Privileges</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className={styles.visuallyHidden}>Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((key) => (
                <KeyRow
                  key={key.id}
                  apiKey={key}
                  confirming={confirming === key.appKey}
                  busy={revoke.isPending}
                  onAsk={() => {
                    revoke.reset()
                    setConfirming(key.appKey)
                  }}
                  onCancel={() => setConfirming(null)}
                  onConfirm={() => revoke.mutate(key.appKey, { onSettled: () => setConfirming(null) })}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  )
}

interface KeyRowProps {
  apiKey: ApiKey
  confirming: boolean
  busy: boolean
  onAsk: () => void
  onCancel: () => void
  onConfirm: () => void
}

function KeyRow({ apiKey, confirming, busy, onAsk, onCancel, onConfirm }: KeyRowProps) {
  const revoked = apiKey.revokedAt !== null
  return (
    <tr aria-label={`${apiKey.appName} (${apiKey.appKey})`}>
      <td>
        <span className={styles.appName}>{apiKey.appName}</span>
        <code className={styles.appKey}>{apiKey.appKey}</code>
      </td>
      <td className={styles.developer}>{apiKey.developer}</td>
      <td>{apiKey.privileges.map(privilegeLabel).join(', ')}</td>
      <td>{when(apiKey.createdAt)}</td>
      <td>
        {revoked ? (
          <>
            <span className={styles.revoked}>Revoked</span>
            <span className={styles.revokedAt}>{when(apiKey.revokedAt!)}</span>
          </>
        ) : (
          <span className={styles.active}>Active</span>
        )}
      </td>
      <td className={styles.actions}>
        {revoked ? null : (
          <InlineConfirm
            confirming={confirming}
            question={`Revoke ${apiKey.appName}? It stops working at once.`}
            confirmLabel="Yes, revoke"
            busy={busy}
            className={styles.confirm}
            onConfirm={onConfirm}
            onCancel={onCancel}
          >
            <Button variant="secondary" onPress={onAsk} aria-label={`Revoke ${apiKey.appName}`}>
              Revoke
            </Button>
          </InlineConfirm>
        )}
      </td>
    </tr>
  )
}
