import type { AppContext } from '../../context.ts'
import { setChannelMode } from '../../brand-config/channel-mode.repository.ts'
import { type Channel, CHANNEL_PROVIDER } from '../../shared/channel.ts'
import { type FieldError, apiError, invalidFields } from '../../shared/errors.ts'
import { returnSandboxApprovalsToDraft } from '../../whatsapp-templates/template.repository.ts'
import { checkBrandUrl } from '../provider-url.ts'
import { type Connections, DEFAULTS, type Provider, URL_FIELDS } from './connection.ts'
import { deleteConnection, hasConnection, saveConnection } from './connection.repository.ts'

/** A connection as the brand writes it: what it leaves out of `DEFAULTS` takes the default. */
export type ConnectionWrite<P extends Provider> = Omit<Connections[P], keyof (typeof DEFAULTS)[P]> & Partial<Connections[P]>

export interface Connected<P extends Provider> {
  /** As stored: defaults filled in, brand endpoints normalised. */
  connection: Connections[P]
  /** Templates the sandbox had approved, drafts again because WhatsApp was connected for the first time. */
  draftsAgain: number
}

/**
 * Stores a brand's provider connection and makes its channel live, in one transaction. Endpoints
 * the brand names instead of the operator's are checked first (allow-list, public addresses).
 * Connecting WhatsApp for the first time returns the templates the sandbox approved to draft:
 * they do not exist at Meta. Going back to the sandbox is explicit (`switchChannelMode`).
 */
export async function connectProvider<P extends Provider>(ctx: Pick<AppContext, 'db' | 'clock' | 'secrets' | 'config'>, accountId: string, provider: P, input: ConnectionWrite<P>): Promise<Connected<P>> {
  const fields: Record<string, unknown> = { ...DEFAULTS[provider], ...input }
  const refused: FieldError[] = []
  for (const { field, keepPath } of URL_FIELDS[provider]) {
    const raw = fields[field] as string | undefined
    if (!raw) continue
    const checked = await checkBrandUrl(raw, ctx.config.providerUrlAllowlist, keepPath)
    if ('problem' in checked) refused.push({ field, message: checked.problem })
    else fields[field] = checked.url
  }
  if (refused.length > 0) throw invalidFields(refused)
  const connection = fields as unknown as Connections[P]
  const at = ctx.clock.now().toISOString()
  const draftsAgain = await ctx.db.transaction().execute(async (trx) => {
    const first = !(await hasConnection(trx, accountId, provider))
    await saveConnection(trx, ctx.secrets, accountId, provider, connection, at)
    // Connecting makes the channel live; updating a connection (a new token, a help text) leaves a
    // channel the brand deliberately put in sandbox mode there.
    if (first) await setChannelMode(trx, accountId, CHANNEL_OF_PROVIDER[provider], 'live', at)
    return first && provider === 'whatsapp' ? returnSandboxApprovalsToDraft(trx, accountId, at) : 0
  })
  return { connection, draftsAgain }
}

/** Removes the connection; its channel stays live, so its sends fail until it is connected again or switched to sandbox. */
export async function disconnectProvider(ctx: Pick<AppContext, 'db'>, accountId: string, provider: Provider): Promise<void> {
  if (!(await deleteConnection(ctx.db, accountId, provider))) throw apiError('notFound', `no ${provider} connection`)
}

const CHANNEL_OF_PROVIDER = Object.fromEntries(Object.entries(CHANNEL_PROVIDER).map(([channel, provider]) => [provider, channel])) as { [P in Provider]: Channel }
