import { Link, useNavigate } from 'react-router'
import type { Session } from '../session/session.api.ts'
import { TemplateForm } from './TemplateForm.tsx'
import { type TemplateNotice, savedNotice } from './TemplatePage.tsx'
import { useWhatsAppReview } from './templates.api.ts'
import styles from './templates.module.css'

/** A new template, saved as a draft; its own page then submits it for approval. */
export function NewTemplatePage({ session }: { session: Session }) {
  const navigate = useNavigate()
  const review = useWhatsAppReview(session.accountId)
  return (
    <section className={styles.page}>
      <Link to="/whatsapp-templates" className={styles.back}>
        All templates
      </Link>
      <h1>New WhatsApp template</h1>
      <p className={styles.intro}>
        The template is saved as a draft; submit it for approval from its page. Once WhatsApp approves it, it cannot be edited.
      </p>
      <section aria-label="Template" className={styles.card}>
        <TemplateForm
          accountId={session.accountId}
          review={review.data}
          onSaved={(template) => navigate(`/whatsapp-templates/${encodeURIComponent(template.name)}`, { state: { notice: savedNotice(template) } satisfies TemplateNotice })}
        />
      </section>
    </section>
  )
}
