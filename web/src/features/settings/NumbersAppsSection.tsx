import { type FormEvent, Fragment, type ReactNode, useId, useRef, useState } from 'react'
import { Form } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { Field } from '../../components/Field.tsx'
import { InlineConfirm } from '../../components/InlineConfirm.tsx'
import { LoadFailed } from '../../components/LoadFailed.tsx'
import { ApiError } from '../../lib/api.ts'
import { useServerFieldErrors } from '../../lib/server-field-errors.ts'
import {
  type AppPlatform,
  CHANNEL_NAMES,
  type MobileApp,
  type NumberChannel,
  PLATFORM_NAMES,
  type PhoneNumber,
  alertOf,
  fieldErrorsOf,
  useAddApp,
  useAddPhoneNumber,
  useApps,
  usePhoneNumbers,
  useRemoveApp,
  useRemovePhoneNumber,
} from './settings.api.ts'
import styles from './settings.module.css'

/**
 * The brand's catalogue for sending: the numbers SMS and WhatsApp handoffs send from, and the
 * mobile apps App Messaging handoffs reach (1 to 3 per handoff). Admins and campaign managers add
 * and remove them; LPA users read them. The service refuses removing a number a handoff sends
 * from, and says which handoff: the refusal shows on the row.
 */
export function NumbersAppsSection({ accountId, canWrite }: { accountId: string; canWrite: boolean }) {
  return (
    <section aria-labelledby="catalog-heading" className={styles.card}>
      <h2 id="catalog-heading">Numbers and apps</h2>
      <p className={styles.muted}>
        The outbound numbers SMS and WhatsApp handoffs send from, and the mobile apps App Messaging handoffs reach: a handoff chooses among them.
      </p>
      <NumbersPart accountId={accountId} canWrite={canWrite} />
      <AppsPart accountId={accountId} canWrite={canWrite} />
    </section>
  )
}

/** A refusal in words on its row; a row already gone (404) is no refusal. */
function refusalOf(error: unknown, what: string): string | null {
  if (!error || (error instanceof ApiError && error.status === 404)) return null
  if (!(error instanceof ApiError)) return `${what} was not removed: the service cannot be reached.`
  return `${what} was not removed: ${error.detail ?? error.errorMessage}.`
}

/** A taken value (409) is the named field's error, as are the schema's refusals. */
function addErrorsOf(field: string, patternMeans: string) {
  return (error: unknown): Record<string, string> => {
    const errors = fieldErrorsOf(error, patternMeans)
    if (error instanceof ApiError && error.status === 409) errors[field] = error.detail ?? error.errorMessage
    return errors
  }
}

const numberErrorsOf = addErrorsOf('number', 'must be a number in E.164 form, e.g. +18005550100')
const appErrorsOf = addErrorsOf('appId', 'may hold only letters, digits, dots, dashes and underscores')

/** The alert above an add form: nothing when the fields say it all. */
function addAlertOf(error: unknown): string | null {
  return error instanceof ApiError && (error.status === 409 || error.fields.length > 0) ? null : alertOf(error)
}

interface CatalogPartProps<T> {
  headingId: string
  heading: string
  query: { isPending: boolean; isSuccess: boolean; isError: boolean; error: Error | null; data?: T[] | undefined; refetch: () => unknown }
  /** What the part lists, in the loading and failure lines ("numbers", "apps"). */
  what: string
  empty: string
  canWrite: boolean
  keyOf: (item: T) => string
  row: (item: T, onRemoved: (what: string) => void) => ReactNode
  addForm: (onAdded: () => void) => ReactNode
}

/** One list of the catalogue: its states, its rows, the line a removal speaks on, and its add form. */
function CatalogPart<T>({ headingId, heading, query, what, empty, canWrite, keyOf, row, addForm }: CatalogPartProps<T>) {
  const [removed, setRemoved] = useState('')
  const status = useRef<HTMLParagraphElement>(null)
  const items = query.data ?? []
  const onRemoved = (gone: string) => {
    setRemoved(`${gone} was removed.`)
    // The row and its button are gone: the removed line takes the focus.
    status.current?.focus()
  }
  return (
    <>
      <h3 className={styles.subheading} id={headingId}>
        {heading}
      </h3>
      {query.isPending ? <p role="status">Loading the {what}…</p> : null}
      <LoadFailed query={query} what={`The ${what} cannot be read`} />
      {query.isSuccess && items.length === 0 ? <p className={styles.muted}>{empty}</p> : null}
      {items.length > 0 ? (
        <ul className={styles.catalogList} aria-labelledby={headingId}>
          {items.map((item) => (
            <Fragment key={keyOf(item)}>{row(item, onRemoved)}</Fragment>
          ))}
        </ul>
      ) : null}
      {canWrite ? (
        <p ref={status} tabIndex={-1} role="status" className={styles.success}>
          {removed}
        </p>
      ) : null}
      {canWrite ? addForm(() => setRemoved('')) : null}
    </>
  )
}

function NumbersPart({ accountId, canWrite }: { accountId: string; canWrite: boolean }) {
  return (
    <CatalogPart
      headingId="numbers-heading"
      heading="Outbound numbers"
      query={usePhoneNumbers(accountId)}
      what="numbers"
      empty={`No number yet: ${canWrite ? 'add the numbers your SMS and WhatsApp handoffs send from.' : 'SMS and WhatsApp handoffs cannot be written until one is added.'}`}
      canWrite={canWrite}
      keyOf={(number) => `${number.channel}:${number.number}`}
      row={(number, onRemoved) => <NumberRow accountId={accountId} number={number} canWrite={canWrite} onRemoved={onRemoved} />}
      addForm={(onAdded) => <AddNumberForm accountId={accountId} onAdded={onAdded} />}
    />
  )
}

function NumberRow({ accountId, number, canWrite, onRemoved }: { accountId: string; number: PhoneNumber; canWrite: boolean; onRemoved: (what: string) => void }) {
  const remove = useRemovePhoneNumber(accountId)
  const [confirming, setConfirming] = useState(false)
  const what = `The ${CHANNEL_NAMES[number.channel]} number ${number.number}`
  const refusal = refusalOf(remove.error, what)
  return (
    <CatalogRow
      name={<span className={styles.catalogName}>{number.number}</span>}
      detail={CHANNEL_NAMES[number.channel]}
      refusal={refusal}
      remove={
        canWrite ? (
          <InlineConfirm
            confirming={confirming}
            question={`Remove ${number.number} for ${CHANNEL_NAMES[number.channel]}? Handoffs can no longer choose it.`}
            confirmLabel="Yes, remove"
            busy={remove.isPending}
            layout="inline"
            onConfirm={() => remove.mutate({ number: number.number, channel: number.channel }, { onSuccess: () => onRemoved(what), onSettled: () => setConfirming(false) })}
            onCancel={() => setConfirming(false)}
          >
            <Button
              variant="secondary"
              aria-label={`Remove ${CHANNEL_NAMES[number.channel]} number ${number.number}`}
              onPress={() => {
                remove.reset()
                setConfirming(true)
              }}
            >
              Remove
            </Button>
          </InlineConfirm>
        ) : null
      }
    />
  )
}

/** One entry of a list: its name and what it is, its Remove (for writers), and the service's refusal under it. */
function CatalogRow({ name, detail, refusal, remove }: { name: ReactNode; detail: ReactNode; refusal: string | null; remove: ReactNode }) {
  return (
    <li className={styles.catalogRow}>
      {name}
      <span className={styles.catalogDetail}>{detail}</span>
      {remove ? <span className={styles.catalogActions}>{remove}</span> : null}
      {refusal ? <span className={styles.rowError}>{refusal}</span> : null}
    </li>
  )
}

function AddNumberForm({ accountId, onAdded }: { accountId: string; onAdded: () => void }) {
  const add = useAddPhoneNumber(accountId)
  const [number, setNumber] = useState('')
  const [channel, setChannel] = useState<NumberChannel>('sms')
  const [added, setAdded] = useState('')
  const status = useRef<HTMLSpanElement>(null)
  const channelId = useId()
  const { errors, formProps } = useServerFieldErrors(add.error, numberErrorsOf)
  const alert = addAlertOf(add.error)

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setAdded('')
    add.mutate(
      { number: number.trim(), channel },
      {
        onSuccess: (saved) => {
          setAdded(`${saved.number} was added for ${CHANNEL_NAMES[saved.channel]}.`)
          setNumber('')
          onAdded()
          // The Add button was disabled while adding, which drops the focus: the added line takes it.
          status.current?.focus()
        },
      },
    )
  }

  return (
    <Form onSubmit={submit} validationBehavior="aria" {...formProps} aria-label="Add a number" className={styles.catalogForm}>
      {alert ? <Alert>{alert}</Alert> : null}
      <div className={styles.catalogFields}>
        <Field label="Number" name="number" value={number} onChange={setNumber} isRequired maxLength={16} autoComplete="off" inputMode="tel" hint="In E.164 form, e.g. +18005550100" />
        <NativeSelect id={channelId} label="Channel" name="channel" value={channel} error={errors.channel} onChange={(value) => setChannel(value as NumberChannel)}>
          <option value="sms">{CHANNEL_NAMES.sms}</option>
          <option value="wa">{CHANNEL_NAMES.wa}</option>
        </NativeSelect>
      </div>
      <div className={styles.actions}>
        <Button type="submit" variant="secondary" isDisabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add number'}
        </Button>
        <span ref={status} tabIndex={-1} role="status" className={styles.success}>
          {added}
        </span>
      </div>
    </Form>
  )
}

function AppsPart({ accountId, canWrite }: { accountId: string; canWrite: boolean }) {
  return (
    <CatalogPart
      headingId="apps-heading"
      heading="Mobile apps"
      query={useApps(accountId)}
      what="apps"
      empty={`No app yet: ${canWrite ? 'add the apps App Messaging handoffs reach (a handoff chooses 1 to 3).' : 'App Messaging handoffs cannot be written until one is added.'}`}
      canWrite={canWrite}
      keyOf={(app) => app.appId}
      row={(app, onRemoved) => <AppRow accountId={accountId} app={app} canWrite={canWrite} onRemoved={onRemoved} />}
      addForm={(onAdded) => <AddAppForm accountId={accountId} onAdded={onAdded} />}
    />
  )
}

function AppRow({ accountId, app, canWrite, onRemoved }: { accountId: string; app: MobileApp; canWrite: boolean; onRemoved: (what: string) => void }) {
  const remove = useRemoveApp(accountId)
  const [confirming, setConfirming] = useState(false)
  const refusal = refusalOf(remove.error, app.name)
  return (
    <CatalogRow
      name={
        <span className={styles.catalogName}>
          {app.name} <code className={styles.appId}>{app.appId}</code>
        </span>
      }
      detail={PLATFORM_NAMES[app.platform]}
      refusal={refusal}
      remove={
        canWrite ? (
          <InlineConfirm
            confirming={confirming}
            question={`Remove ${app.name}? Handoffs that name it are refused by the API until they are edited.`}
            confirmLabel="Yes, remove"
            busy={remove.isPending}
            layout="inline"
            onConfirm={() => remove.mutate(app.appId, { onSuccess: () => onRemoved(app.name), onSettled: () => setConfirming(false) })}
            onCancel={() => setConfirming(false)}
          >
            <Button
              variant="secondary"
              aria-label={`Remove app ${app.name}`}
              onPress={() => {
                remove.reset()
                setConfirming(true)
              }}
            >
              Remove
            </Button>
          </InlineConfirm>
        ) : null
      }
    />
  )
}

function AddAppForm({ accountId, onAdded }: { accountId: string; onAdded: () => void }) {
  const add = useAddApp(accountId)
  const [appId, setAppId] = useState('')
  const [name, setName] = useState('')
  const [platform, setPlatform] = useState<AppPlatform>('ios')
  const [added, setAdded] = useState('')
  const status = useRef<HTMLSpanElement>(null)
  const platformId = useId()
  const { errors, formProps } = useServerFieldErrors(add.error, appErrorsOf)
  const alert = addAlertOf(add.error)

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setAdded('')
    add.mutate(
      { appId: appId.trim(), name: name.trim(), platform },
      {
        onSuccess: (saved) => {
          setAdded(`${saved.name} was added.`)
          setAppId('')
          setName('')
          onAdded()
          status.current?.focus()
        },
      },
    )
  }

  return (
    <Form onSubmit={submit} validationBehavior="aria" {...formProps} aria-label="Add an app" className={styles.catalogForm}>
      {alert ? <Alert>{alert}</Alert> : null}
      <div className={styles.catalogFields}>
        <Field label="App name" name="name" value={name} onChange={setName} isRequired maxLength={200} autoComplete="off" hint="As consumers know it, e.g. Acme" />
        <Field label="App id" name="appId" value={appId} onChange={setAppId} isRequired maxLength={255} autoComplete="off" spellCheck="false" hint="The bundle id or package name, e.g. com.acme.ios" />
        <NativeSelect id={platformId} label="Platform" name="platform" value={platform} error={errors.platform} onChange={(value) => setPlatform(value as AppPlatform)}>
          <option value="ios">{PLATFORM_NAMES.ios}</option>
          <option value="android">{PLATFORM_NAMES.android}</option>
        </NativeSelect>
      </div>
      <div className={styles.actions}>
        <Button type="submit" variant="secondary" isDisabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add app'}
        </Button>
        <span ref={status} tabIndex={-1} role="status" className={styles.success}>
          {added}
        </span>
      </div>
    </Form>
  )
}

/** A labelled native <select> (react-aria's Select injects inline styles the CSP refuses), with its error under it. */
function NativeSelect({ id, label, name, value, error, onChange, children }: { id: string; label: string; name: string; value: string; error: string | undefined; onChange: (value: string) => void; children: ReactNode }) {
  return (
    <div className={styles.select}>
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} value={value} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} onChange={(event) => onChange(event.target.value)}>
        {children}
      </select>
      {error ? (
        <span id={`${id}-error`} className={styles.error}>
          {error}
        </span>
      ) : null}
    </div>
  )
}
