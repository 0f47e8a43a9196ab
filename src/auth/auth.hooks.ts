import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { AppContext } from '../context.ts'
import { apiError } from '../shared/errors.ts'
import type { SecretBox } from '../lib/secret-box.ts'
import { OpenedSecrets, type Permission, type Principal, authenticate, authorize } from './authenticate.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requirePrivilege` on every authenticated route. */
    principal: Principal | null
  }
}

/**
 * The URL the client signed: `PUBLIC_URL` when set (the service sits behind a proxy or load
 * balancer), else the request's own scheme and host (forwarded headers only with TRUST_PROXY).
 */
export function publicUrlOf(ctx: AppContext, request: FastifyRequest): string {
  return publicOriginOf(ctx, request) + request.url
}

/** The origin part of `publicUrlOf`: where clients and providers reach the service. */
export function publicOriginOf(ctx: Pick<AppContext, 'config'>, request: FastifyRequest): string {
  return ctx.config.publicUrl ?? `${request.protocol}://${request.host}`
}

/** One cache of opened API-key secrets per master key, shared by every route of the app. */
const openedSecrets = new WeakMap<SecretBox, OpenedSecrets>()
function openedSecretsOf(box: SecretBox): OpenedSecrets {
  let opened = openedSecrets.get(box)
  if (!opened) openedSecrets.set(box, (opened = new OpenedSecrets(box)))
  return opened
}

/** The brand's app itself (an app JWT of the brand), or the brand's backend on its behalf (a management key). */
export const appOrManagement: Permission = (principal) => principal.privileges.includes('management') || principal.scheme === 'app-jwt'

/**
 * An onRequest hook for routes under `/api/account/:accountId/`: 401 unless the caller proves
 * an API key (OAuth 1.0a or app JWT), 403 unless that key is this brand's and has `permission`.
 * It runs before the body is read, so an unauthenticated caller learns nothing about validation.
 */
export function requirePrivilege(ctx: AppContext, permission: Permission): onRequestAsyncHookHandler {
  const deps = { ...ctx, secrets: openedSecretsOf(ctx.secrets), timestampWindowSeconds: ctx.config.oauthTimestampWindowSeconds }
  return async (request) => {
    const result = await authenticate(deps, {
      method: request.method,
      publicUrl: publicUrlOf(ctx, request),
      authorization: request.headers.authorization,
      now: ctx.clock.now(),
    })
    if (!result.ok) {
      if (result.serverFault) request.log.error({ reason: result.reason }, 'authentication failed')
      else request.log.info({ reason: result.reason }, 'authentication failed')
      throw apiError('invalidBearerToken')
    }
    const { accountId } = request.params as { accountId?: string }
    const denied = authorize(result.principal, accountId ?? '', permission)
    if (denied) throw denied
    request.principal = result.principal
  }
}
