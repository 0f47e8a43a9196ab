import type { FastifyBaseLogger } from 'fastify'
import type { AppContext } from '../../context.ts'
import { UnreadableSecretError } from '../../lib/secret-box.ts'
import type { StoredConnection } from './connection.repository.ts'
import { findConnection } from './connection.repository.ts'
import type { Provider } from './connection.ts'

/**
 * The brand's connection for a webhook's signature check. A stored secret that no longer opens
 * (the master key changed) is the operator's error, logged as such; the caller is refused like
 * any unsigned request instead of getting a 500.
 */
export async function openConnection<P extends Provider>(ctx: Pick<AppContext, 'db' | 'secrets'>, log: FastifyBaseLogger, accountId: string, provider: P): Promise<StoredConnection<P> | undefined> {
  try {
    return await findConnection(ctx.db, ctx.secrets, accountId, provider)
  } catch (error) {
    if (!(error instanceof UnreadableSecretError)) throw error
    log.error({ accountId, provider }, `the stored ${provider} connection cannot be opened with this master key (C2M_SECRET_KEY changed?); webhook refused`)
    return undefined
  }
}
