import { type FormEvent, useId, useRef, useState } from 'react'
import { Form } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { LoadFailed } from '../../components/LoadFailed.tsx'
import { Field } from '../../components/Field.tsx'
import { useServerFieldErrors } from '../../lib/server-field-errors.ts'
import { type ConversationSettings, MAX_FRAME_ANCESTORS, MAX_FRAME_ANCESTOR_LENGTH, alertOf, fieldErrorsOf, useConversationSettings, useSaveConversationSettings } from './settings.api.ts'
import styles from './settings.module.css'

interface Row {
  id: string
  value: string
}

const ORIGIN_RULE = 'must be an origin such as https://desk.example.com: https://, a host name, an optional port and nothing after it (http:// only for localhost)'

/**
 * The origins allowed to frame the CX widget page (`/cx-widget`), for brands whose agents work in
 * another desk that embeds it. The service checks each origin; its refusals show next to the
 * origin that caused them.
 */
export function CxWidgetSection({ accountId, canWrite }: { accountId: string; canWrite: boolean }) {
  const settings = useConversationSettings(accountId)
  return (
    <section aria-labelledby="cx-widget-heading" className={styles.card}>
      <h2 id="cx-widget-heading">CX widget</h2>
      <p className={styles.muted}>
        The CX widget page (<code>/cx-widget</code>) shows an agent the first message the consumer received and the recent ones. If your agents work in another desk that embeds this page in
        a frame, as the LivePerson CX widget does, list the desk's origins here. No other site may frame the page.
      </p>
      {settings.isPending ? <p role="status">Loading the CX widget settings…</p> : null}
      <LoadFailed query={settings} what="The CX widget settings cannot be read" />
      {settings.data && canWrite ? <FrameAncestorsForm accountId={accountId} stored={settings.data} /> : null}
      {settings.data && !canWrite ? (
        <>
          <h3 className={styles.subheading}>Origins allowed to frame the page</h3>
          {settings.data.cxWidgetFrameAncestors.length === 0 ? (
            <p className={styles.muted}>None: no other site may frame the CX widget page.</p>
          ) : (
            <ul className={styles.readList} aria-label="Origins allowed to frame the page">
              {settings.data.cxWidgetFrameAncestors.map((origin) => (
                <li key={origin}>
                  <code>{origin}</code>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
    </section>
  )
}

function FrameAncestorsForm({ accountId, stored }: { accountId: string; stored: ConversationSettings }) {
  const save = useSaveConversationSettings(accountId)
  const nextId = useRef(0)
  const [draft, setDraft] = useState<Row[] | null>(null)
  // Before any edit the rows are the stored origins; rows added later get ids of their own.
  const rows = draft ?? stored.cxWidgetFrameAncestors.map((value, index) => ({ id: `stored-${index}`, value }))
  /** The row each sent origin came from, to put the service's `cxWidgetFrameAncestors.<n>` errors next to it. */
  const [sentRows, setSentRows] = useState<string[]>([])
  const [saved, setSaved] = useState(false)
  const list = useRef<HTMLDivElement>(null)
  const status = useRef<HTMLSpanElement>(null)
  const groupErrorId = useId()

  function change(next: Row[]) {
    setDraft(next)
    setSaved(false)
  }

  function add() {
    const row = { id: `new-${nextId.current++}`, value: '' }
    change([...rows, row])
    // Focus the new origin once it is drawn.
    requestAnimationFrame(() => list.current?.querySelector<HTMLInputElement>(`[name="origin-${row.id}"]`)?.focus())
  }

  function remove(index: number) {
    const next = rows.filter((_, i) => i !== index)
    change(next)
    // The focus goes to the origin that took the removed one's place, or to "Add an origin".
    requestAnimationFrame(() => {
      const inputs = list.current?.querySelectorAll<HTMLInputElement>('input') ?? []
      const target = inputs[Math.min(index, inputs.length - 1)]
      if (target) target.focus()
      else list.current?.parentElement?.querySelector<HTMLButtonElement>('[data-focus="add"]')?.focus()
    })
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const sent = rows.map((row) => ({ row: row.id, value: row.value.trim() })).filter((entry) => entry.value !== '')
    setSentRows(sent.map((entry) => entry.row))
    save.mutate(
      { ...stored, cxWidgetFrameAncestors: sent.map((entry) => entry.value) },
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

  // An origin's error is its row's input's (`origin-<row>`), by the rows that were sent; the list's own stays the list's.
  const { errors: validationErrors, formProps } = useServerFieldErrors(save.error, (error) => {
    const byField = fieldErrorsOf(error, ORIGIN_RULE)
    const byRow: Record<string, string> = {}
    for (const [field, message] of Object.entries(byField)) {
      const match = /^cxWidgetFrameAncestors\.(\d+)$/.exec(field)
      const row = match ? sentRows[Number(match[1])] : undefined
      if (row !== undefined) byRow[`origin-${row}`] = message
    }
    if (byField.cxWidgetFrameAncestors) byRow.cxWidgetFrameAncestors = byField.cxWidgetFrameAncestors
    return byRow
  })
  const groupError = validationErrors.cxWidgetFrameAncestors ?? null
  const alert = alertOf(save.error)

  return (
    // "aria" validation: with "native", a refused origin's message stays the input's custom
    // validity and blocks saving the corrected value until the field loses focus.
    <Form onSubmit={submit} validationBehavior="aria" {...formProps} aria-labelledby="cx-widget-heading">
      {alert ? <Alert>{alert}</Alert> : null}
      <fieldset className={styles.origins} aria-describedby={groupError ? groupErrorId : `${groupErrorId}-hint`}>
        <legend>Origins allowed to frame the page</legend>
        <p id={`${groupErrorId}-hint`} className={styles.hint}>
          Each one <code>https://host</code> or <code>https://host:port</code>, with no path; <code>https://*.example.com</code> allows every subdomain; <code>http://</code> only for
          localhost. At most {MAX_FRAME_ANCESTORS}.
        </p>
        {rows.length === 0 ? <p className={styles.muted}>None: no other site may frame the CX widget page.</p> : null}
        <div ref={list}>
          {rows.map((row, index) => (
            <div key={row.id} className={styles.originRow}>
              <Field
                label={`Origin ${index + 1}`}
                name={`origin-${row.id}`}
                value={row.value}
                onChange={(value) => change(rows.map((r) => (r.id === row.id ? { ...r, value } : r)))}
                maxLength={MAX_FRAME_ANCESTOR_LENGTH}
                autoComplete="off"
                inputMode="url"
                spellCheck="false"
              />
              <Button variant="secondary" aria-label={`Remove origin ${index + 1}`} onPress={() => remove(index)}>
                Remove
              </Button>
            </div>
          ))}
        </div>
        {groupError ? (
          <p id={groupErrorId} className={styles.error}>
            {groupError}
          </p>
        ) : null}
        <Button variant="secondary" data-focus="add" isDisabled={rows.length >= MAX_FRAME_ANCESTORS} onPress={add}>
          Add an origin
        </Button>
      </fieldset>
      <div className={styles.actions}>
        <Button type="submit" isDisabled={save.isPending || draft === null}>
          {save.isPending ? 'Saving…' : 'Save frame ancestors'}
        </Button>
        <span ref={status} tabIndex={-1} role="status" className={styles.success}>
          {saved ? 'Frame ancestors saved.' : ''}
        </span>
      </div>
    </Form>
  )
}
