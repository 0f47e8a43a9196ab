import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { FieldError, Form, Label, Text, TextArea, TextField } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { Field } from '../../components/Field.tsx'
import { ApiError } from '../../lib/api.ts'
import { fieldErrorsOf, useServerFieldErrors } from '../../lib/server-field-errors.ts'
import { TemplatePreview } from './TemplatePreview.tsx'
import {
  BODY_MAX_LENGTH,
  CATEGORY_LABELS,
  EXAMPLE_MAX_LENGTH,
  NAME_MAX_LENGTH,
  TEMPLATE_CATEGORIES,
  TEMPLATE_LANGUAGES,
  type TemplateCategory,
  WABA_ID_PATTERN,
  bodyProblem,
  bodyWarning,
  languageLabel,
  nameProblem,
  placeholderCount,
} from './template-rules.ts'
import { type Template, type TemplateWrite, type WhatsAppReview, useCreateTemplate, useUpdateTemplate, useWhatsAppNumbers } from './templates.api.ts'
import styles from './templates.module.css'

const LANGUAGE_OPTIONS = TEMPLATE_LANGUAGES.map((code) => ({ code, label: languageLabel(code) })).sort((a, b) => a.label.localeCompare(b.label))

/** The server's field errors by form field (`examples.0` stays itself); a name already taken counts for the name. */
function errorsOf(error: unknown): Record<string, string> {
  const errors = fieldErrorsOf(error, (field) => field)
  if (error instanceof ApiError && error.status === 409 && error.detail?.includes('already exists')) errors.name ??= error.detail
  return errors
}

function alertOf(error: unknown): string | null {
  if (!error) return null
  if (!(error instanceof ApiError)) return 'The service cannot be reached. Check your connection and try again.'
  if (error.fields.length > 0 || (error.status === 409 && error.detail?.includes('already exists'))) return 'Please correct the fields below.'
  return error.message
}

interface TemplateFormProps {
  accountId: string
  review: WhatsAppReview | undefined
  /** The template being edited (a draft or a rejected one); none when creating. */
  template?: Template
  onSaved: (template: Template) => void
  /** Told whenever the form starts or stops differing from the saved template. */
  onDirtyChange?: (dirty: boolean) => void
}

/**
 * The user guide's template form: name (checked as it is typed), category, language, WhatsApp
 * Business ID, outbound number, the message with its `{{n}}` variables, a sample value per
 * variable as they appear, and the message previewed with the samples filled in.
 */
export function TemplateForm({ accountId, review, template, onSaved, onDirtyChange }: TemplateFormProps) {
  const editing = template !== undefined
  const create = useCreateTemplate(accountId)
  const update = useUpdateTemplate(accountId, template?.name ?? '')
  const save = editing ? update : create
  const numbers = useWhatsAppNumbers(accountId)

  const [name, setName] = useState(template?.name ?? '')
  const [category, setCategory] = useState<TemplateCategory>(template?.category ?? 'UTILITY')
  const [language, setLanguage] = useState(template?.language ?? 'en_US')
  // Null until chosen: the connection's account and the brand's first number are the defaults, as they load.
  const [wabaId, setWabaId] = useState<string | null>(template?.wabaId ?? null)
  const [phoneNumber, setPhoneNumber] = useState<string | null>(template?.phoneNumber ?? null)
  const [body, setBody] = useState(template?.body ?? '')
  const [examples, setExamples] = useState<string[]>(template?.examples ?? [])
  const [attempted, setAttempted] = useState(false)
  const formRef = useRef<HTMLFormElement>(null)

  const shownWabaId = wabaId ?? review?.wabaId ?? ''
  const shownNumber = phoneNumber ?? numbers.data?.[0] ?? ''
  const count = placeholderCount(body)
  const samples = Array.from({ length: count }, (_, i) => examples[i] ?? '')

  const dirty =
    editing &&
    (category !== template.category ||
      language !== template.language ||
      shownWabaId !== template.wabaId ||
      shownNumber !== template.phoneNumber ||
      body !== template.body ||
      samples.length !== (template.examples ?? []).length ||
      samples.some((sample, i) => sample !== template.examples?.[i]))
  useEffect(() => onDirtyChange?.(dirty), [dirty, onDirtyChange])

  // The server's errors, each until its field is changed.
  const { errors: fieldErrors, clear: changed } = useServerFieldErrors(save.error, errorsOf)
  const alert = alertOf(save.error)
  /** A setter that also marks its field changed. */
  const edit =
    <T,>(field: string, set: (value: T) => void) =>
    (value: T) => {
      set(value)
      changed(field)
    }

  const checkName = (value: string) => (value === '' && !attempted ? undefined : nameProblem(value))
  const checkBody = (value: string) => (value === '' && !attempted ? undefined : bodyProblem(value))
  const checkWabaId = (value: string) => {
    if (value === '') return attempted && !review?.connected ? 'A WhatsApp Business ID is required while WhatsApp is not connected.' : undefined
    return WABA_ID_PATTERN.test(value) ? undefined : 'Digits only (at most 32).'
  }
  const checkSample = (value: string) => (attempted && value.trim() === '' ? 'A sample value is required.' : undefined)
  const numberMissing = attempted && shownNumber === '' ? 'Choose the number the template is sent from.' : undefined

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setAttempted(true)
    const problems = [
      editing ? undefined : nameProblem(name),
      bodyProblem(body),
      shownWabaId === '' ? (review?.connected ? undefined : 'required') : checkWabaId(shownWabaId),
      shownNumber === '' ? 'required' : undefined,
      ...samples.map((s) => (s.trim() === '' ? 'required' : undefined)),
    ]
    if (problems.some((p) => p !== undefined)) {
      // The errors are shown once the state settles: focus the first field that has one.
      window.setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0)
      return
    }
    const write: TemplateWrite = { name: editing ? template.name : name, category, language, phoneNumber: shownNumber, body, examples: samples }
    if (shownWabaId !== '') write.wabaId = shownWabaId
    save.mutate(write, { onSuccess: onSaved })
  }

  function discard() {
    if (!template) return
    setCategory(template.category)
    setLanguage(template.language)
    setWabaId(template.wabaId)
    setPhoneNumber(template.phoneNumber)
    setBody(template.body)
    setExamples(template.examples ?? [])
    setAttempted(false)
    save.reset()
  }

  const categoryId = useId()
  const languageId = useId()
  const numberId = useId()
  const warning = bodyProblem(body) ? undefined : bodyWarning(body)

  return (
    <div className={styles.editor}>
      <Form ref={formRef} onSubmit={submit} validationErrors={fieldErrors} validationBehavior="aria" aria-label={editing ? `Edit ${template.name}` : 'New template'}>
        {alert ? <Alert>{alert}</Alert> : null}
        {editing ? null : (
          <Field
            label="Name"
            name="name"
            value={name}
            onChange={edit('name', setName)}
            validate={checkName}
            maxLength={NAME_MAX_LENGTH}
            isRequired
            autoComplete="off"
            hint="Unique; lower-case letters, digits and underscores only, e.g. order_update. It cannot change later."
          />
        )}
        <div className={styles.row}>
          <NativeSelect id={categoryId} label="Category" error={fieldErrors.category}>
            <select
              id={categoryId}
              value={category}
              aria-invalid={fieldErrors.category ? true : undefined}
              aria-describedby={fieldErrors.category ? `${categoryId}-error` : undefined}
              onChange={(event) => {
                setCategory(event.target.value as TemplateCategory)
                changed('category')
              }}
            >
              {TEMPLATE_CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {CATEGORY_LABELS[c]}
                </option>
              ))}
            </select>
          </NativeSelect>
          <NativeSelect id={languageId} label="Language" error={fieldErrors.language}>
            <select
              id={languageId}
              value={language}
              aria-invalid={fieldErrors.language ? true : undefined}
              aria-describedby={fieldErrors.language ? `${languageId}-error` : undefined}
              onChange={(event) => {
                setLanguage(event.target.value)
                changed('language')
              }}
            >
              {LANGUAGE_OPTIONS.map(({ code, label }) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          </NativeSelect>
        </div>
        <div className={styles.row}>
          <Field
            label="WhatsApp Business ID"
            name="wabaId"
            value={shownWabaId}
            onChange={edit('wabaId', setWabaId)}
            validate={checkWabaId}
            inputMode="numeric"
            maxLength={32}
            autoComplete="off"
            hint={
              review?.connected
                ? `Your WhatsApp connection's account${review.wabaId ? ` (${review.wabaId})` : ''}: WhatsApp reviews the template there.`
                : 'The WhatsApp Business Account the template belongs to (digits).'
            }
          />
          <NativeSelect id={numberId} label="Outbound number" error={numberMissing ?? fieldErrors.phoneNumber}>
            {numbers.isPending ? (
              <p className={styles.muted}>Loading the numbers…</p>
            ) : numbers.isError ? (
              <p className={styles.error}>The numbers cannot be read: {numbers.error.message}</p>
            ) : numbers.data.length === 0 ? (
              <p className={styles.error}>This brand has no WhatsApp number: register one before creating templates.</p>
            ) : (
              <select
                id={numberId}
                value={shownNumber}
                aria-invalid={numberMissing || fieldErrors.phoneNumber ? true : undefined}
                aria-describedby={numberMissing || fieldErrors.phoneNumber ? `${numberId}-error` : undefined}
                onChange={(event) => {
                  setPhoneNumber(event.target.value)
                  changed('phoneNumber')
                }}
              >
                {/* A number since removed from the brand still shows, so the server can say so. */}
                {shownNumber && !numbers.data.includes(shownNumber) ? <option value={shownNumber}>{shownNumber}</option> : null}
                {numbers.data.map((number) => (
                  <option key={number} value={number}>
                    {number}
                  </option>
                ))}
              </select>
            )}
          </NativeSelect>
        </div>
        <TextField name="body" value={body} onChange={edit('body', setBody)} validate={checkBody} isRequired maxLength={BODY_MAX_LENGTH} className={styles.field}>
          <Label className={styles.label}>Message</Label>
          <TextArea className={`${styles.input} ${styles.textarea}`} />
          <Text slot="description" className={styles.hint}>
            {body.length} / {BODY_MAX_LENGTH} characters. Write variables as {'{{1}}'}, {'{{2}}'}… numbered without gaps; each gets a sample
            value below.
          </Text>
          {warning ? <span className={styles.warning}>{warning}</span> : null}
          <FieldError className={styles.error} />
        </TextField>
        <fieldset className={styles.samples} aria-describedby={fieldErrors.examples ? 'template-samples-error' : undefined}>
          <legend>Sample values</legend>
          {count === 0 ? (
            <p className={styles.muted}>The message has no variable. Each {'{{n}}'} you add gets a sample value here.</p>
          ) : (
            <p className={styles.muted}>WhatsApp's reviewers read these to understand the message; they are not sent to consumers.</p>
          )}
          {samples.map((sample, i) => (
            <Field
              key={i}
              label={`Sample for {{${i + 1}}}`}
              name={`examples.${i}`}
              value={sample}
              onChange={edit(`examples.${i}`, (value: string) => setExamples(samples.map((s, j) => (j === i ? value : s))))}
              validate={checkSample}
              maxLength={EXAMPLE_MAX_LENGTH}
              isRequired
              autoComplete="off"
            />
          ))}
          {fieldErrors.examples ? (
            <p id="template-samples-error" className={styles.error}>
              {fieldErrors.examples}
            </p>
          ) : null}
        </fieldset>
        <div className={styles.actions}>
          <Button type="submit" isDisabled={save.isPending || (editing && !dirty)}>
            {save.isPending ? 'Saving…' : editing ? 'Save changes' : 'Save as draft'}
          </Button>
          {editing ? (
            <Button variant="secondary" isDisabled={!dirty || save.isPending} onPress={discard}>
              Discard changes
            </Button>
          ) : (
            <Link to="/whatsapp-templates">Cancel</Link>
          )}
        </div>
      </Form>
      <TemplatePreview body={body} samples={samples} />
    </div>
  )
}

/** A labelled native select (react-aria's Select injects inline styles the CSP refuses), with its error under it. */
function NativeSelect({ id, label, error, children }: { id: string; label: string; error: string | undefined; children: React.ReactNode }) {
  return (
    <div className={styles.select}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? (
        <span id={`${id}-error`} className={styles.error}>
          {error}
        </span>
      ) : null}
    </div>
  )
}
