import type { AppContext } from '../context.ts'
import { apiError, invalidFields } from '../shared/errors.ts'
import { lockKey } from '../store/database.ts'
import { DESK_EVENTS, type DeskEvent } from './webhook-events.ts'
import { newWebhookSecret } from './signature.ts'
import { checkWebhookUrl } from './webhook-url.ts'
import { type DeskMode, type WebhookEndpoint, deleteEndpoint, findEndpoint, insertEndpoint, replaceSecret, updateEndpoint } from './webhook.repository.ts'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'ids' | 'secrets' | 'config'>

/** The brand's desk connector as its settings show it; the secret is shown only when made. */
export interface DeskConnector {
  url: string
  mode: DeskMode
  events: DeskEvent[]
  createdAt: string
  updatedAt: string
  /** When the desk answered 410 Gone: nothing is sent until the connector is saved again. */
  disabledAt: string | null
}

export interface DeskConnectorWrite {
  url: string
  mode: DeskMode
  /** Every event when absent. */
  events?: DeskEvent[]
}

function view(endpoint: WebhookEndpoint): DeskConnector {
  return { url: endpoint.url, mode: endpoint.mode as DeskMode, events: endpoint.events as DeskEvent[], createdAt: endpoint.createdAt, updatedAt: endpoint.updatedAt, disabledAt: endpoint.disabledAt }
}

export async function readDeskConnector(ctx: Pick<AppContext, 'db'>, accountId: string): Promise<DeskConnector> {
  const desk = await findEndpoint(ctx.db, accountId, 'desk')
  if (!desk) throw apiError('notFound', 'no desk connector')
  return view(desk)
}

/**
 * Creates the brand's desk connector, with a new signing secret returned this once, or changes
 * its URL, mode or events (keeping the secret, and enabling it again after a 410 Gone). The URL
 * must be https to public addresses (see webhook-url.ts). Deliveries already queued go to the new URL.
 */
export async function saveDeskConnector(ctx: Ctx, accountId: string, input: DeskConnectorWrite): Promise<{ connector: DeskConnector; secret?: string }> {
  const checked = await checkWebhookUrl(input.url, ctx.config.webhookUrlAllowlist)
  if ('problem' in checked) throw invalidFields([{ field: 'url', message: checked.problem }])
  // In the order of DESK_EVENTS, each once, whatever order the brand listed them in.
  const events = DESK_EVENTS.filter((event) => (input.events ?? DESK_EVENTS).includes(event))
  const at = ctx.clock.now().toISOString()
  return ctx.db.transaction().execute(async (trx) => {
    // Two first saves at once make one connector, not two.
    await lockKey(trx, `desk-connector:${accountId}`)
    const existing = await findEndpoint(trx, accountId, 'desk')
    if (existing) {
      await updateEndpoint(trx, existing.id, { url: checked.url, events, mode: input.mode }, at)
      return { connector: view({ ...existing, url: checked.url, events, mode: input.mode, updatedAt: at, disabledAt: null }) }
    }
    const secret = newWebhookSecret()
    const endpoint = { id: ctx.ids.uuid(), accountId, purpose: 'desk' as const, url: checked.url, sealedSecret: ctx.secrets.seal(secret), events, mode: input.mode, createdAt: at }
    await insertEndpoint(trx, endpoint)
    return { connector: view({ ...endpoint, updatedAt: at, disabledAt: null }), secret }
  })
}

/** A new signing secret, returned this once; every attempt from now on is signed with it, retries of earlier events included. */
export async function rotateDeskSecret(ctx: Ctx, accountId: string): Promise<string> {
  const at = ctx.clock.now().toISOString()
  return ctx.db.transaction().execute(async (trx) => {
    await lockKey(trx, `desk-connector:${accountId}`)
    const existing = await findEndpoint(trx, accountId, 'desk')
    if (!existing) throw apiError('notFound', 'no desk connector')
    const secret = newWebhookSecret()
    await replaceSecret(trx, existing.id, ctx.secrets.seal(secret), at)
    return secret
  })
}

/** Removes the desk connector and every delivery to it, sent or not: nothing more reaches the desk. */
export async function removeDeskConnector(ctx: Ctx, accountId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await lockKey(trx, `desk-connector:${accountId}`)
    const existing = await findEndpoint(trx, accountId, 'desk')
    if (!existing) throw apiError('notFound', 'no desk connector')
    await deleteEndpoint(trx, existing.id)
  })
}
