import type { Selectable } from 'kysely'
import { type DbOrTrx, isPostgres } from '../store/database.ts'
import type { WebhookDeliveryTable, WebhookEndpointTable } from '../store/schema.ts'

/** Why a brand's endpoint receives events: its agent desk; later, reporting subscribers. */
export type WebhookPurpose = 'desk' | 'reporting'

/** For the desk: `instead` of the built-in agents, or `alongside` them. */
export type DeskMode = 'instead' | 'alongside'

/** A brand's webhook endpoint; `secret` is still sealed (ctx.secrets opens it). */
export interface WebhookEndpoint {
  id: string
  accountId: string
  purpose: WebhookPurpose
  url: string
  sealedSecret: string
  events: string[]
  mode: DeskMode | null
  createdAt: string
  updatedAt: string
  /** Set when the receiver answered 410 Gone: nothing is sent to it until it is configured again. */
  disabledAt: string | null
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed'

/** One event to POST to one endpoint. */
export interface WebhookDelivery {
  /** The `webhook-id`, the same on every attempt. */
  id: string
  endpointId: string
  accountId: string
  orderingKey: string
  type: string
  /** The body, exactly as it is signed and sent. */
  payload: string
  status: DeliveryStatus
  attempts: number
  availableAt: string
  lastError: string | null
  createdAt: string
}

function toEndpoint(row: Selectable<WebhookEndpointTable>): WebhookEndpoint {
  return {
    id: row.id,
    accountId: row.account_id,
    purpose: row.purpose as WebhookPurpose,
    url: row.url,
    sealedSecret: row.secret,
    events: JSON.parse(row.events) as string[],
    mode: row.mode as DeskMode | null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    disabledAt: row.disabled_at,
  }
}

function toDelivery(row: Selectable<WebhookDeliveryTable>): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    accountId: row.account_id,
    orderingKey: row.ordering_key,
    type: row.type,
    payload: row.payload,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    availableAt: row.available_at,
    lastError: row.last_error,
    createdAt: row.created_at,
  }
}

/** The brand's endpoint of a purpose that has one (the desk), disabled or not. */
export async function findEndpoint(db: DbOrTrx, accountId: string, purpose: WebhookPurpose): Promise<WebhookEndpoint | undefined> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('purpose', '=', purpose).orderBy('created_at').executeTakeFirst()
  return row && toEndpoint(row)
}

/** The brand's endpoints that are not disabled, of every purpose. */
export async function activeEndpoints(db: DbOrTrx, accountId: string): Promise<WebhookEndpoint[]> {
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('disabled_at', 'is', null).execute()
  return rows.map(toEndpoint)
}

export async function endpointsByIds(db: DbOrTrx, ids: readonly string[]): Promise<Map<string, WebhookEndpoint>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', [...new Set(ids)]).execute()
  return new Map(rows.map((row) => [row.id, toEndpoint(row)]))
}

export async function insertEndpoint(db: DbOrTrx, endpoint: Omit<WebhookEndpoint, 'updatedAt' | 'disabledAt'>): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({
      id: endpoint.id,
      account_id: endpoint.accountId,
      purpose: endpoint.purpose,
      url: endpoint.url,
      secret: endpoint.sealedSecret,
      events: JSON.stringify(endpoint.events),
      mode: endpoint.mode,
      created_at: endpoint.createdAt,
      updated_at: endpoint.createdAt,
      disabled_at: null,
    })
    .execute()
}

/** A new URL, mode or events for an endpoint; enables it again if a 410 had disabled it. */
export async function updateEndpoint(db: DbOrTrx, id: string, change: { url: string; events: string[]; mode: DeskMode | null }, at: string): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ url: change.url, events: JSON.stringify(change.events), mode: change.mode, disabled_at: null, updated_at: at }).where('id', '=', id).execute()
}

export async function replaceSecret(db: DbOrTrx, id: string, sealedSecret: string, at: string): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ secret: sealedSecret, updated_at: at }).where('id', '=', id).execute()
}

/** Removes an endpoint and every delivery to it, sent or not: nothing more is sent there. */
export async function deleteEndpoint(db: DbOrTrx, id: string): Promise<void> {
  await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute()
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute()
}

/**
 * Disables an endpoint whose receiver answered 410 Gone, and fails what was still to be sent to
 * it; the endpoint stays, so its settings show why nothing arrives.
 */
export async function disableEndpoint(db: DbOrTrx, id: string, reason: string, at: string): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ disabled_at: at, updated_at: at }).where('id', '=', id).where('disabled_at', 'is', null).execute()
  await db.updateTable('webhook_deliveries').set({ status: 'failed', lease_until: null, last_error: reason, updated_at: at }).where('endpoint_id', '=', id).where('status', 'in', ['pending', 'sending']).execute()
}

export async function insertDeliveries(db: DbOrTrx, deliveries: ReadonlyArray<Pick<WebhookDelivery, 'id' | 'endpointId' | 'accountId' | 'orderingKey' | 'type' | 'payload' | 'createdAt'>>): Promise<void> {
  if (deliveries.length === 0) return
  await db
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((d) => ({
        id: d.id,
        endpoint_id: d.endpointId,
        account_id: d.accountId,
        ordering_key: d.orderingKey,
        type: d.type,
        payload: d.payload,
        status: 'pending',
        attempts: 0,
        available_at: d.createdAt,
        lease_until: null,
        last_error: null,
        created_at: d.createdAt,
        updated_at: d.createdAt,
      })),
    )
    .execute()
}

/**
 * Takes up to `limit` due deliveries for this dispatcher: pending ones whose time has come and
 * `sending` ones whose lease ran out, each only while no earlier delivery (by `created_at`, then
 * id) of its endpoint and ordering key is still pending or sending — so one key's events go one
 * at a time, in order, and a key waiting out a retry holds back no other. On PostgreSQL the
 * candidates are locked with SKIP LOCKED (a locked head is still pending, so its successors stay
 * out too); SQLite serialises writers, which gives the same guarantee.
 */
export async function claimDueDeliveries(db: DbOrTrx, now: string, leaseUntil: string, limit: number): Promise<WebhookDelivery[]> {
  const due = db
    .selectFrom('webhook_deliveries as d')
    .select('d.id')
    .where((eb) => eb.or([eb.and([eb('d.status', '=', 'pending'), eb('d.available_at', '<=', now)]), eb.and([eb('d.status', '=', 'sending'), eb('d.lease_until', '<', now)])]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('webhook_deliveries as e')
            .select('e.id')
            .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
            .whereRef('e.ordering_key', '=', 'd.ordering_key')
            .where('e.status', 'in', ['pending', 'sending'])
            .where((inner) => inner.or([inner('e.created_at', '<', inner.ref('d.created_at')), inner.and([inner('e.created_at', '=', inner.ref('d.created_at')), inner('e.id', '<', inner.ref('d.id'))])])),
        ),
      ),
    )
    .where('d.endpoint_id', 'in', (eb) => eb.selectFrom('webhook_endpoints').select('id').where('disabled_at', 'is', null))
    .orderBy('d.available_at')
    .limit(limit)
    .$if(isPostgres(db), (qb) => qb.forUpdate().skipLocked())
  const rows = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ status: 'sending', lease_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now }))
    .where('id', 'in', due)
    .returningAll()
    .execute()
  return rows.map(toDelivery)
}

/**
 * Records the outcome of a claimed delivery, only while this claim still holds it: a delivery
 * whose lease ran out and was claimed again has a higher attempt count, and the late outcome is
 * dropped. Whether it was recorded.
 */
export async function settleDelivery(
  db: DbOrTrx,
  claim: { id: string; attempts: number },
  outcome: { status: 'sent' } | { status: 'failed'; error: string } | { status: 'pending'; error: string; availableAt: string },
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      lease_until: null,
      updated_at: now,
      last_error: outcome.status === 'sent' ? null : outcome.error,
      ...(outcome.status === 'pending' ? { available_at: outcome.availableAt } : {}),
    })
    .where('id', '=', claim.id)
    .where('status', '=', 'sending')
    .where('attempts', '=', claim.attempts)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
