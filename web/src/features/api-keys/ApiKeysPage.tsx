import { useState } from 'react'
import type { Session } from '../session/session.api.ts'
import type { IssuedApiKey } from './apiKeys.api.ts'
import { ApiKeyList } from './ApiKeyList.tsx'
import { CreateApiKeyForm } from './CreateApiKeyForm.tsx'
import { IssuedKeyPanel } from './IssuedKeyPanel.tsx'
import styles from './apiKeys.module.css'

/**
 * The brand's API keys, for its admins: create one (its four values are shown once, here and
 * nowhere else), list them, revoke one. The issued values live only in this page's state: leaving
 * the page or dismissing the panel drops them for good.
 */
export function ApiKeysPage({ session }: { session: Session }) {
  const { accountId } = session
  const [issued, setIssued] = useState<IssuedApiKey | null>(null)
  return (
    <section className={styles.page}>
      <h1>API keys</h1>
      <p className={styles.intro}>
        An API key lets an application call this brand's API with OAuth 1.0a: an IVR needs IVR Engagement to check eligibility and send
        the invite. A key's secrets are shown once, when it is created; revoke a key that leaked and create another.
      </p>
      {issued ? <IssuedKeyPanel issued={issued} onDismiss={() => setIssued(null)} /> : null}
      <div className={styles.columns}>
        <ApiKeyList accountId={accountId} />
        <CreateApiKeyForm accountId={accountId} onCreated={setIssued} />
      </div>
    </section>
  )
}
