import { useId, useState, type FormEvent } from 'react'
import { Form } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { Field } from '../../components/Field.tsx'
import { ApiError } from '../../lib/api.ts'
import { useServerFieldErrors } from '../../lib/server-field-errors.ts'
import { type IssuedApiKey, PRIVILEGES, type Privilege, useCreateApiKey } from './apiKeys.api.ts'
import styles from './apiKeys.module.css'

function alertOf(error: unknown): string | null {
  if (!error) return null
  if (!(error instanceof ApiError)) return 'The service cannot be reached. Check your connection and try again.'
  if (error.fields.length > 0) return 'Please correct the fields below.'
  return error.message
}

export function CreateApiKeyForm({ accountId, onCreated }: { accountId: string; onCreated: (issued: IssuedApiKey) => void }) {
  const create = useCreateApiKey(accountId)
  const [appName, setAppName] = useState('')
  const [developer, setDeveloper] = useState('')
  const [privileges, setPrivileges] = useState<Privilege[]>(['ivr-engagement'])
  const [noPrivilege, setNoPrivilege] = useState(false)
  const privilegesError = useId()

  function toggle(privilege: Privilege, checked: boolean) {
    setNoPrivilege(false)
    setPrivileges((current) => PRIVILEGES.map((p) => p.value).filter((p) => (p === privilege ? checked : current.includes(p))))
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (privileges.length === 0) {
      setNoPrivilege(true)
      return
    }
    create.mutate(
      { appName, developer, privileges },
      {
        onSuccess: (issued) => {
          // The secrets go to the panel only: the mutation forgets them at once.
          create.reset()
          setAppName('')
          setDeveloper('')
          setPrivileges(['ivr-engagement'])
          onCreated(issued)
        },
      },
    )
  }

  const { errors: fieldErrors, formProps } = useServerFieldErrors(create.error)
  const alert = alertOf(create.error)
  const privilegeMessage = noPrivilege ? 'Choose at least one privilege.' : fieldErrors.privileges
  return (
    <section aria-labelledby="create-key-heading" className={styles.panel}>
      <h2 id="create-key-heading">Create an API key</h2>
      <Form onSubmit={submit} {...formProps} aria-labelledby="create-key-heading" className={styles.form}>
        {alert ? <Alert>{alert}</Alert> : null}
        <Field label="Application name" name="appName" value={appName} onChange={setAppName} isRequired maxLength={200} hint="What calls with this key, e.g. Main IVR" />
        <Field label="Developer name" name="developer" value={developer} onChange={setDeveloper} isRequired maxLength={200} hint="Who to ask about it" />
        <fieldset className={styles.privileges} aria-describedby={privilegeMessage ? privilegesError : undefined}>
          <legend>Privileges</legend>
          {PRIVILEGES.map((privilege) => (
            <label key={privilege.value} className={styles.checkbox}>
              <input type="checkbox" name="privileges" value={privilege.value} checked={privileges.includes(privilege.value)} onChange={(e) => toggle(privilege.value, e.target.checked)} />
              <span>
                <span className={styles.privilegeName}>{privilege.label}</span>
                <span className={styles.muted}>{privilege.description}</span>
              </span>
            </label>
          ))}
          {privilegeMessage ? (
            <span id={privilegesError} className={styles.error}>
              {privilegeMessage}
            </span>
          ) : null}
        </fieldset>
        <Button type="submit" isDisabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create the key'}
        </Button>
      </Form>
    </section>
  )
}
