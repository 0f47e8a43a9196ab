import { useEffect, useId, useState, type FormEvent } from 'react'
import { Form } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { Field } from '../../components/Field.tsx'
import { ApiError } from '../../lib/api.ts'
import { fieldErrorsOf, useServerFieldErrors } from '../../lib/server-field-errors.ts'
import type { Device } from './SimulatorPage.tsx'
import { type C2mAnswer, type IvrCall, placeholdersOf, useHandoffs, useIvrCall, useRoutingSkills } from './simulator.api.ts'
import styles from './simulator.module.css'

/** The answer's field errors by input name: a template variable's is its input's (`var-name`). */
const errorsOf = (error: unknown) => fieldErrorsOf(error, (field) => field.replace(/^body\./, '').replace(/^templateVariables\./, 'var-'))

function alertOf(error: unknown): string | null {
  if (!error) return null
  if (!(error instanceof ApiError)) return 'The service cannot be reached. Check your connection and try again.'
  if (error.status === 409) return `This handoff uses a channel in live mode: the simulator places calls only on sandbox channels, as a live one would text a real person. ${error.detail ?? ''}`.trim()
  if (error.fields.length > 0) return 'Please correct the fields below.'
  return error.message
}

/** The IVR's side: Eligibility, then Invite when the caller is eligible; both answers as the C2M API gave them. */
export function IvrCallForm({ accountId, onCalled }: { accountId: string; onCalled: (devices: Device[]) => void }) {
  const handoffs = useHandoffs(accountId)
  const routing = useRoutingSkills(accountId)
  const call = useIvrCall(accountId)
  const [phone, setPhone] = useState('+14259549855')
  const [handoffId, setHandoffId] = useState('')
  const [skill, setSkill] = useState('')
  const [consumerId, setConsumerId] = useState('')
  const [variables, setVariables] = useState<Record<string, string>>({})
  const handoffSelect = useId()
  const skillSelect = useId()

  const items = handoffs.data?.items ?? []
  const handoff = items.find((h) => h.id === handoffId)
  // A handoff limited to some skills offers only those; otherwise every routing skill.
  const skills = handoff && handoff.skills.length > 0 ? handoff.skills : (routing.data?.skills ?? [])
  const placeholders = placeholdersOf(handoff)
  const inapp = handoff?.channels.includes('inapp') ?? false

  useEffect(() => {
    if (handoffId === '' && items[0]) setHandoffId(items[0].id)
  }, [handoffId, items])
  useEffect(() => {
    if (!skills.includes(skill)) setSkill(routing.data?.defaultSkill && skills.includes(routing.data.defaultSkill) ? routing.data.defaultSkill : (skills[0] ?? ''))
  }, [skill, skills, routing.data])

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (!handoff) return
    const templateVariables = Object.fromEntries(placeholders.filter((name) => (variables[name] ?? '') !== '').map((name) => [name, variables[name]!]))
    const body: IvrCall = { consumerPhoneNumber: phone.trim(), handoffId, skill }
    if (consumerId.trim() !== '') body.consumerId = consumerId.trim()
    if (Object.keys(templateVariables).length > 0) body.templateVariables = templateVariables
    call.mutate(body, {
      onSuccess: () => {
        const devices: Device[] = []
        if (handoff.channels.some((c) => c !== 'inapp')) devices.push({ kind: 'phone', id: body.consumerPhoneNumber })
        if (body.consumerId) devices.push({ kind: 'app', id: body.consumerId })
        onCalled(devices)
      },
    })
  }

  const { errors: fieldErrors, formProps } = useServerFieldErrors(call.error, errorsOf)
  const alert = alertOf(call.error)
  return (
    <section aria-labelledby="ivr-heading" className={styles.ivr}>
      <h2 id="ivr-heading">IVR call</h2>
      {handoffs.isPending || routing.isPending ? <p role="status">Loading the handoffs…</p> : null}
      {handoffs.isError || routing.isError ? (
        <Alert>
          The handoffs or settings could not be loaded: {(handoffs.error ?? routing.error)?.message}{' '}
          <Button variant="secondary" onPress={() => Promise.all([handoffs.refetch(), routing.refetch()])}>
            Try again
          </Button>
        </Alert>
      ) : null}
      {handoffs.isSuccess && items.length === 0 ? <p>This brand has no API handoff yet: create one, then call with it here.</p> : null}
      {items.length > 0 ? (
        <Form onSubmit={submit} {...formProps} aria-labelledby="ivr-heading">
          {alert ? <Alert>{alert}</Alert> : null}
          <Field label="Consumer phone number" name="consumerPhoneNumber" value={phone} onChange={setPhone} isRequired hint="E.164, e.g. +14259549855" inputMode="tel" />
          <div className={styles.select}>
            <label htmlFor={handoffSelect}>Handoff</label>
            <select id={handoffSelect} name="handoffId" value={handoffId} onChange={(e) => setHandoffId(e.target.value)} required>
              {items.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.title} ({h.channels.join(', ')})
                </option>
              ))}
            </select>
            {fieldErrors.handoffId ? <span className={styles.error}>{fieldErrors.handoffId}</span> : null}
          </div>
          <div className={styles.select}>
            <label htmlFor={skillSelect}>Skill</label>
            <select id={skillSelect} name="skill" value={skill} onChange={(e) => setSkill(e.target.value)} required disabled={skills.length === 0}>
              {skills.length === 0 ? <option value="">No routing skill</option> : null}
              {skills.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
            {fieldErrors.skill ? <span className={styles.error}>{fieldErrors.skill}</span> : null}
          </div>
          <Field
            label="Consumer id (app user)"
            name="consumerId"
            value={consumerId}
            onChange={setConsumerId}
            isRequired={inapp && handoff?.channels.length === 1}
            hint={inapp ? 'Needed for App Messaging: the app user the push goes to' : 'Only used by App Messaging handoffs'}
          />
          {placeholders.length > 0 ? (
            <fieldset className={styles.variables}>
              <legend>Template variables</legend>
              {placeholders.map((name) => (
                <Field
                  key={name}
                  label={`Variable {{${name}}}`}
                  name={`var-${name}`}
                  value={variables[name] ?? ''}
                  onChange={(value) => setVariables((current) => ({ ...current, [name]: value }))}
                  maxLength={1600}
                />
              ))}
            </fieldset>
          ) : null}
          <Button type="submit" isDisabled={call.isPending || !handoff || skill === ''}>
            {call.isPending ? 'Calling…' : 'Place the call'}
          </Button>
        </Form>
      ) : null}
      {call.data ? (
        <div className={styles.answers} aria-live="polite">
          <AnswerPanel title="Eligibility answer" answer={call.data.eligibility} />
          {call.data.invite ? (
            <AnswerPanel title="Invite answer" answer={call.data.invite} />
          ) : (
            <section className={styles.answer} aria-label="Invite answer">
              <h3>Invite answer</h3>
              <p className={styles.muted}>Not sent: an IVR invites only an eligible caller.</p>
            </section>
          )}
        </div>
      ) : null}
    </section>
  )
}

function AnswerPanel({ title, answer }: { title: string; answer: C2mAnswer }) {
  const ok = answer.status >= 200 && answer.status < 300
  return (
    <section className={styles.answer} aria-label={title}>
      <h3>
        {title} <span className={ok ? styles.statusOk : styles.statusError}>HTTP {answer.status}</span>
      </h3>
      <pre className={styles.json}>{JSON.stringify(answer.body, null, 2)}</pre>
    </section>
  )
}
