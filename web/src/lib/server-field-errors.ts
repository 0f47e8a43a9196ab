import { type FormEvent, useCallback, useMemo, useState } from 'react'
import type { FormProps } from 'react-aria-components'
import { ApiError } from './api.ts'

/** A form field's name for one of the service's `fields`: `body.login` → `login`, `body.privileges/0` → `privileges`. */
export function formFieldName(field: string): string {
  return field.replace(/^(body|params|query)[./]?/, '').replace(/^\//, '').split(/[./[]/)[0] || 'form'
}

/** The service's `fields` by form field; the first message of a field wins. */
export function fieldErrorsOf(error: unknown, nameOf: (field: string) => string = formFieldName): Record<string, string> {
  if (!(error instanceof ApiError)) return {}
  const errors: Record<string, string> = {}
  for (const { field, message } of error.fields) errors[nameOf(field)] ??= message
  return errors
}

export interface ServerFieldErrors {
  /** The server's message per field, less the fields edited since: hand it to the Form's `validationErrors` or to the field's own error line. */
  errors: Record<string, string>
  /** Forgets a field's server error (its value changed). */
  clear: (name: string) => void
  /**
   * To spread on react-aria's Form: the errors as its `validationErrors`, and an `onChange` through
   * which a change bubbling up from a named input clears that input's error. (The Form hands
   * `onChange` on to its <form>, though its types leave it out; a React handler, so the change is
   * handled with the input's own, never before it.)
   */
  formProps: Pick<FormProps, 'validationErrors'>
}

/**
 * The server's field errors of a form, each dropped as soon as its field changes. A field the
 * server refused is invalid until it is edited, not until it loses the focus: react-aria's
 * native validation would keep the server's message as the input's custom validity until blur,
 * so Enter after fixing the value did nothing, and the line vanishing on blur moved the buttons
 * under the pointer. `toErrors` maps an answer to messages by field name (`fieldErrorsOf` by
 * default); it is called again only when the error changes.
 */
export function useServerFieldErrors(error: unknown, toErrors: (error: unknown) => Record<string, string> = fieldErrorsOf): ServerFieldErrors {
  const [edited, setEdited] = useState<{ error: unknown; names: ReadonlySet<string> }>({ error, names: new Set() })
  // A new answer shows all its errors again.
  const names = edited.error === error ? edited.names : new Set<string>()
  // One object per answer and set of edits: react-aria re-shows server errors on a new object.
  const all = useMemo(() => toErrors(error), [error])
  const errors = useMemo(() => (names.size === 0 ? all : Object.fromEntries(Object.entries(all).filter(([name]) => !names.has(name)))), [all, names])
  const clear = useCallback(
    (name: string) =>
      setEdited((current) => {
        const base = current.error === error ? current.names : new Set<string>()
        return base.has(name) ? current : { error, names: new Set(base).add(name) }
      }),
    [error],
  )
  const onChange = useCallback(
    (event: FormEvent<HTMLFormElement>) => {
      const name = (event.target as Partial<HTMLInputElement>).name
      if (name) clear(name)
    },
    [clear],
  )
  const formProps = useMemo(() => ({ validationErrors: errors, onChange }) as Pick<FormProps, 'validationErrors'>, [errors, onChange])
  return { errors, clear, formProps }
}
