import { useEffect, useRef, useState, type FormEvent } from 'react'
import { Form } from 'react-aria-components'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { useServerFieldErrors } from '../../lib/server-field-errors.ts'
import { InlineConfirm } from '../../components/InlineConfirm.tsx'
import { Field } from '../../components/Field.tsx'
import type { Role } from '../session/session.api.ts'
import { CapacityField, SkillsPicker } from './SkillsPicker.tsx'
import { RoleSelect } from './RoleSelect.tsx'
import { PASSWORD_MIN, alertOf, takesConversations, useChangeUser, useResetPassword, useSkills, type User } from './users.api.ts'
import styles from './users.module.css'

/** One person's detail: their role, skills and capacity; enabling or disabling them; a new password. */
export function UserPanel({ accountId, user, isSelf, onClose }: { accountId: string; user: User; isSelf: boolean; onClose: () => void }) {
  const headingId = `user-${user.id}-heading`
  // Opened from the list: the panel comes into view and the keyboard starts there.
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    heading.current?.focus()
  }, [user.id])
  return (
    <section aria-labelledby={headingId} className={styles.card}>
      <div className={styles.panelHeader}>
        <h2 id={headingId} ref={heading} tabIndex={-1}>Edit {user.login}</h2>
        <Button variant="secondary" onPress={onClose}>
          Close
        </Button>
      </div>
      {isSelf ? <p className={styles.muted}>This is you.</p> : null}
      <EditUserForm key={`${user.id}:${user.updatedAt ?? ''}`} accountId={accountId} user={user} />
      <AccessControl accountId={accountId} user={user} />
      <ResetPasswordForm key={user.id} accountId={accountId} user={user} />
    </section>
  )
}

function EditUserForm({ accountId, user }: { accountId: string; user: User }) {
  const change = useChangeUser(accountId, user.id)
  const skills = useSkills(accountId)
  const [role, setRole] = useState<Role>(user.role)
  const [chosen, setChosen] = useState<string[]>(user.skills)
  const [capacity, setCapacity] = useState(String(user.maxConversations))
  const [saved, setSaved] = useState(false)

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setSaved(false)
    const agent = takesConversations(role)
    change.mutate({ role, ...(agent ? { skills: chosen, maxConversations: Number(capacity) } : {}) }, { onSuccess: () => setSaved(true) })
  }

  const { errors, formProps } = useServerFieldErrors(change.error)
  const alert = alertOf(change.error)
  return (
    <Form onSubmit={submit} {...formProps} aria-label={`Role and skills of ${user.login}`} className={styles.section}>
      {alert ? <Alert>{alert}</Alert> : null}
      <RoleSelect value={role} onChange={setRole} error={errors.role} />
      {takesConversations(role) ? (
        <>
          <SkillsPicker skills={skills.data ?? []} loading={skills.isPending} value={chosen} onChange={setChosen} error={errors.skills} />
          <CapacityField value={capacity} onChange={setCapacity} error={errors.maxConversations} />
        </>
      ) : null}
      <p className={styles.muted}>A new role ends their sessions: they sign in again.</p>
      <div className={styles.actions}>
        <Button type="submit" isDisabled={change.isPending}>
          {change.isPending ? 'Saving…' : 'Save changes'}
        </Button>
        {saved && !change.isPending ? (
          <span role="status" className={styles.success}>
            Saved.
          </span>
        ) : null}
      </div>
    </Form>
  )
}

function AccessControl({ accountId, user }: { accountId: string; user: User }) {
  const change = useChangeUser(accountId, user.id)
  const alert = alertOf(change.error)
  return (
    <div className={styles.section}>
      <h3>Access</h3>
      <p>
        {user.login} is <strong>{user.disabled ? 'disabled' : 'enabled'}</strong>.{' '}
        {user.disabled ? 'They cannot sign in.' : 'Disabling them ends their sessions at once and stops them signing in.'}
      </p>
      {alert ? <Alert>{alert}</Alert> : null}
      <Button variant="secondary" isDisabled={change.isPending} onPress={() => change.mutate({ disabled: !user.disabled })}>
        {user.disabled ? `Enable ${user.login}` : `Disable ${user.login}`}
      </Button>
    </div>
  )
}

function ResetPasswordForm({ accountId, user }: { accountId: string; user: User }) {
  const reset = useResetPassword(accountId, user.id)
  const [password, setPassword] = useState('')
  const [confirming, setConfirming] = useState(false)
  const [done, setDone] = useState(false)

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setDone(false)
    reset.reset()
    setConfirming(true)
  }
  function confirm() {
    reset.mutate(password, {
      onSuccess: () => {
        setDone(true)
        setPassword('')
      },
      onSettled: () => setConfirming(false),
    })
  }

  const { formProps } = useServerFieldErrors(reset.error)
  const alert = alertOf(reset.error)
  return (
    <Form onSubmit={submit} {...formProps} aria-label={`Reset the password of ${user.login}`} className={styles.section}>
      <h3>Reset password</h3>
      {alert ? <Alert>{alert}</Alert> : null}
      <Field
        label="New password"
        name="password"
        type="password"
        value={password}
        onChange={(value) => {
          setPassword(value)
          setConfirming(false)
        }}
        isRequired
        minLength={PASSWORD_MIN}
        maxLength={1024}
        autoComplete="new-password"
        hint={`At least ${PASSWORD_MIN} characters`}
      />
      <InlineConfirm
        confirming={confirming}
        question={`Set this new password for ${user.login}? Their sessions end and they sign in with it.`}
        confirmLabel={reset.isPending ? 'Resetting…' : 'Confirm reset'}
        cancelLabel="Cancel"
        busy={reset.isPending}
        danger={false}
        layout="boxed"
        label="Confirm the reset"
        onConfirm={confirm}
        onCancel={() => setConfirming(false)}
      >
        <Button type="submit" variant="secondary">
          Reset password
        </Button>
      </InlineConfirm>
      {done ? (
        <p role="status" className={styles.success}>
          The password of {user.login} was reset; their sessions ended.
        </p>
      ) : null}
    </Form>
  )
}
