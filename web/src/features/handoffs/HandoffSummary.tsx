import { CopyButton } from '../../components/CopyButton.tsx'
import { CHANNEL_NAMES, type App, type HandoffBody, type WaTemplate } from './handoffs.api.ts'
import { fillTemplate, lookbackText, smsText } from './handoff-draft.ts'
import { smsSize } from './sms-segments.ts'
import styles from './handoffs.module.css'

interface HandoffSummaryProps {
  handoff: HandoffBody & { id?: string }
  apps: readonly App[]
  templates: readonly WaTemplate[]
  /** The heading level of the channels' sections. */
  level?: 2 | 3
}

/**
 * Everything a handoff does, as the consumer will see it: the preview step of the guided flow and
 * the read-only view show the same summary. Every text is rendered as text.
 */
export function HandoffSummary({ handoff, apps, templates, level = 3 }: HandoffSummaryProps) {
  const Heading = level === 2 ? 'h2' : 'h3'
  const appName = (appId: string) => apps.find((a) => a.appId === appId)?.name
  const template = handoff.wa ? templates.find((t) => t.name === handoff.wa!.templateName) : undefined
  const sms = handoff.sms ? smsSize(smsText(handoff.sms)) : null
  return (
    <div className={styles.summary}>
      <dl className={styles.facts}>
        <dt>Title</dt>
        <dd className={styles.titleText}>{handoff.title}</dd>
        <dt>ID</dt>
        <dd>
          {handoff.id ? (
            <span className={styles.idLine}>
              <code className={styles.code}>{handoff.id}</code>
              <CopyButton value={handoff.id} label={`Copy the ID of ${handoff.title}`} />
            </span>
          ) : (
            <span className={styles.muted}>Generated when the handoff is saved</span>
          )}
        </dd>
        <dt>Lookback period</dt>
        <dd>{lookbackText(handoff.lookbackMinutes)}</dd>
        <dt>Channels, in priority order</dt>
        <dd>
          <ol className={styles.inlineList}>
            {handoff.channels.map((channel) => (
              <li key={channel}>{CHANNEL_NAMES[channel]}</li>
            ))}
          </ol>
        </dd>
        <dt>Routing skills</dt>
        <dd>{handoff.skills.length ? handoff.skills.join(', ') : <span className={styles.muted}>Any skill the IVR names</span>}</dd>
      </dl>
      {handoff.channels.map((channel) => {
        if (channel === 'sms' && handoff.sms) {
          return (
            <section key={channel} aria-labelledby="summary-sms" className={styles.composer}>
              <Heading id="summary-sms">SMS</Heading>
              <dl className={styles.facts}>
                <dt>Sent from</dt>
                <dd>{handoff.sms.fromNumber}</dd>
                <dt>Message</dt>
                <dd>
                  <p className={styles.bubble}>{smsText(handoff.sms)}</p>
                  <span className={styles.hint}>
                    {sms!.characters} characters with the opt-out text · {sms!.encoding} · {sms!.segments} SMS segment{sms!.segments === 1 ? '' : 's'}
                  </span>
                </dd>
              </dl>
            </section>
          )
        }
        if (channel === 'wa' && handoff.wa) {
          return (
            <section key={channel} aria-labelledby="summary-wa" className={styles.composer}>
              <Heading id="summary-wa">WhatsApp</Heading>
              <dl className={styles.facts}>
                <dt>Sent from</dt>
                <dd>{handoff.wa.fromNumber}</dd>
                <dt>Template</dt>
                <dd>
                  {handoff.wa.templateName} ({handoff.wa.language})
                </dd>
                <dt>Message</dt>
                <dd>
                  {template ? (
                    <p className={styles.bubble}>{fillTemplate(template.body, handoff.wa.variables)}</p>
                  ) : (
                    <span className={styles.muted}>The template's text is not available.</span>
                  )}
                </dd>
              </dl>
            </section>
          )
        }
        if (channel === 'inapp' && handoff.inapp) {
          return (
            <section key={channel} aria-labelledby="summary-inapp" className={styles.composer}>
              <Heading id="summary-inapp">App Messaging</Heading>
              <dl className={styles.facts}>
                <dt>Apps</dt>
                <dd>
                  <ul className={styles.plainList}>
                    {handoff.inapp.appIds.map((appId) => (
                      <li key={appId}>
                        {appName(appId) ?? appId} <span className={styles.muted}>({appId})</span>
                      </li>
                    ))}
                  </ul>
                </dd>
                <dt>Message</dt>
                <dd>
                  <p className={styles.bubble}>{handoff.inapp.message}</p>
                </dd>
              </dl>
            </section>
          )
        }
        return null
      })}
    </div>
  )
}
