import { useId, useState } from 'react'
import { Link } from 'react-router'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import type { Session } from '../session/session.api.ts'
import { DeleteTemplate } from './DeleteTemplate.tsx'
import { StatusBadge } from './StatusBadge.tsx'
import { CATEGORY_LABELS, NEW_TEMPLATE_PATH, STATUS_LABELS, TEMPLATE_STATUSES, type TemplateStatus, canWriteTemplates, languageLabel } from './template-rules.ts'
import { useTemplates } from './templates.api.ts'
import styles from './templates.module.css'

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/**
 * The brand's WhatsApp message templates with their review status. Admins and campaign managers
 * create, open and delete them; LPA users read them; agent managers read the approved ones (the
 * service lists them no other).
 */
export function TemplatesPage({ session }: { session: Session }) {
  const { accountId } = session
  const writer = canWriteTemplates(session.user.role)
  const approvedOnly = session.user.role === 'agent-manager'
  const [status, setStatus] = useState<TemplateStatus | ''>('')
  const list = useTemplates(accountId, status)
  const filterId = useId()
  const items = list.data?.items ?? []

  return (
    <section className={styles.page}>
      <h1>WhatsApp templates</h1>
      <p className={styles.intro}>
        WhatsApp lets a brand start a conversation only with a message template WhatsApp approved. Write a template here, with its
        variables ({'{{1}}'}, {'{{2}}'}…) and a sample value for each, then submit it for approval; once approved it can be chosen in a
        WhatsApp handoff, and it can no longer be edited.
        {writer ? null : approvedOnly ? ' You can read the approved templates; the brand\'s admins and campaign managers write them.' : ' You can read the templates; the brand\'s admins and campaign managers change them.'}
      </p>
      <section aria-labelledby="templates-heading" className={styles.card}>
        <div className={styles.toolbar}>
          <h2 id="templates-heading">Templates</h2>
          <div className={styles.toolbarEnd}>
            {approvedOnly ? null : (
              <div className={`${styles.select} ${styles.inlineSelect}`}>
                <label htmlFor={filterId}>Show</label>
                <select id={filterId} value={status} onChange={(event) => setStatus(event.target.value as TemplateStatus | '')}>
                  <option value="">All statuses</option>
                  {TEMPLATE_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {STATUS_LABELS[s]}
                    </option>
                  ))}
                </select>
              </div>
            )}
            {writer ? (
              <Link to={NEW_TEMPLATE_PATH} className={styles.linkButton}>
                New template
              </Link>
            ) : null}
          </div>
        </div>
        {list.isPending ? <p role="status">Loading the templates…</p> : null}
        {list.isError ? (
          <>
            <Alert>The templates cannot be read: {list.error.message}</Alert>
            <Button variant="secondary" onPress={() => list.refetch()}>
              Try again
            </Button>
          </>
        ) : null}
        {list.isSuccess && items.length === 0 ? (
          <p className={styles.muted}>
            {status
              ? `No template is ${STATUS_LABELS[status].toLowerCase()}.`
              : writer
                ? 'No template yet: create one with New template.'
                : approvedOnly
                  ? 'No approved template yet.'
                  : 'No template yet.'}
          </p>
        ) : null}
        {items.length > 0 ? (
          <div className={styles.tableScroll}>
            <table className={styles.table} aria-labelledby="templates-heading">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Category</th>
                  <th scope="col">Language</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last change</th>
                  {writer ? (
                    <th scope="col">
                      <span className={styles.visuallyHidden}>Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {items.map((template) => (
                  <tr key={template.name}>
                    <th scope="row">
                      <Link to={`/whatsapp-templates/${encodeURIComponent(template.name)}`}>{template.name}</Link>
                    </th>
                    <td>{CATEGORY_LABELS[template.category] ?? template.category}</td>
                    <td>{languageLabel(template.language)}</td>
                    <td>
                      <StatusBadge status={template.status} />
                    </td>
                    <td>{when(template.updatedAt)}</td>
                    {writer ? (
                      <td className={styles.rowActions}>
                        <DeleteTemplate accountId={accountId} name={template.name} />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </section>
  )
}
