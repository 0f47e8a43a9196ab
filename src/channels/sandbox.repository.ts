import type { Selectable } from 'kysely'
import type { DbOrTrx } from '../store/database.ts'
import type { SandboxMessageTable } from '../store/schema.ts'

export interface SandboxMessage {
  id: string
  direction: 'outbound' | 'inbound'
  channel: string
  consumer: string
  from: string
  to: string
  text: string
  status: string
  callId: string | null
  appId: string | null
  createdAt: string
}

export async function insertSandboxMessage(db: DbOrTrx, accountId: string, message: SandboxMessage): Promise<void> {
  await db
    .insertInto('sandbox_messages')
    .values({
      id: message.id,
      account_id: accountId,
      direction: message.direction,
      channel: message.channel,
      consumer: message.consumer,
      from: message.from,
      to: message.to,
      text: message.text,
      status: message.status,
      call_id: message.callId,
      app_id: message.appId,
      created_at: message.createdAt,
    })
    .execute()
}

/** The simulated message a repeated sandbox delivery repeats: the inbound record and the simulator's entry share their id. */
export async function findSandboxInbound(db: DbOrTrx, accountId: string, providerMessageId: string): Promise<SandboxMessage | undefined> {
  const row = await db
    .selectFrom('sandbox_messages')
    .selectAll('sandbox_messages')
    .innerJoin('inbound_messages', 'inbound_messages.id', 'sandbox_messages.id')
    .where('inbound_messages.account_id', '=', accountId)
    .where('inbound_messages.provider', '=', 'sandbox')
    .where('inbound_messages.provider_message_id', '=', providerMessageId)
    .executeTakeFirst()
  return row && toMessage(row)
}

export async function listSandboxMessages(db: DbOrTrx, accountId: string, consumer: string | undefined, limit: number): Promise<SandboxMessage[]> {
  let query = db.selectFrom('sandbox_messages').selectAll().where('account_id', '=', accountId)
  if (consumer) query = query.where('consumer', '=', consumer)
  const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute()
  return rows.map(toMessage)
}

function toMessage(r: Selectable<SandboxMessageTable>): SandboxMessage {
  return {
    id: r.id,
    direction: r.direction as SandboxMessage['direction'],
    channel: r.channel,
    consumer: r.consumer,
    from: r.from,
    to: r.to,
    text: r.text,
    status: r.status,
    callId: r.call_id,
    appId: r.app_id,
    createdAt: r.created_at,
  }
}
