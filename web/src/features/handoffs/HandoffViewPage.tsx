import { Link, useLocation, useParams } from 'react-router'
import type { Session } from '../session/session.api.ts'
import { useApps, useHandoff, useWaTemplates } from './handoffs.api.ts'
import { type FromList, HandoffLoadError } from './HandoffEditorPage.tsx'
import { HandoffSummary } from './HandoffSummary.tsx'
import styles from './handoffs.module.css'

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** `/handoffs/:handoffId`: one handoff, read-only (LPA users' view of it); writers find Edit here too. */
export function HandoffViewPage({ session }: { session: Session }) {
  const { accountId } = session
  const { handoffId = '' } = useParams()
  const location = useLocation()
  const listSearch = (location.state as FromList | null)?.listSearch ?? ''
  const canWrite = session.user.role === 'admin' || session.user.role === 'campaign-manager'
  const handoff = useHandoff(accountId, handoffId)
  const apps = useApps(accountId)
  const templates = useWaTemplates(accountId)

  if (handoff.isPending) return <p role="status">Loading the handoff…</p>
  if (handoff.isError) return <HandoffLoadError error={handoff.error} handoffId={handoffId} retry={() => handoff.refetch()} />
  const saved = handoff.data
  return (
    <section className={styles.page} aria-labelledby="handoff-heading">
      <div className={styles.pageHeader}>
        <h1 id="handoff-heading" className={styles.titleText}>
          {saved.title}
        </h1>
        {canWrite ? (
          <Link to={`/handoffs/${encodeURIComponent(saved.id)}/edit`} state={{ listSearch } satisfies FromList} className={styles.linkButtonPrimary}>
            Edit
          </Link>
        ) : null}
      </div>
      <p className={styles.muted}>
        Created {when(saved.createdAt)}, last changed {when(saved.updatedAt)}.{canWrite ? '' : ' Read-only: admins and campaign managers change handoffs.'}
      </p>
      <HandoffSummary handoff={saved} apps={apps.data ?? []} templates={templates.data ?? []} level={2} />
      <Link to={{ pathname: '/', search: listSearch }} className={styles.linkButton}>
        Back to the API handoffs
      </Link>
    </section>
  )
}
