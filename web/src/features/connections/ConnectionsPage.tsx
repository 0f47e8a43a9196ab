import { LoadFailed } from '../../components/LoadFailed.tsx'
import type { Session } from '../session/session.api.ts'
import { useChannelModes, useConnections } from './connections.api.ts'
import { PROVIDERS } from './providers.ts'
import { ProviderSection } from './ProviderSection.tsx'
import styles from './connections.module.css'

/**
 * The brand's provider connections: Twilio, WhatsApp and FCM, each with its masked credentials,
 * the webhook URLs to paste into the provider's console, and its channel's sandbox/live mode.
 * Admins and campaign managers change them; LPA users read them.
 */
export function ConnectionsPage({ session }: { session: Session }) {
  const { accountId } = session
  const canWrite = session.user.role === 'admin' || session.user.role === 'campaign-manager'
  const overview = useConnections(accountId)
  const modes = useChannelModes(accountId)

  return (
    <section className={styles.page}>
      <h1>Provider connections</h1>
      <p className={styles.intro}>
        Every channel starts in sandbox mode: its messages land in the consumer simulator. Connect a provider with your own account to send for real:
        connecting takes its channel live. Secrets are entered once and never shown back, only their last four characters.
        {canWrite ? null : ' You can read these connections; an admin or a campaign manager changes them.'}
      </p>
      {overview.isPending ? <p role="status">Loading the connections…</p> : null}
      <LoadFailed query={overview} what="The connections could not be loaded" />
      <LoadFailed query={modes} what="The channel modes could not be loaded" />
      {overview.data && !overview.data.publicUrlSet ? (
        <p className={styles.warning}>
          <strong>PUBLIC_URL is not set:</strong> these webhook URLs use the address you opened this page at. Providers need an address they can reach
          from the internet: ask your operator to set PUBLIC_URL.
        </p>
      ) : null}
      {overview.data ? (
        <div className={styles.cards}>
          {PROVIDERS.map((spec) => {
            const summary = overview.data.items.find((item) => item.provider === spec.provider)
            if (!summary) return null
            return (
              <ProviderSection
                key={spec.provider}
                accountId={accountId}
                spec={spec}
                summary={summary}
                mode={modes.data?.items.find((m) => m.channel === spec.channel)}
                canWrite={canWrite}
                publicUrlSet={overview.data.publicUrlSet}
              />
            )
          })}
        </div>
      ) : null}
    </section>
  )
}
