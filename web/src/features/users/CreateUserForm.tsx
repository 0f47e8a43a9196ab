import { useEffect, useRef, useState, type FormEvent } from 'react'
import { Form } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { Field } from '../../components/Field.tsx'
import { ApiError } from '../../lib/api.ts'
import { fieldErrorsOf, useServerFieldErrors } from '../../lib/server-field-errors.ts'
import type { Role } from '../session/session.api.ts'
import { CapacityField, SkillsPicker } from './SkillsPicker.tsx'
import { RoleSelect } from './RoleSelect.tsx'
import { DEFAULT_MAX_CONVERSATIONS, PASSWORD_MIN, alertOf, takesConversations, useCreateUser, useSkills } from './users.api.ts'
import styles from './users.module.css'

/** The answer's field errors; a taken login (409) is the login field's error. */
function errorsOf(error: unknown): Record<string, string> {
  const errors = fieldErrorsOf(error)
  if (error instanceof ApiError && error.status === 409) errors.login = error.detail ?? error.errorMessage
  return errors
}

/** Adds a person: login, role, (for agents) skills and capacity, and an initial password they sign in with. */
export function CreateUserForm({ accountId }: { accountId: string }) {
  const create = useCreateUser(accountId)
  const skills = useSkills(accountId)
  const [login, setLogin] = useState('')
  const [role, setRole] = useState<Role>('agent')
  const [chosen, setChosen] = useState<string[]>([])
  const [capacity, setCapacity] = useState(String(DEFAULT_MAX_CONVERSATIONS))
  const [password, setPassword] = useState('')
  const [created, setCreated] = useState<string | null>(null)
  const createdLine = useRef<HTMLParagraphElement>(null)
  // The Add button was disabled while adding, which drops the focus to the page: the added line takes it.
  useEffect(() => {
    if (created) createdLine.current?.focus()
  }, [created])

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setCreated(null)
    const agent = takesConversations(role)
    create.mutate(
      { login: login.trim(), role, password, ...(agent ? { skills: chosen, maxConversations: Number(capacity) } : {}) },
      {
        onSuccess: (user) => {
          setCreated(user.login)
          setLogin('')
          setChosen([])
          setCapacity(String(DEFAULT_MAX_CONVERSATIONS))
          setPassword('')
        },
      },
    )
  }

  const { errors, formProps } = useServerFieldErrors(create.error, errorsOf)
  const alert = create.error instanceof ApiError && create.error.status === 409 ? null : alertOf(create.error)
  return (
    <section aria-labelledby="create-user-heading" className={styles.card}>
      <h2 id="create-user-heading">Add a person</h2>
      {alert ? <Alert>{alert}</Alert> : null}
      {created ? (
        <p ref={createdLine} tabIndex={-1} role="status" className={styles.success}>
          {created} was added. Give them their login and initial password.
        </p>
      ) : null}
      <Form onSubmit={submit} {...formProps} aria-labelledby="create-user-heading">
        <Field label="Login" name="login" value={login} onChange={setLogin} isRequired maxLength={100} autoComplete="off" hint="Letters, digits or . _ @ + -" />
        <RoleSelect value={role} onChange={setRole} error={errors.role} />
        {takesConversations(role) ? (
          <>
            <SkillsPicker skills={skills.data ?? []} loading={skills.isPending} value={chosen} onChange={setChosen} error={errors.skills} />
            {skills.isError ? <Alert>The brand's skills cannot be read: {skills.error.message}</Alert> : null}
            <CapacityField value={capacity} onChange={setCapacity} error={errors.maxConversations} />
          </>
        ) : null}
        <Field
          label="Initial password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          isRequired
          minLength={PASSWORD_MIN}
          maxLength={1024}
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN} characters`}
        />
        <Button type="submit" isDisabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add person'}
        </Button>
      </Form>
    </section>
  )
}
