import { useNavigate } from 'react-router'
import { Alert } from '../../components/Alert.tsx'
import { Button } from '../../components/Button.tsx'
import { ROLES } from './roles.ts'
import { useMarkWelcomed, type Session } from './session.api.ts'
import styles from './welcome.module.css'

/** Shown once per person, after their first sign-in: what the service does and what comes next for their role. */
export function WelcomePage({ session }: { session: Session }) {
  const navigate = useNavigate()
  const welcomed = useMarkWelcomed(session)
  const role = ROLES[session.user.role]

  return (
    <article className={styles.welcome}>
      <h1>Welcome to Connect to Messaging</h1>
      <p>
        When a consumer calls the brand, its IVR can offer to continue the conversation by text instead of waiting on
        hold. The IVR asks this service whether the caller can be reached on SMS, WhatsApp or in the brand's app, then
        sends the first message; the consumer's reply reaches an agent with the right skill.
      </p>

      <h2>Your role: {role.name}</h2>
      <p>{role.purpose}</p>
      <ul>
        {role.abilities.map((ability) => (
          <li key={ability}>{ability}</li>
        ))}
      </ul>

      <h2>Next steps</h2>
      <ol className={styles.steps}>
        {role.nextSteps.map((step) => (
          <li key={step.to}>
            {/* Leaving the welcome page by any of its links counts as having seen it. */}
            <a
              href={step.to}
              onClick={(event) => {
                event.preventDefault()
                if (welcomed.isPending) return
                // Once the welcome is recorded the welcome route leaves by itself, to where its state says.
                navigate('/welcome', { replace: true, state: { next: step.to } })
                welcomed.mutate()
              }}
            >
              {step.page}
            </a>
            : {step.what}
          </li>
        ))}
      </ol>

      <h2>Documentation</h2>
      <p>
        The service describes its whole API, with every request and answer, in the{' '}
        <a href="/api/api-docs">API reference</a>. The <a href="/docs/index.html">service's guide</a> (its README, with pictures of
        these pages) explains how to set up a brand, connect real providers and run the whole journey.
      </p>

      {welcomed.error ? <Alert>The service could not record that you have seen this page: {welcomed.error.message}</Alert> : null}
      <Button onPress={() => welcomed.mutate(undefined, { onSuccess: () => navigate('/', { replace: true }) })} isDisabled={welcomed.isPending}>
        Continue
      </Button>
    </article>
  )
}
