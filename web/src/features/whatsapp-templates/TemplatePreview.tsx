import { previewParts } from './template-rules.ts'
import styles from './templates.module.css'

/**
 * The message as WhatsApp would show it, each variable replaced by its sample value. Everything
 * is rendered as text: a body holding markup shows the markup.
 */
export function TemplatePreview({ body, samples, headingLevel = 2 }: { body: string; samples: readonly string[]; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3'
  const parts = previewParts(body, samples)
  return (
    <section aria-labelledby="template-preview-heading" className={styles.preview}>
      <Heading id="template-preview-heading">Preview</Heading>
      <div className={styles.phone}>
        {body.trim() === '' ? (
          <p className={styles.muted}>The message appears here as you write it.</p>
        ) : (
          <p className={styles.bubble} data-testid="template-preview">
            {parts.map((part, i) =>
              'text' in part ? (
                <span key={i}>{part.text}</span>
              ) : part.sample !== undefined ? (
                <span key={i} className={styles.sample}>
                  {part.sample}
                </span>
              ) : (
                <span key={i} className={styles.unfilled}>{`{{${part.variable}}}`}</span>
              ),
            )}
          </p>
        )}
      </div>
      <p className={styles.muted}>Sample values are shown highlighted; a variable without one keeps its {'{{n}}'}.</p>
    </section>
  )
}
