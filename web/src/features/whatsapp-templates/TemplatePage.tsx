import { useCallback, useEffect, useRef, useState } from 'react'
import { Link, useLocation, useNavigate, useParams } from 'react-router'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { ApiError } from '../../lib/api.ts'
import type { Session } from '../session/session.api.ts'
import { DeleteTemplate } from './DeleteTemplate.tsx'
import { StatusBadge } from './StatusBadge.tsx'
import { TemplateForm } from './TemplateForm.tsx'
import { TemplatePreview } from './TemplatePreview.tsx'
import { CATEGORY_LABELS, STATUS_LABELS, canWriteTemplates, isEditable, languageLabel } from './template-rules.ts'
import { type Template, type WhatsAppReview, useSubmitTemplate, useSyncTemplate, useTemplate, useWhatsAppReview } from './templates.api.ts'
import styles from './templates.module.css'

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** What the page says after a write, passed on by the page that made it (a new draft) or set here. */
export interface TemplateNotice {
  notice: string
}

/** What a save answered, in words: the draft, and what Meta's review would probably object to. */
export function savedNotice(template: Template): string {
  const warnings = (template.warnings ?? []).map((w) => w.message)
  return [`${template.name} is saved as a draft: submit it for approval when it is ready.`, ...warnings.map((w) => `Note: ${w}.`)].join(' ')
}

function submittedNotice(template: Template, review: WhatsAppReview | undefined): string {
  if (template.status === 'APPROVED') {
    return review?.connected
      ? `${template.name} is approved by WhatsApp: it can be used in WhatsApp handoffs, and can no longer be edited.`
      : `${template.name} is approved by the sandbox (WhatsApp is not connected): it can be used in WhatsApp handoffs, and can no longer be edited.`
  }
  if (template.status === 'PENDING') return `${template.name} is submitted: WhatsApp is reviewing it. Its status changes when WhatsApp answers.`
  return `${template.name} is ${STATUS_LABELS[template.status].toLowerCase()}.`
}

/**
 * One template. A draft or a rejected template is edited and submitted here by admins and
 * campaign managers; anything else (and everything, for LPA users) is shown read-only.
 */
export function TemplatePage({ session }: { session: Session }) {
  const { accountId } = session
  const { name = '' } = useParams()
  const location = useLocation()
  const navigate = useNavigate()
  const template = useTemplate(accountId, name)
  const writer = canWriteTemplates(session.user.role)
  const review = useWhatsAppReview(accountId, writer)
  // The notice a new draft's page passed on is read once, then dropped from the history entry: a
  // reload (or Back after a submit) must not show "saved as a draft" again under another status.
  const passedNotice = (location.state as TemplateNotice | null)?.notice ?? ''
  const [notice, setNotice] = useState<string>(passedNotice)
  const [dirty, setDirty] = useState(false)
  const heading = useRef<HTMLHeadingElement>(null)
  const noticeLine = useRef<HTMLParagraphElement>(null)
  /** Set when a write's notice should take the focus once drawn: the control that made it is gone or disabled. */
  const [focusNotice, setFocusNotice] = useState(passedNotice !== '')
  const onDirtyChange = useCallback((value: boolean) => setDirty(value), [])
  const show = useCallback((text: string) => {
    setNotice(text)
    setFocusNotice(true)
  }, [])

  useEffect(() => {
    if (location.state !== null && location.state !== undefined) navigate(`${location.pathname}${location.search}`, { replace: true, state: null })
  }, [location.state, location.pathname, location.search, navigate])

  // After a save the form is drawn anew (and "Save as draft" lands here from the new template's page).
  const loaded = template.isSuccess
  useEffect(() => {
    if (!focusNotice || !loaded) return
    noticeLine.current?.focus()
    setFocusNotice(false)
  }, [focusNotice, loaded, notice])

  // The form gives way to the read-only view when a template is submitted: the focus goes to its heading.
  const status = template.data?.status
  const shownStatus = useRef(status)
  useEffect(() => {
    if (shownStatus.current !== undefined && status !== undefined && shownStatus.current !== status) heading.current?.focus()
    shownStatus.current = status
  }, [status])

  if (template.isPending) return <p role="status">Loading the template…</p>
  if (template.isError) {
    const missing = template.error instanceof ApiError && template.error.status === 404
    return (
      <section className={styles.page}>
        <Link to="/whatsapp-templates" className={styles.back}>
          All templates
        </Link>
        <h1>{name}</h1>
        {missing ? (
          <p>There is no template named {name}: it may have been deleted.</p>
        ) : (
          <>
            <Alert>The template cannot be read: {template.error.message}</Alert>
            <Button variant="secondary" onPress={() => template.refetch()}>
              Try again
            </Button>
          </>
        )}
      </section>
    )
  }

  const current = template.data
  const editable = writer && isEditable(current.status)
  const deleted = () => navigate('/whatsapp-templates', { replace: true })

  return (
    <section className={styles.page}>
      <Link to="/whatsapp-templates" className={styles.back}>
        All templates
      </Link>
      <div className={styles.heading}>
        <h1 ref={heading} tabIndex={-1}>
          {current.name}
        </h1>
        <StatusBadge status={current.status} />
      </div>
      <p ref={noticeLine} tabIndex={-1} role="status" className={styles.notice}>
        {notice}
      </p>
      {current.status === 'REJECTED' ? (
        <div className={styles.rejection}>
          <strong>WhatsApp rejected this template</strong>
          {current.rejectedReason ? `: ${current.rejectedReason}.` : '.'} {editable ? 'Edit it and submit it again.' : null}
        </div>
      ) : null}
      {editable ? (
        <>
          <SubmitPanel accountId={accountId} template={current} review={review.data} dirty={dirty} onSubmitting={() => setNotice('')} onSubmitted={(t) => setNotice(submittedNotice(t, review.data))} />
          <section aria-labelledby="edit-heading" className={styles.card}>
            <h2 id="edit-heading">Edit the template</h2>
            <TemplateForm
              key={current.updatedAt}
              accountId={accountId}
              review={review.data}
              template={current}
              onSaved={(saved) => show(savedNotice(saved))}
              onDirtyChange={onDirtyChange}
            />
          </section>
          <section aria-labelledby="delete-heading" className={styles.card}>
            <h2 id="delete-heading">Delete</h2>
            <p className={styles.muted}>A template that a handoff uses cannot be deleted.</p>
            <DeleteTemplate accountId={accountId} name={current.name} onDeleted={deleted} />
          </section>
        </>
      ) : (
        <TemplateDetails accountId={accountId} template={current} review={review.data} writer={writer} onDeleted={deleted} onSynced={(t) => setNotice(`Status checked with WhatsApp: ${STATUS_LABELS[t.status].toLowerCase()}.`)} />
      )}
    </section>
  )
}

/** Submitting a draft or rejected template: to Meta when WhatsApp is connected, otherwise to the sandbox, which approves it at once. */
function SubmitPanel({ accountId, template, review, dirty, onSubmitting, onSubmitted }: { accountId: string; template: Template; review: WhatsAppReview | undefined; dirty: boolean; onSubmitting: () => void; onSubmitted: (template: Template) => void }) {
  const submit = useSubmitTemplate(accountId, template.name)
  const error = submit.error
  return (
    <section aria-labelledby="submit-heading" className={styles.card}>
      <h2 id="submit-heading">Submit for approval</h2>
      <p className={styles.muted}>
        {review === undefined
          ? 'Submitting sends the template for review.'
          : review.connected
            ? 'Submitting sends the template to WhatsApp for review; it stays in review until WhatsApp answers (usually within minutes, at most 24 hours). Once approved it can no longer be edited.'
            : 'WhatsApp is not connected, so the sandbox stands in for WhatsApp\'s review: submitting approves the template at once. Once approved it can no longer be edited.'}
      </p>
      {error ? (
        <Alert>
          The template was not submitted: {error.message}
          {error instanceof ApiError && error.fields.length > 0 ? ` (${error.fields.map((f) => `${f.field} ${f.message}`).join('; ')})` : null}
        </Alert>
      ) : null}
      <div className={styles.actions}>
        <Button isDisabled={dirty || submit.isPending} onPress={() => {
            // The draft's notice no longer holds once it is submitted, whatever the answer.
            onSubmitting()
            submit.mutate(undefined, { onSuccess: onSubmitted })
          }}>
          {submit.isPending ? 'Submitting…' : 'Submit for approval'}
        </Button>
        {dirty ? <span className={styles.muted}>Save your changes first: what is submitted is the saved template.</span> : null}
      </div>
    </section>
  )
}

interface TemplateDetailsProps {
  accountId: string
  template: Template
  review: WhatsAppReview | undefined
  writer: boolean
  onDeleted: () => void
  onSynced: (template: Template) => void
}

/** A template as it is, without edit controls: approved, in review, paused, disabled, or anything for an LPA user. */
function TemplateDetails({ accountId, template, review, writer, onDeleted, onSynced }: TemplateDetailsProps) {
  const sync = useSyncTemplate(accountId, template.name)
  // Meta decides once it has the template; its webhook tells the service, or this asks.
  const canSync = writer && template.status !== 'DRAFT' && (template.status === 'PENDING' || review?.connected === true)
  const samples = template.examples ?? []
  return (
    <div className={styles.editor}>
        <section aria-labelledby="details-heading" className={styles.card}>
          <h2 id="details-heading">Template</h2>
          {template.status === 'APPROVED' ? <p className={styles.muted}>Approved templates cannot be edited (WhatsApp's rule): create a new template to change the text.</p> : null}
          {template.status === 'PENDING' ? <p className={styles.muted}>WhatsApp is reviewing this template; it cannot be edited meanwhile.</p> : null}
          <dl className={styles.details}>
            <dt>Status</dt>
            <dd>{STATUS_LABELS[template.status]}</dd>
            <dt>Category</dt>
            <dd>{CATEGORY_LABELS[template.category] ?? template.category}</dd>
            <dt>Language</dt>
            <dd>{languageLabel(template.language)}</dd>
            <dt>WhatsApp Business ID</dt>
            <dd>{template.wabaId}</dd>
            <dt>Outbound number</dt>
            <dd>{template.phoneNumber}</dd>
            <dt>Message</dt>
            <dd>
              <p className={styles.bodyText}>{template.body || 'Unknown: imported from a handoff saved before templates existed.'}</p>
            </dd>
            {samples.map((sample, i) => (
              <div key={i} className={styles.group}>
                <dt>Sample for {`{{${i + 1}}}`}</dt>
                <dd>{sample}</dd>
              </div>
            ))}
            {template.submittedAt ? (
              <>
                <dt>Submitted</dt>
                <dd>{when(template.submittedAt)}</dd>
              </>
            ) : null}
            <dt>Last change</dt>
            <dd>{when(template.updatedAt)}</dd>
          </dl>
          {sync.error ? <Alert>The status could not be checked: {sync.error.message}</Alert> : null}
          {writer ? (
            <div className={styles.actions}>
              {canSync ? (
                <Button variant="secondary" isDisabled={sync.isPending} onPress={() => sync.mutate(undefined, { onSuccess: onSynced })}>
                  {sync.isPending ? 'Checking…' : 'Check the status with WhatsApp'}
                </Button>
              ) : null}
              <DeleteTemplate accountId={accountId} name={template.name} onDeleted={onDeleted} />
            </div>
          ) : null}
        </section>
      <TemplatePreview body={template.body} samples={samples} />
    </div>
  )
}
