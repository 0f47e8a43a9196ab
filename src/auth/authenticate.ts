import { apiError, type ApiError } from '../shared/errors.ts'
import type { NonceStore } from './nonce-store.ts'
import { type SecretBox, UnreadableSecretError } from '../lib/secret-box.ts'
import type { Db } from '../store/database.ts'
import { type Privilege, type SealedApiKey, findApiKeyByAppKey, findApiKeyById } from './api-key.repository.ts'
import type { AppJwtIssuer } from './app-jwt.ts'
import { verifyOAuth1Request } from './oauth1.ts'

/** Who is calling: an API key of one brand, proven by an OAuth 1.0a signature or an app JWT. */
export interface Principal {
  accountId: string
  keyId: string
  appKey: string
  privileges: Privilege[]
  scheme: 'oauth1' | 'app-jwt'
}

export interface AuthenticationDeps {
  db: Db
  /** Opens an API key's sealed secrets (an OpenedSecrets in the service). */
  secrets: Pick<SecretBox, 'open'>
  nonces: NonceStore
  jwt: AppJwtIssuer
  timestampWindowSeconds: number
}

export interface AuthenticationInput {
  method: string
  /** The absolute URL the client used, as it signed it (public origin + path + query). */
  publicUrl: string
  authorization: string | undefined
  now: Date
}

/** A failure is the caller's (a 401 and an info line), or, with `serverFault`, ours to fix (still a 401, and an error in the log). */
export type AuthenticationResult = { ok: true; principal: Principal } | { ok: false; reason: string; serverFault?: true }

/** Proves the caller's identity; says nothing yet about what it may do (see `authorize`). */
export async function authenticate(deps: AuthenticationDeps, input: AuthenticationInput): Promise<AuthenticationResult> {
  const header = input.authorization?.trim()
  if (!header) return { ok: false, reason: 'no Authorization header' }
  if (/^bearer\s/i.test(header)) return authenticateBearer(deps, header.slice(6).trim(), input.now)
  if (/^oauth\s/i.test(header)) return authenticateOAuth(deps, input)
  return { ok: false, reason: 'unsupported Authorization scheme' }
}

async function authenticateBearer(deps: AuthenticationDeps, token: string, now: Date): Promise<AuthenticationResult> {
  const claims = await deps.jwt.verify(token, now)
  if (!claims) return { ok: false, reason: 'invalid or expired app JWT' }
  const key = await findApiKeyById(deps.db, claims.keyId)
  if (!key || key.revokedAt !== null) return { ok: false, reason: 'app JWT of an unknown or revoked key' }
  // A token names the brand it was issued for; a key never moves between brands, but check anyway.
  if (key.accountId !== claims.accountId) return { ok: false, reason: 'app JWT brand does not match its key' }
  return { ok: true, principal: toPrincipal(key, 'app-jwt') }
}

async function authenticateOAuth(deps: AuthenticationDeps, input: AuthenticationInput): Promise<AuthenticationResult> {
  try {
    return await verifyOAuth(deps, input)
  } catch (error) {
    // The key exists but its secrets were sealed under another master key: the caller cannot fix
    // that and must not learn more than for a wrong signature; the operator must hear of it.
    if (error instanceof UnreadableSecretError) return { ok: false, reason: `API key secret unreadable: ${error.message}`, serverFault: true }
    throw error
  }
}

async function verifyOAuth(deps: AuthenticationDeps, input: AuthenticationInput): Promise<AuthenticationResult> {
  let key: SealedApiKey | undefined
  const result = await verifyOAuth1Request(
    { method: input.method, publicUrl: input.publicUrl, authorization: input.authorization, nowSeconds: Math.floor(input.now.getTime() / 1000) },
    {
      nonces: deps.nonces,
      timestampWindowSeconds: deps.timestampWindowSeconds,
      async lookupCredentials(consumerKey, token) {
        const found = await findApiKeyByAppKey(deps.db, consumerKey)
        // The access token is part of the key: a signature with another token proves nothing.
        if (!found || found.revokedAt !== null || token !== found.accessToken) return null
        key = found
        return { consumerSecret: deps.secrets.open(found.sealedSecret), tokenSecret: deps.secrets.open(found.sealedAccessTokenSecret) }
      },
    },
  )
  if (!result.ok) return result
  if (!key) return { ok: false, reason: 'key vanished during verification' }
  return { ok: true, principal: toPrincipal(key, 'oauth1') }
}

/**
 * The plain secrets of the API keys in use, kept by their sealed form, so a signed request does not
 * pay two AES-GCM decryptions (about 5 % of an eligibility's CPU, docs/benchmarks.md). Revocation
 * is unaffected: the key's row is still read on every request, by every instance, and a revoked
 * key is refused before its secrets are looked at. A secret sealed anew gets a fresh IV, so a
 * changed secret never matches an old entry. The price: the secrets of up to `max` keys stay in
 * the process's memory in plain text, where the master key that opens them already is.
 */
export class OpenedSecrets {
  readonly #box: Pick<SecretBox, 'open'>
  readonly #max: number
  readonly #opened = new Map<string, string>()

  constructor(box: Pick<SecretBox, 'open'>, max = 1000) {
    this.#box = box
    this.#max = max
  }

  open(sealed: string): string {
    let plain = this.#opened.get(sealed)
    if (plain === undefined) {
      plain = this.#box.open(sealed)
      if (this.#opened.size >= this.#max) this.#opened.delete(this.#opened.keys().next().value as string)
      this.#opened.set(sealed, plain)
    }
    return plain
  }
}

function toPrincipal(key: SealedApiKey, scheme: Principal['scheme']): Principal {
  return { accountId: key.accountId, keyId: key.id, appKey: key.appKey, privileges: key.privileges, scheme }
}

/** What a route lets through: one privilege, or a rule of its own over the principal. */
export type Permission = Privilege | ((principal: Principal) => boolean)

/**
 * Whether the principal may act on this brand. Another brand's path is a 403 like a missing
 * privilege, so a key learns nothing about brands other than its own.
 */
export function authorize(principal: Principal, accountId: string, permission: Permission): ApiError | null {
  const permitted = typeof permission === 'function' ? permission(principal) : principal.privileges.includes(permission)
  if (principal.accountId !== accountId || !permitted) return apiError('notEnoughPrivilege')
  return null
}
