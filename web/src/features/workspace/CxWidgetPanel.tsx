import { CHANNEL_NAMES, type CxWidget, type OutboundMessage } from './workspace.api.ts'
import { formatTime } from './format.ts'
import styles from './workspace.module.css'

/**
 * The CX widget: the message that moved the consumer from the IVR to messaging (the deflection's
 * first outbound message), and the service's latest invitations to this consumer (30 days, five at most).
 */
export function CxWidgetPanel({ widget, headingLevel = 2 }: { widget: CxWidget; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3'
  const Sub = headingLevel === 2 ? 'h3' : 'h4'
  return (
    <section className={styles.panel} aria-labelledby="cx-widget-heading">
      <Heading id="cx-widget-heading">CX widget</Heading>
      <Sub>First outbound message</Sub>
      {widget.firstOutbound ? (
        <OutboundDetails message={widget.firstOutbound} />
      ) : (
        <p className={styles.muted}>This conversation did not start from an IVR deflection: the consumer wrote first.</p>
      )}
      <Sub>Recent outbound messages (last 30 days)</Sub>
      {widget.recent.length === 0 ? (
        <p className={styles.muted}>No outbound message to this consumer in the last 30 days.</p>
      ) : (
        <table className={styles.table}>
          <thead>
            <tr>
              <th scope="col">Sent</th>
              <th scope="col">Channel</th>
              <th scope="col">Handoff</th>
              <th scope="col">Status</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {widget.recent.map((message) => (
              <tr key={message.messageId}>
                <td>
                  <time dateTime={message.sentAt}>{formatTime(message.sentAt)}</time>
                </td>
                <td>{CHANNEL_NAMES[message.channel]}</td>
                <td className={styles.code}>{message.handoffId ?? '—'}</td>
                <td>{message.status}</td>
                <td className={styles.messageText}>{message.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function OutboundDetails({ message }: { message: OutboundMessage }) {
  return (
    <div className={styles.firstOutbound}>
      <p className={styles.messageText}>{message.text}</p>
      <dl className={styles.facts}>
        <dt>Sent</dt>
        <dd>
          <time dateTime={message.sentAt}>{formatTime(message.sentAt)}</time>
        </dd>
        <dt>Channel</dt>
        <dd>{CHANNEL_NAMES[message.channel]}</dd>
        <dt>Handoff</dt>
        <dd className={styles.code}>{message.handoffId ?? '—'}</dd>
        <dt>Call</dt>
        <dd className={styles.code}>{message.callId ?? '—'}</dd>
        <dt>Status</dt>
        <dd>{message.status}</dd>
      </dl>
    </div>
  )
}
