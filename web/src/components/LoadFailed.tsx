import { Alert } from './Alert.tsx'
import { Button } from './Button.tsx'

interface FailedQuery {
  isError: boolean
  error: Error | null
  refetch: () => unknown
}

/** A read that failed, said where its content would be: what could not be read, the service's words, and Try again. */
export function LoadFailed({ query, what }: { query: FailedQuery; what: string }) {
  if (!query.isError) return null
  return (
    <Alert>
      {what}: {query.error?.message}{' '}
      <Button variant="secondary" onPress={() => query.refetch()}>
        Try again
      </Button>
    </Alert>
  )
}
