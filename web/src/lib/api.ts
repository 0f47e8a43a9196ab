/** An error answered by the service: `{errorCode, errorMessage, detail?, fields?}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    readonly errorMessage: string,
    readonly detail: string | undefined,
    readonly fields: ReadonlyArray<{ field: string; message: string }>,
    /** Seconds the server asks to wait (429's `Retry-After`). */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(detail ? `${errorMessage}: ${detail}` : errorMessage)
    this.name = 'ApiError'
  }
}

/** The CSRF token of the current session: held in memory only, sent on every write. */
let csrfToken: string | null = null
export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

/** Called when the service answers 401 to a signed-in request: the session is over. */
let onUnauthenticated: () => void = () => {}
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  body?: unknown
  /** The login itself answers 401 for a wrong password: that is no ended session. */
  signingIn?: boolean
}

/** Calls the brand's API under `/api/account/{accountId}`; resolves with the JSON answer, throws `ApiError`. */
export async function api<T>(accountId: string, path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken
  const response = await fetch(`/api/account/${encodeURIComponent(accountId)}${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  })
  if (response.status === 204) return undefined as T
  const body: unknown = await response.json().catch(() => null)
  if (response.ok) return body as T
  const error = toApiError(response, body)
  if (response.status === 401 && !options.signingIn) onUnauthenticated()
  throw error
}

function toApiError(response: Response, body: unknown): ApiError {
  const shaped = (body ?? {}) as { errorCode?: unknown; errorMessage?: unknown; detail?: unknown; fields?: unknown }
  const retryAfter = Number(response.headers.get('retry-after'))
  return new ApiError(
    response.status,
    typeof shaped.errorCode === 'number' ? shaped.errorCode : 5000,
    typeof shaped.errorMessage === 'string' ? shaped.errorMessage : `The service answered ${response.status}`,
    typeof shaped.detail === 'string' ? shaped.detail : undefined,
    Array.isArray(shaped.fields) ? (shaped.fields as Array<{ field: string; message: string }>) : [],
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  )
}
