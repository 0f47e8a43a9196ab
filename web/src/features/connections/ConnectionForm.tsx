import { useId, useMemo, useState, type ChangeEvent, type FormEvent } from 'react'
import { Form } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { Field } from '../../components/Field.tsx'
import { ApiError } from '../../lib/api.ts'
import { useServerFieldErrors } from '../../lib/server-field-errors.ts'
import { useConnect } from './connections.api.ts'
import type { FormField, ProviderSpec } from './providers.ts'
import styles from './connections.module.css'

/** The server's field errors by form field (`serviceAccount.private_key` counts for `serviceAccount`), in words a person can act on. */
function fieldErrorsOf(error: unknown, fields: readonly FormField[]): Record<string, string> {
  if (!(error instanceof ApiError)) return {}
  const errors: Record<string, string> = {}
  for (const { field, message } of error.fields) {
    const [name = 'form', ...rest] = field.replace(/^body[./]?/, '').split('.')
    const spec = fields.find((f) => f.name === name)
    let text = message
    if (spec?.kind === 'json-file' && rest.length > 0) text = `The key file's ${rest.join('.')} ${message}`
    else if (spec && message === 'is required') text = `Enter the ${spec.label}.`
    else if (spec?.patternMessage && message.startsWith('must match pattern')) text = spec.patternMessage
    errors[name] ??= text
  }
  return errors
}

function alertOf(error: unknown): string | null {
  if (!error) return null
  if (!(error instanceof ApiError)) return 'The service cannot be reached. Check your connection and try again.'
  if (error.fields.length > 0) return 'Please correct the fields below.'
  return error.message
}

interface ConnectionFormProps {
  accountId: string
  spec: ProviderSpec
  /** The stored connection (secrets masked): its other values fill the form, since saving replaces the whole connection. */
  current: Record<string, unknown> | undefined
  onSaved: () => void
  onCancel?: () => void
}

/**
 * A provider's credentials, entered or replaced. The inputs are not controlled: secrets stay in
 * the password inputs until the form is sent, and the form is gone once it is saved.
 */
export function ConnectionForm({ accountId, spec, current, onSaved, onCancel }: ConnectionFormProps) {
  const connect = useConnect(accountId, spec.provider)
  const [keyFile, setKeyFile] = useState<{ name: string; key: Record<string, unknown> } | null>(null)
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({})
  const headingId = useId()
  const prefix = useId()

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const body: Record<string, unknown> = {}
    for (const field of spec.fields) {
      if (field.kind === 'json-file') {
        if (keyFile) body[field.name] = keyFile.key
        else if (field.required) {
          setLocalErrors({ [field.name]: 'Choose the key file.' })
          return
        }
        continue
      }
      const value = String(data.get(field.name) ?? '').trim()
      if (value !== '' || field.required) body[field.name] = value
    }
    setLocalErrors({})
    connect.mutate(body, { onSuccess: onSaved })
  }

  async function readKeyFile(field: FormField, event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0]
    setKeyFile(null)
    clear(field.name)
    if (!file) return
    try {
      const key: unknown = JSON.parse(await file.text())
      if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new Error('not an object')
      setKeyFile({ name: file.name, key: key as Record<string, unknown> })
      setLocalErrors({})
    } catch {
      setLocalErrors({ [field.name]: `${file.name} is not a JSON key file.` })
    }
  }

  const { errors: server, clear } = useServerFieldErrors(connect.error, (error) => fieldErrorsOf(error, spec.fields))
  const errors = useMemo(() => ({ ...server, ...localErrors }), [server, localErrors])
  const alert = alertOf(connect.error)
  const endpoints = spec.fields.filter((f) => f.endpoint)
  const endpointsOpen = endpoints.some((f) => current?.[f.name] !== undefined || errors[f.name] !== undefined)
  const action = current ? 'Save the new credentials' : `Connect ${spec.name}`

  const input = (field: FormField) => {
    if (field.kind === 'json-file') {
      const id = `${prefix}-${field.name}`
      const error = errors[field.name]
      return (
        <div key={field.name} className={styles.fileField}>
          <label htmlFor={id} className={styles.label}>
            {field.label}
          </label>
          <input
            id={id}
            type="file"
            accept="application/json,.json"
            required={field.required}
            aria-invalid={error ? true : undefined}
            aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
            onChange={(event) => void readKeyFile(field, event)}
            className={styles.file}
          />
          <span id={`${id}-hint`} className={styles.hint}>
            {keyFile ? `${keyFile.name} read: its service account is ${String(keyFile.key.client_email ?? 'not named')}.` : field.hint}
          </span>
          {error ? (
            <span id={`${id}-error`} className={styles.error}>
              {error}
            </span>
          ) : null}
        </div>
      )
    }
    const stored = field.kind === 'secret' ? undefined : current?.[field.name]
    return (
      <Field
        key={field.name}
        label={field.label}
        name={field.name}
        type={field.kind === 'secret' ? 'password' : 'text'}
        autoComplete="off"
        isRequired={field.required}
        defaultValue={typeof stored === 'string' ? stored : ''}
        onChange={() => clear(field.name)}
        hint={field.hint}
      />
    )
  }

  return (
    <section aria-labelledby={headingId} className={styles.formPanel}>
      <h3 id={headingId}>{current ? `Replace the ${spec.name} credentials` : `Connect ${spec.name}`}</h3>
      {/* The service checks every field: a native check would still hold a server error when the corrected field is sent before it loses focus. */}
      <Form onSubmit={submit} validationErrors={errors} validationBehavior="aria" aria-labelledby={headingId} className={styles.form}>
        {alert ? <Alert>{alert}</Alert> : null}
        {spec.fields.filter((f) => !f.endpoint).map(input)}
        {endpoints.length > 0 ? (
          <details open={endpointsOpen} className={styles.details}>
            <summary>Other endpoints (optional)</summary>
            <p className={styles.muted}>
              Instead of the operator&apos;s: https only, on a host the operator allows (PROVIDER_URL_ALLOWLIST), never a private address.
            </p>
            {endpoints.map(input)}
          </details>
        ) : null}
        <div className={styles.buttons}>
          <Button type="submit" isDisabled={connect.isPending}>
            {connect.isPending ? 'Saving…' : action}
          </Button>
          {onCancel ? (
            <Button variant="secondary" onPress={onCancel} isDisabled={connect.isPending}>
              Cancel
            </Button>
          ) : null}
        </div>
      </Form>
    </section>
  )
}
