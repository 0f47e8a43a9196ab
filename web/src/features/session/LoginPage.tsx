import { useState, type FormEvent } from 'react'
import { Form } from 'react-aria-components'
import { useNavigate } from 'react-router'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { Field } from '../../components/Field.tsx'
import { ApiError } from '../../lib/api.ts'
import { useServerFieldErrors } from '../../lib/server-field-errors.ts'
import { rememberedAccountId } from '../../lib/account.ts'
import { useLogin, type Session } from './session.api.ts'
import styles from './session.module.css'


function alertOf(error: unknown): string | null {
  if (!error) return null
  if (!(error instanceof ApiError)) return 'The service cannot be reached. Check your connection and try again.'
  if (error.status === 429) {
    const minutes = error.retryAfterSeconds === undefined ? null : Math.max(1, Math.ceil(error.retryAfterSeconds / 60))
    return minutes === null
      ? 'Too many failed sign-ins: signing in is locked for a while.'
      : `Too many failed sign-ins: signing in is locked. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
  }
  if (error.status === 401) return 'The account id, login or password is not right.'
  if (error.fields.length > 0) return 'Please correct the fields below.'
  return error.message
}

/** `afterSignIn` replaces the move to the landing page (a page that signs in where it stands). */
export function LoginPage({ afterSignIn, accountHint }: { afterSignIn?: (session: Session) => void; accountHint?: string } = {}) {
  const navigate = useNavigate()
  const login = useLogin()
  const [accountId, setAccountId] = useState(accountHint ?? rememberedAccountId() ?? '')
  const [userLogin, setUserLogin] = useState('')
  const [password, setPassword] = useState('')

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    login.mutate(
      { accountId: accountId.trim(), login: userLogin, password },
      { onSuccess: (session) => (afterSignIn ? afterSignIn(session) : navigate(session.user.welcomedAt ? '/' : '/welcome', { replace: true })) },
    )
  }

  // The answer's `fields` named as the form names its fields (`params.accountId` is the account id's).
  const { formProps } = useServerFieldErrors(login.error)
  const alert = alertOf(login.error)
  return (
    <main className={styles.loginPage}>
      <div className={styles.card}>
        <h1>Sign in to Connect to Messaging</h1>
        {alert ? <Alert>{alert}</Alert> : null}
        <Form onSubmit={submit} {...formProps}>
          <Field label="Account id" name="accountId" value={accountId} onChange={setAccountId} isRequired autoComplete="organization" inputMode="numeric" autoFocus={accountId === ''} />
          <Field label="Login" name="login" value={userLogin} onChange={setUserLogin} isRequired autoComplete="username" autoFocus={accountId !== ''} />
          <Field label="Password" name="password" type="password" value={password} onChange={setPassword} isRequired autoComplete="current-password" />
          <Button type="submit" isDisabled={login.isPending}>
            {login.isPending ? 'Signing in…' : 'Sign in'}
          </Button>
        </Form>
        <p className={styles.note}>
          On a first start the service prints the demo brand's account id and its admin's password in its log.
        </p>
      </div>
    </main>
  )
}
