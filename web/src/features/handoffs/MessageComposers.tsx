import { useId } from 'react'
import type { App, PhoneNumber, WaTemplate } from './handoffs.api.ts'
import { type Draft, MAX_APPS, MESSAGE_MAX_LENGTH, SMS_RECOMMENDED_LENGTH, fillTemplate, smsText, templateParameterCount } from './handoff-draft.ts'
import { smsSize } from './sms-segments.ts'
import { GroupError, SelectInput, TextInput } from './FormControls.tsx'
import styles from './handoffs.module.css'

type Errors = Record<string, string>

/** Fields the flow marks touched when they change, so their rule shows while typing. */
interface ComposerProps<Block> {
  value: Block
  onChange: (change: Partial<Block>, field: string) => void
  errors: Errors
}

const plural = (count: number, one: string) => `${count.toLocaleString('en-US')} ${one}${count === 1 ? '' : 's'}`

/** The SMS: the number it comes from, the text with its live size, the editable opt-out text. */
export function SmsComposer({ value, onChange, errors, numbers }: ComposerProps<Draft['sms']> & { numbers: readonly PhoneNumber[] }) {
  const sent = smsSize(smsText(value))
  const long = value.message.length > SMS_RECOMMENDED_LENGTH
  return (
    <section aria-labelledby="compose-sms" className={styles.composer}>
      <h3 id="compose-sms">SMS</h3>
      <SelectInput
        label="SMS number to send from"
        name="sms.fromNumber"
        value={value.fromNumber}
        onChange={(fromNumber) => onChange({ fromNumber }, 'sms.fromNumber')}
        placeholder="Choose a number"
        options={numbers.filter((n) => n.channel === 'sms').map((n) => ({ value: n.number, label: n.number }))}
        error={errors['sms.fromNumber']}
      />
      <TextInput
        label="SMS message"
        name="sms.message"
        multiline
        value={value.message}
        onChange={(message) => onChange({ message }, 'sms.message')}
        error={errors['sms.message']}
        hint={
          <>
            <span className={long ? styles.warningText : undefined}>
              {plural(value.message.length, 'character')} of the {SMS_RECOMMENDED_LENGTH} recommended
              {long ? ': longer texts may arrive as several messages' : ''}.
            </span>{' '}
            Plain text; {'{{1}}'} and the like are filled with the IVR's template variables.
          </>
        }
      />
      <TextInput
        label="Opt-out text"
        name="sms.optOutText"
        value={value.optOutText}
        onChange={(optOutText) => onChange({ optOutText }, 'sms.optOutText')}
        error={errors['sms.optOutText']}
        hint="Sent on its own line after the message, so the consumer can stop further messages."
      />
      <div className={styles.preview}>
        <h4 className={styles.previewHeading}>What the consumer receives</h4>
        <p className={styles.bubble}>{smsText(value)}</p>
        <p className={styles.hint} data-testid="sms-size">
          {plural(sent.characters, 'character')} with the opt-out text · {sent.encoding} · {plural(sent.segments, 'SMS segment')} ({sent.unitsLeft} {sent.encoding === 'GSM-7' ? 'septets' : 'code units'} left
          in the last)
        </p>
      </div>
    </section>
  )
}

/** WhatsApp: the number, an approved template and a value per placeholder, with the filled template shown live. */
export function WhatsAppComposer({ value, onChange, errors, numbers, templates }: ComposerProps<Draft['wa']> & { numbers: readonly PhoneNumber[]; templates: readonly WaTemplate[] }) {
  // Approved templates, and the one the handoff uses already even if Meta has paused it since.
  const offered = templates.filter((t) => t.status === 'APPROVED' || t.name === value.templateName)
  const template = templates.find((t) => t.name === value.templateName)
  const count = template ? templateParameterCount(template.body) : 0
  return (
    <section aria-labelledby="compose-wa" className={styles.composer}>
      <h3 id="compose-wa">WhatsApp</h3>
      <SelectInput
        label="WhatsApp number to send from"
        name="wa.fromNumber"
        value={value.fromNumber}
        onChange={(fromNumber) => onChange({ fromNumber }, 'wa.fromNumber')}
        placeholder="Choose a number"
        options={numbers.filter((n) => n.channel === 'wa').map((n) => ({ value: n.number, label: n.number }))}
        error={errors['wa.fromNumber']}
      />
      <SelectInput
        label="Template"
        name="wa.templateName"
        value={value.templateName}
        onChange={(templateName) => onChange({ templateName }, 'wa.templateName')}
        placeholder={offered.length ? 'Choose an approved template' : 'No approved template yet'}
        options={offered.map((t) => ({ value: t.name, label: `${t.name} (${t.language})${t.status === 'APPROVED' ? '' : ` — ${t.status.toLowerCase()}`}` }))}
        error={errors['wa.templateName']}
        hint="WhatsApp starts a conversation with a template Meta has approved only."
      />
      {template
        ? Array.from({ length: count }, (_, i) => String(i + 1)).map((n) => (
            <TextInput
              key={`${template.name}-${n}`}
              label={`Value of {{${n}}}`}
              name={`wa.variables.${n}`}
              value={value.variables[n] ?? ''}
              onChange={(text) => onChange({ variables: { ...value.variables, [n]: text } }, `wa.variables.${n}`)}
              error={errors[`wa.variables.${n}`]}
              hint="Optional: the IVR's template variable of the same number replaces it."
            />
          ))
        : null}
      {template ? (
        <div className={styles.preview}>
          <h4 className={styles.previewHeading}>What the consumer receives</h4>
          <p className={styles.bubble} data-testid="wa-preview">
            {fillTemplate(template.body, value.variables)}
          </p>
        </div>
      ) : null}
    </section>
  )
}

/** App Messaging: 1 to 3 of the brand's apps and a plain-text message. */
export function AppMessagingComposer({ value, onChange, errors, apps }: ComposerProps<Draft['inapp']> & { apps: readonly App[] }) {
  const id = useId()
  const full = value.appIds.length >= MAX_APPS
  const error = errors['inapp.appIds']
  function toggle(appId: string, on: boolean) {
    const appIds = on ? [...value.appIds, appId] : value.appIds.filter((a) => a !== appId)
    onChange({ appIds }, 'inapp.appIds')
  }
  return (
    <section aria-labelledby="compose-inapp" className={styles.composer}>
      <h3 id="compose-inapp">App Messaging</h3>
      <fieldset className={styles.group} aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`} aria-invalid={error ? true : undefined}>
        <legend>Apps</legend>
        <p id={`${id}-hint`} className={styles.hint}>
          Choose 1 to {MAX_APPS} apps: the message reaches the consumer in those of them they have installed. {value.appIds.length} chosen.
        </p>
        {apps.length === 0 ? <p className={styles.hint}>This brand has no app registered yet.</p> : null}
        {apps.map((app) => {
          const checked = value.appIds.includes(app.appId)
          return (
            <label key={app.appId} className={styles.checkbox}>
              <input type="checkbox" checked={checked} disabled={!checked && full} onChange={(e) => toggle(app.appId, e.target.checked)} />
              <span>
                {app.name} <span className={styles.muted}>({app.appId}, {app.platform === 'ios' ? 'iOS' : 'Android'})</span>
              </span>
            </label>
          )
        })}
        <GroupError id={`${id}-error`} error={error} />
      </fieldset>
      <TextInput
        label="App message"
        name="inapp.message"
        multiline
        value={value.message}
        onChange={(message) => onChange({ message }, 'inapp.message')}
        error={errors['inapp.message']}
        hint={`Plain text, ${plural(value.message.length, 'character')} of ${MESSAGE_MAX_LENGTH.toLocaleString('en-US')}.`}
      />
    </section>
  )
}
