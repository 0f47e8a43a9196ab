import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react'
import { Link, type To, useLocation, useNavigate, useParams, useSearchParams } from 'react-router'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { CopyButton } from '../../components/CopyButton.tsx'
import { ApiError } from '../../lib/api.ts'
import { useServerFieldErrors } from '../../lib/server-field-errors.ts'
import type { Session } from '../session/session.api.ts'
import {
  type Channel,
  type Handoff,
  titleKey,
  useApps,
  useBrandSettings,
  useCreateHandoff,
  useHandoff,
  usePhoneNumbers,
  useReplaceHandoff,
  useSkills,
  useTitleTaken,
  useWaTemplates,
} from './handoffs.api.ts'
import {
  type Draft,
  type LookbackUnit,
  STEPS,
  type Step,
  TITLE_MAX_LENGTH,
  bodyOf,
  draftOf,
  newDraft,
  serverFieldErrors,
  stepErrors,
  stepOfField,
} from './handoff-draft.ts'
import { draftKey, forgetDraft, loadDraft, reachableStep, sameDraft, searchOfStep, stepOfParam, storeDraft } from './flow-state.ts'
import { ChannelPicker } from './ChannelPicker.tsx'
import { GroupError, TextInput, sentence } from './FormControls.tsx'
import { HandoffSummary } from './HandoffSummary.tsx'
import { AppMessagingComposer, SmsComposer, WhatsAppComposer } from './MessageComposers.tsx'
import { useDebounced } from './useDebounced.ts'
import styles from './handoffs.module.css'

/** Where the list was (its page, sort and filters) when the flow was opened from it. */
export interface FromList {
  listSearch?: string
}

/** The history state of a step's entry: how many steps the flow pushed before it (0 on the entry the flow was opened on). */
interface FlowState extends FromList {
  flowDepth?: number
}

/** `/handoffs/new` and `/handoffs/:handoffId/edit`: the guided flow, empty or from the saved handoff. */
export function HandoffEditorPage({ session }: { session: Session }) {
  const { handoffId } = useParams()
  return handoffId ? <EditHandoff accountId={session.accountId} handoffId={handoffId} /> : <HandoffFlow accountId={session.accountId} initial={newDraft()} />
}

function EditHandoff({ accountId, handoffId }: { accountId: string; handoffId: string }) {
  const handoff = useHandoff(accountId, handoffId)
  if (handoff.isPending) return <p role="status">Loading the handoff…</p>
  if (handoff.isError) return <HandoffLoadError error={handoff.error} handoffId={handoffId} retry={() => handoff.refetch()} />
  return <HandoffFlow key={handoff.data.id} accountId={accountId} initial={draftOf(handoff.data)} existing={handoff.data} />
}

/** A handoff that cannot be shown: gone (404), or the service unreachable. */
export function HandoffLoadError({ error, handoffId, retry }: { error: Error; handoffId: string; retry: () => void }) {
  const gone = error instanceof ApiError && error.status === 404
  return (
    <section className={styles.page}>
      <h1>API handoff</h1>
      <Alert>
        {gone ? `There is no handoff with the ID ${handoffId}: it may have been deleted.` : `The handoff could not be loaded: ${error.message}`}{' '}
        {gone ? null : (
          <Button variant="secondary" onPress={retry}>
            Try again
          </Button>
        )}
      </Alert>
      <Link to="/" className={styles.linkButton}>
        Back to the API handoffs
      </Link>
    </section>
  )
}

const FIELDS_SHOWN = /^(title|lookbackMinutes|channels|skills|sms\.(fromNumber|message|optOutText)|wa\.(fromNumber|templateName|variables\.\d+)|inapp\.(appIds|message))$/

/**
 * The guided flow of the user guide: title, lookback and channels; the message of each channel;
 * then a preview to confirm. Back keeps everything typed, Cancel leaves without saving anything.
 * Each field's rule shows once the field is changed (the title's as it is typed, its uniqueness
 * checked against the brand's handoffs) or when Next is pressed; the service's `fields` are shown
 * beside their field, on the step that holds it, until that field is changed.
 *
 * The step is in the address and each Next is an entry of the browser's history, so its Back and
 * Forward walk the steps; the unsaved draft is kept in the tab's sessionStorage, so a reload (or
 * leaving by Back and returning) restores it, until it is saved, cancelled or discarded.
 */
function HandoffFlow({ accountId, initial, existing }: { accountId: string; initial: Draft; existing?: Handoff }) {
  const navigate = useNavigate()
  const location = useLocation()
  const flowState = (location.state as FlowState | null) ?? {}
  const listSearch = flowState.listSearch ?? ''
  const depth = flowState.flowDepth ?? 0
  const storageKey = draftKey(accountId, existing?.id)
  const [restored] = useState(() => {
    const stored = loadDraft(storageKey)
    return stored && !sameDraft(stored, initial) ? stored : null
  })
  const [draft, setDraft] = useState(restored ?? initial)
  const [restoredNotice, setRestoredNotice] = useState(restored !== null)
  const [params] = useSearchParams()
  const requested = stepOfParam(params.get('step'))
  const step = reachableStep(draft, requested)
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set())
  const [attempted, setAttempted] = useState<ReadonlySet<Step>>(new Set())
  const [focusRequest, setFocusRequest] = useState<{ step: Step; target: 'heading' | 'invalid' } | null>(null)
  const shownStep = useRef(step)
  // Saved or cancelled: the draft is spent, and is neither stored again nor warned about.
  const done = useRef(false)
  const form = useRef<HTMLFormElement>(null)
  const headingId = useId()
  const dirty = useMemo(() => !sameDraft(draft, initial), [draft, initial])

  const numbers = usePhoneNumbers(accountId)
  const apps = useApps(accountId)
  const templates = useWaTemplates(accountId)
  const skills = useSkills(accountId)
  const settings = useBrandSettings(accountId)
  const checkedTitle = useDebounced(draft.title, 300)
  const taken = useTitleTaken(accountId, checkedTitle, existing?.id)
  const titleTaken = taken.data === true && titleKey(checkedTitle) === titleKey(draft.title)
  const create = useCreateHandoff(accountId)
  const replace = useReplaceHandoff(accountId, existing?.id ?? '')
  const save = existing ? replace : create
  const { errors: serverErrors, clear: clearServerError } = useServerFieldErrors(save.error, serverFieldErrors)

  const clientErrors = useMemo(() => (step === 'preview' ? {} : stepErrors(draft, step, titleTaken)), [draft, step, titleTaken])
  const errors = useMemo(() => {
    const shown = Object.entries(clientErrors).filter(([field]) => touched.has(field) || attempted.has(step))
    return { ...Object.fromEntries(shown), ...serverErrors }
  }, [clientErrors, touched, attempted, step, serverErrors])

  // An address naming a step the draft cannot be on (an old link, a lost draft) shows the step it
  // can be on: the address says so too, in place.
  useEffect(() => {
    if (step !== requested && !done.current) navigate({ search: searchOfStep(step) }, { replace: true, state: location.state })
  }, [step, requested])

  useEffect(() => {
    if (done.current) return
    if (dirty) storeDraft(storageKey, draft)
    else forgetDraft(storageKey)
  }, [draft, dirty, storageKey])

  // Closing the tab, reloading or leaving the site with unsaved changes asks first. (Moving within
  // the pages keeps the draft in sessionStorage instead: the app has no data router for useBlocker.)
  useEffect(() => {
    if (!dirty) return
    const warn = (event: BeforeUnloadEvent) => {
      if (done.current) return
      event.preventDefault()
      event.returnValue = ''
    }
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [dirty])

  // A new step (by the page's buttons or the browser's) takes the focus on its heading; a refused
  // step, on its first invalid field.
  useEffect(() => {
    const changed = shownStep.current !== step
    shownStep.current = step
    if (!form.current) return
    const target = focusRequest?.step === step ? focusRequest.target : changed ? 'heading' : null
    if (focusRequest?.step === step) setFocusRequest(null)
    if (target === 'heading') document.getElementById(headingId)?.focus()
    if (target === 'invalid') {
      const invalid = form.current.querySelector<HTMLElement>('[aria-invalid="true"]')
      const field = invalid instanceof HTMLFieldSetElement ? invalid.querySelector<HTMLElement>('input:not([disabled]), button:not([disabled])') : invalid
      field?.focus()
    }
  }, [step, focusRequest, headingId])

  function change(field: string, apply: (draft: Draft) => Draft) {
    setDraft(apply)
    setTouched((fields) => (fields.has(field) ? fields : new Set(fields).add(field)))
    clearServerError(field)
  }

  /**
   * To a later step: a new entry of the history. To an earlier one: back through the history to
   * it when the flow pushed the steps between (so Forward then returns), else in place.
   */
  function moveTo(target: Step) {
    const back = STEPS.findIndex((s) => s.step === step) - STEPS.findIndex((s) => s.step === target)
    if (back <= 0) navigate({ search: searchOfStep(target) }, { state: { ...flowState, flowDepth: depth + 1 } satisfies FlowState })
    else if (depth >= back) navigate(-back)
    else navigate({ search: searchOfStep(target) }, { replace: true, state: location.state })
  }

  /**
   * Leaves the flow, its draft forgotten: the history entries of its steps are walked back first,
   * so the browser's Back from where it lands goes where the flow was opened from, never to a
   * spent form; the entry the flow was opened on is then replaced.
   */
  function exit(to: To, state?: unknown) {
    done.current = true
    forgetDraft(storageKey)
    if (depth > 0) {
      window.addEventListener('popstate', () => navigate(to, { replace: true, state }), { once: true })
      navigate(-depth)
    } else {
      navigate(to, { replace: true, state })
    }
  }

  const leave = () => exit({ pathname: '/', search: listSearch })

  function discardRestored() {
    forgetDraft(storageKey)
    setDraft(initial)
    setTouched(new Set())
    setAttempted(new Set())
    setRestoredNotice(false)
    setFocusRequest({ step: reachableStep(initial, requested), target: 'heading' })
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (step === 'preview') {
      save.mutate(bodyOf(draft, templates.data ?? []), {
        onSuccess: (saved) => exit({ pathname: '/', search: listSearch }, { saved: { id: saved.id, title: saved.title, created: !existing } }),
        onError: (error) => {
          const fields = serverFieldErrors(error)
          const steps = Object.keys(fields).filter((field) => FIELDS_SHOWN.test(field)).map(stepOfField)
          if (steps.length === 0) return
          const target = steps.includes('setup') ? 'setup' : 'compose'
          setAttempted(new Set(['setup', 'compose']))
          setFocusRequest({ step: target, target: 'invalid' })
          moveTo(target)
        },
      })
      return
    }
    if (Object.keys(stepErrors(draft, step, titleTaken)).length > 0) {
      setAttempted((steps) => new Set(steps).add(step))
      setFocusRequest({ step, target: 'invalid' })
      return
    }
    moveTo(step === 'setup' ? 'compose' : 'preview')
  }

  const current = STEPS.findIndex((s) => s.step === step)
  const heading = existing ? `Edit “${existing.title}”` : 'New API handoff'
  const saveAlert = saveAlertOf(save.error, serverErrors)
  return (
    <section className={styles.page} aria-labelledby="flow-heading">
      <h1 id="flow-heading" className={styles.titleText}>
        {heading}
      </h1>
      <ol className={styles.steps} aria-label="Steps">
        {STEPS.map((s, index) => (
          <li key={s.step} aria-current={s.step === step ? 'step' : undefined} className={index < current ? styles.stepDone : s.step === step ? styles.stepCurrent : undefined}>
            <span className={styles.stepNumber}>{index + 1}</span> {s.label}
          </li>
        ))}
      </ol>
      <form ref={form} onSubmit={submit} noValidate aria-labelledby={headingId} className={styles.flow}>
        <h2 id={headingId} tabIndex={-1} className={styles.stepHeading}>
          Step {current + 1} of {STEPS.length}: {STEPS[current]!.label}
        </h2>
        {restoredNotice ? (
          <div role="status" className={styles.restored}>
            <span>Your unsaved changes were restored.</span>
            <Button variant="secondary" onPress={discardRestored} isDisabled={save.isPending}>
              Discard the unsaved changes
            </Button>
          </div>
        ) : null}
        {saveAlert ? <Alert>{saveAlert}</Alert> : null}
        {step === 'setup' ? (
          <SetupStep
            draft={draft}
            change={change}
            errors={errors}
            existingId={existing?.id}
            skills={skills.data ?? []}
            skillsLoading={skills.isPending}
            offInSettings={new Set((settings.data?.channels ?? []).filter((c) => !c.enabled).map((c) => c.name))}
          />
        ) : null}
        {step === 'compose' ? (
          <ComposeStep
            draft={draft}
            change={change}
            errors={errors}
            catalog={{ numbers, apps, templates }}
          />
        ) : null}
        {step === 'preview' ? (
          <>
            <p className={styles.intro}>Check the handoff before saving it: Back returns to the message with everything kept, Cancel leaves without saving.</p>
            <HandoffSummary handoff={{ ...bodyOf(draft, templates.data ?? []), ...(existing ? { id: existing.id } : {}) }} apps={apps.data ?? []} templates={templates.data ?? []} />
          </>
        ) : null}
        <div className={styles.flowActions}>
          {step !== 'setup' ? (
            <Button variant="secondary" onPress={() => moveTo(step === 'preview' ? 'compose' : 'setup')} isDisabled={save.isPending}>
              Back
            </Button>
          ) : null}
          <Button type="submit" isDisabled={save.isPending}>
            {step === 'setup' ? 'Next: compose the message' : step === 'compose' ? 'Next: preview' : save.isPending ? 'Saving…' : existing ? 'Save changes' : 'Save the handoff'}
          </Button>
          <Button variant="secondary" onPress={leave} isDisabled={save.isPending}>
            Cancel
          </Button>
        </div>
      </form>
    </section>
  )
}

/** What to say above the form after a refused save: which steps to correct, and what no field shows. */
function saveAlertOf(error: Error | null, fields: Record<string, string>): string | null {
  if (!error) return null
  if (!(error instanceof ApiError)) return 'The service cannot be reached. Check your connection and try again; nothing was saved.'
  if (error.fields.length === 0) return `The handoff was not saved: ${error.message}`
  const elsewhere = Object.entries(fields).filter(([field]) => !FIELDS_SHOWN.test(field))
  const steps = [...new Set(Object.keys(fields).filter((f) => FIELDS_SHOWN.test(f)).map(stepOfField))].map((s) => STEPS.find((x) => x.step === s)!.label)
  const parts = [steps.length ? `The handoff was not saved: correct the fields marked in ${steps.join(' and in ')}.` : 'The handoff was not saved.']
  for (const [field, message] of elsewhere) parts.push(`${field}: ${sentence(message)}`)
  return parts.join(' ')
}

type Change = (field: string, apply: (draft: Draft) => Draft) => void

interface SetupStepProps {
  draft: Draft
  change: Change
  errors: Record<string, string>
  existingId: string | undefined
  skills: readonly string[]
  skillsLoading: boolean
  offInSettings: ReadonlySet<Channel>
}

function SetupStep({ draft, change, errors, existingId, skills, skillsLoading, offInSettings }: SetupStepProps) {
  const id = useId()
  const lookbackError = errors.lookbackMinutes
  return (
    <>
      <div className={styles.field}>
        <span className={styles.label} id={`${id}-id`}>
          ID
        </span>
        {existingId ? (
          <span className={styles.idLine} aria-labelledby={`${id}-id`} role="group">
            <code className={styles.code}>{existingId}</code>
            <CopyButton value={existingId} label="Copy the handoff ID" />
          </span>
        ) : (
          <span className={styles.hint}>Generated by the service when you save: the IVR names the handoff by it when it calls Eligibility.</span>
        )}
      </div>
      <TextInput
        label="Title"
        name="title"
        value={draft.title}
        onChange={(title) => change('title', (d) => ({ ...d, title }))}
        error={errors.title}
        isRequired
        hint={`Unique within the brand; letters, digits, spaces and punctuation, without < or >; up to ${TITLE_MAX_LENGTH} characters.`}
      />
      <fieldset className={styles.group} aria-describedby={`${id}-lookback-hint${lookbackError ? ` ${id}-lookback-error` : ''}`}>
        <legend>Lookback period</legend>
        <div className={styles.inline}>
          <span className={styles.inlineField}>
            <label htmlFor={`${id}-lookback`} className={styles.label}>
              Length
            </label>
            <input
              id={`${id}-lookback`}
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              className={`${styles.input} ${styles.short}`}
              value={draft.lookbackValue}
              onChange={(e) => change('lookbackMinutes', (d) => ({ ...d, lookbackValue: e.target.value }))}
              aria-invalid={lookbackError ? true : undefined}
              aria-describedby={`${id}-lookback-hint${lookbackError ? ` ${id}-lookback-error` : ''}`}
            />
          </span>
          <span className={styles.inlineField}>
            <label htmlFor={`${id}-unit`} className={styles.label}>
              Unit
            </label>
            <select
              id={`${id}-unit`}
              className={styles.input}
              value={draft.lookbackUnit}
              onChange={(e) => change('lookbackMinutes', (d) => ({ ...d, lookbackUnit: e.target.value as LookbackUnit }))}
            >
              {draft.lookbackUnit === 'minutes' ? <option value="minutes">minutes</option> : null}
              <option value="hours">hours</option>
              <option value="days">days</option>
            </select>
          </span>
        </div>
        <p id={`${id}-lookback-hint`} className={styles.hint}>
          From 1 hour to 30 days. A consumer who answers within it is routed to the skill the IVR named; later, to the default skill.
        </p>
        <GroupError id={`${id}-lookback-error`} error={lookbackError} />
      </fieldset>
      <ChannelPicker
        priority={draft.priority}
        enabled={draft.enabled}
        onChange={({ priority, enabled }) => change('channels', (d) => ({ ...d, priority, enabled }))}
        offInSettings={offInSettings}
        error={errors.channels}
      />
      <fieldset className={styles.group} aria-describedby={`${id}-skills-hint${errors.skills ? ` ${id}-skills-error` : ''}`}>
        <legend>Routing skills</legend>
        <p id={`${id}-skills-hint`} className={styles.hint}>
          Optional: the skills an IVR may name with this handoff. None checked allows every routing skill.
        </p>
        {skillsLoading ? <p role="status">Loading the skills…</p> : null}
        {!skillsLoading && skills.length === 0 ? <p className={styles.hint}>This brand has no skill yet.</p> : null}
        <div className={styles.checkboxes}>
          {skills.map((skill) => (
            <label key={skill} className={styles.checkbox}>
              <input
                type="checkbox"
                checked={draft.skills.includes(skill)}
                onChange={(e) =>
                  change('skills', (d) => ({ ...d, skills: e.target.checked ? skills.filter((s) => s === skill || d.skills.includes(s)) : d.skills.filter((s) => s !== skill) }))
                }
              />
              <span>{skill}</span>
            </label>
          ))}
        </div>
        <GroupError id={`${id}-skills-error`} error={errors.skills} />
      </fieldset>
    </>
  )
}

interface ComposeStepProps {
  draft: Draft
  change: Change
  errors: Record<string, string>
  catalog: {
    numbers: ReturnType<typeof usePhoneNumbers>
    apps: ReturnType<typeof useApps>
    templates: ReturnType<typeof useWaTemplates>
  }
}

function ComposeStep({ draft, change, errors, catalog }: ComposeStepProps) {
  const { numbers, apps, templates } = catalog
  const failed = [numbers, apps, templates].find((q) => q.isError)
  if (failed) {
    return (
      <Alert>
        The brand's numbers, templates and apps could not be loaded: {failed.error?.message}{' '}
        <Button variant="secondary" onPress={() => void Promise.all([numbers.refetch(), apps.refetch(), templates.refetch()])}>
          Try again
        </Button>
      </Alert>
    )
  }
  if (numbers.isPending || apps.isPending || templates.isPending) return <p role="status">Loading the brand's numbers, templates and apps…</p>
  const block =
    <K extends 'sms' | 'wa' | 'inapp'>(key: K) =>
    (patch: Partial<Draft[K]>, field: string) =>
      change(field, (d) => ({ ...d, [key]: { ...d[key], ...patch } }))
  if (draft.enabled.inapp) return <AppMessagingComposer value={draft.inapp} onChange={block('inapp')} errors={errors} apps={apps.data ?? []} />
  return (
    <>
      {draft.priority
        .filter((channel) => draft.enabled[channel])
        .map((channel) =>
          channel === 'sms' ? (
            <SmsComposer key="sms" value={draft.sms} onChange={block('sms')} errors={errors} numbers={numbers.data ?? []} />
          ) : (
            <WhatsAppComposer key="wa" value={draft.wa} onChange={block('wa')} errors={errors} numbers={numbers.data ?? []} templates={templates.data ?? []} />
          ),
        )}
    </>
  )
}
