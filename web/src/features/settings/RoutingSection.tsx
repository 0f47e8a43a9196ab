import { type FormEvent, useId, useRef, useState } from 'react'
import { Form } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { LoadFailed } from '../../components/LoadFailed.tsx'
import { InlineConfirm } from '../../components/InlineConfirm.tsx'
import { Field } from '../../components/Field.tsx'
import { ApiError } from '../../lib/api.ts'
import { useServerFieldErrors } from '../../lib/server-field-errors.ts'
import { type BrandSettings, alertOf, fieldErrorsOf, useAddSkill, useRemoveSkill, useSaveSettings, useSkills } from './settings.api.ts'
import styles from './settings.module.css'

type Routing = BrandSettings['routing']

interface RoutingSectionProps {
  accountId: string
  stored: BrandSettings
  canWrite: boolean
}

/**
 * Skill-based routing: which of the brand's skills conversations are routed to, and the default
 * skill (where replies after a handoff's lookback period go). The brand's skills are added and
 * removed here too; a skill the routing or a handoff names cannot be removed (the service says which).
 */
export function RoutingSection({ accountId, stored, canWrite }: RoutingSectionProps) {
  const skills = useSkills(accountId)
  const save = useSaveSettings(accountId)
  const [draft, setDraft] = useState<Routing | null>(null)
  const [saved, setSaved] = useState(false)
  const [removed, setRemoved] = useState<string | null>(null)
  const skillsBox = useRef<HTMLFieldSetElement>(null)
  const status = useRef<HTMLSpanElement>(null)
  const defaultId = useId()
  const errorsId = useId()
  const routing = draft ?? stored.routing
  // Skills the settings name that the catalogue lacks still show, so nothing is dropped unseen.
  const catalogue = skills.data ?? []
  const names = [...catalogue, ...routing.skills.filter((skill) => !catalogue.includes(skill))]

  function change(next: Routing) {
    setDraft(next)
    setSaved(false)
    setRemoved(null)
    save.reset()
  }

  // The removed skill's row is gone with the focus it held: the focus goes to the first skill left.
  function afterRemoval(skill: string) {
    setRemoved(`${skill} was removed.`)
    requestAnimationFrame(() => skillsBox.current?.querySelector<HTMLInputElement>('input')?.focus())
  }

  function toggle(skill: string, on: boolean) {
    const enabled = on ? [...routing.skills, skill] : routing.skills.filter((s) => s !== skill)
    // The default skill must be one of the enabled ones: turning it off clears it.
    const defaultSkill = routing.defaultSkill !== undefined && enabled.includes(routing.defaultSkill) ? routing.defaultSkill : undefined
    change(defaultSkill === undefined ? { skills: enabled } : { skills: enabled, defaultSkill })
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    save.mutate(
      { ...stored, routing },
      {
        onSuccess: () => {
          setDraft(null)
          setSaved(true)
          // The Save button is disabled once saved: the saved line takes the focus it would drop.
          status.current?.focus()
        },
      },
    )
  }

  const errors = fieldErrorsOf(save.error)
  const skillErrors = Object.entries(errors)
    .filter(([field]) => field === 'routing.skills' || field.startsWith('routing.skills.'))
    .map(([, message]) => message)
  const alert = alertOf(save.error)

  return (
    <section aria-labelledby="routing-heading" className={styles.card}>
      <h2 id="routing-heading">Routing</h2>
      <p className={styles.muted}>
        Conversations are routed to agents by skill. Enable the skills conversations may be routed to, and choose the default skill: where a consumer's reply goes when it comes after
        the handoff's lookback period. Agents answer the skills they are given on the Users page.
      </p>
      {skills.isPending ? <p role="status">Loading the brand's skills…</p> : null}
      <LoadFailed query={skills} what="The brand's skills cannot be read" />
      {skills.data && canWrite ? (
        <form onSubmit={submit} aria-labelledby="routing-heading">
          {alert ? <Alert>{alert}</Alert> : null}
          <fieldset ref={skillsBox} className={styles.skills} aria-describedby={skillErrors.length > 0 ? errorsId : undefined}>
            <legend>Skills enabled for routing</legend>
            {names.length === 0 ? <p className={styles.muted}>The brand has no skills yet: add one below.</p> : null}
            <ul className={styles.skillList}>
              {names.map((skill) => (
                <SkillRow
                  key={skill}
                  accountId={accountId}
                  skill={skill}
                  enabled={routing.skills.includes(skill)}
                  inCatalogue={catalogue.includes(skill)}
                  onToggle={(on) => toggle(skill, on)}
                  onRemoved={() => afterRemoval(skill)}
                />
              ))}
            </ul>
            <p role="status" className={styles.success}>
              {removed ?? ''}
            </p>
            {skillErrors.length > 0 ? (
              <p id={errorsId} className={styles.error}>
                {skillErrors.join(' ')}
              </p>
            ) : null}
          </fieldset>
          <div className={styles.select}>
            <label htmlFor={defaultId}>Default skill</label>
            <select
              id={defaultId}
              value={routing.defaultSkill ?? ''}
              aria-invalid={errors['routing.defaultSkill'] ? true : undefined}
              aria-describedby={errors['routing.defaultSkill'] ? `${defaultId}-error` : `${defaultId}-hint`}
              onChange={(event) => change(event.target.value === '' ? { skills: routing.skills } : { skills: routing.skills, defaultSkill: event.target.value })}
            >
              <option value="">No default skill</option>
              {routing.skills.map((skill) => (
                <option key={skill} value={skill}>
                  {skill}
                </option>
              ))}
            </select>
            <span id={`${defaultId}-hint`} className={styles.hint}>
              One of the enabled skills.
            </span>
            {errors['routing.defaultSkill'] ? (
              <span id={`${defaultId}-error`} className={styles.error}>
                {errors['routing.defaultSkill']}
              </span>
            ) : null}
          </div>
          <div className={styles.actions}>
            <Button type="submit" isDisabled={save.isPending || draft === null}>
              {save.isPending ? 'Saving…' : 'Save routing'}
            </Button>
            <span ref={status} tabIndex={-1} role="status" className={styles.success}>
              {saved ? 'Routing saved.' : ''}
            </span>
          </div>
        </form>
      ) : null}
      {skills.data && canWrite ? <AddSkillForm accountId={accountId} /> : null}
      {skills.data && !canWrite ? (
        <>
          <h3 className={styles.subheading}>Skills enabled for routing</h3>
          {stored.routing.skills.length === 0 ? (
            <p className={styles.muted}>No skill is enabled.</p>
          ) : (
            <ul className={styles.readList} aria-label="Skills enabled for routing">
              {stored.routing.skills.map((skill) => (
                <li key={skill}>{skill}</li>
              ))}
            </ul>
          )}
          <p>
            Default skill: <strong>{stored.routing.defaultSkill ?? 'none'}</strong>
          </p>
          <h3 className={styles.subheading}>The brand's skills</h3>
          {catalogue.length === 0 ? (
            <p className={styles.muted}>The brand has no skills yet.</p>
          ) : (
            <ul className={styles.readList} aria-label="The brand's skills">
              {catalogue.map((skill) => (
                <li key={skill}>{skill}</li>
              ))}
            </ul>
          )}
        </>
      ) : null}
    </section>
  )
}

interface SkillRowProps {
  accountId: string
  skill: string
  enabled: boolean
  inCatalogue: boolean
  onToggle: (on: boolean) => void
  onRemoved: () => void
}

/** One skill: enabled for routing or not, and removable from the brand after an inline confirmation. */
function SkillRow({ accountId, skill, enabled, inCatalogue, onToggle, onRemoved }: SkillRowProps) {
  const remove = useRemoveSkill(accountId)
  const [confirming, setConfirming] = useState(false)
  const errorId = useId()

  const error = remove.error instanceof ApiError && remove.error.status === 404 ? null : remove.error ? `${skill} cannot be removed: ${remove.error.message}` : null
  return (
    <li className={styles.skillRow}>
      <label className={styles.checkbox}>
        <input type="checkbox" checked={enabled} onChange={(event) => onToggle(event.target.checked)} aria-describedby={error ? errorId : undefined} />
        <span>{skill}</span>
      </label>
      {!inCatalogue ? <span className={styles.muted}>(no longer one of the brand's skills: disable it)</span> : null}
      {inCatalogue ? (
        <InlineConfirm
          confirming={confirming}
          question={`Remove ${skill} from the brand?`}
          confirmLabel="Yes, remove"
          busy={remove.isPending}
          layout="inline"
          onConfirm={() => remove.mutate(skill, { onSuccess: onRemoved, onSettled: () => setConfirming(false) })}
          onCancel={() => setConfirming(false)}
        >
          <Button
            variant="secondary"
            aria-label={`Remove skill ${skill}`}
            onPress={() => {
              remove.reset()
              setConfirming(true)
            }}
          >
            Remove
          </Button>
        </InlineConfirm>
      ) : null}
      {error ? (
        <span id={errorId} className={styles.error}>
          {error}
        </span>
      ) : null}
    </li>
  )
}

/** A taken name (409) is the name field's error, as are the schema's refusals. */
function skillErrorsOf(error: unknown): Record<string, string> {
  const errors = fieldErrorsOf(error, 'must have a visible character and no control characters')
  if (error instanceof ApiError && error.status === 409) errors.name = error.detail ?? error.errorMessage
  return errors
}

/** Adds a skill to the brand's catalogue; enabling it for routing is the routing form's job. */
function AddSkillForm({ accountId }: { accountId: string }) {
  const add = useAddSkill(accountId)
  const [name, setName] = useState('')
  const [added, setAdded] = useState<string | null>(null)
  const status = useRef<HTMLSpanElement>(null)

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setAdded(null)
    add.mutate(name.trim(), {
      onSuccess: (skill) => {
        setAdded(skill.name)
        setName('')
        // A click's button was disabled while adding, which drops the focus: the added line takes it.
        if (!(document.activeElement instanceof HTMLInputElement)) status.current?.focus()
      },
    })
  }

  const { formProps } = useServerFieldErrors(add.error, skillErrorsOf)
  const alert = add.error instanceof ApiError && (add.error.status === 409 || add.error.fields.length > 0) ? null : alertOf(add.error)
  return (
    <Form onSubmit={submit} validationBehavior="aria" {...formProps} aria-label="Add a skill" className={styles.inlineForm}>
      {alert ? <Alert>{alert}</Alert> : null}
      <Field label="New skill" name="name" value={name} onChange={setName} isRequired maxLength={255} autoComplete="off" hint="As named in the Conversational Cloud, e.g. billing" />
      <div className={styles.actions}>
        <Button type="submit" variant="secondary" isDisabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add skill'}
        </Button>
        <span ref={status} tabIndex={-1} role="status" className={styles.success}>
          {added ? `${added} was added: enable it for routing above and save.` : ''}
        </span>
      </div>
    </Form>
  )
}
