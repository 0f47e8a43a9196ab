import type { DbOrTrx } from '../store/database.ts'

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

export async function listSandboxMessages(db: DbOrTrx, accountId: string, consumer: string | undefined, limit: number): Promise<SandboxMessage[]> {
  let query = db.selectFrom('sandbox_messages').selectAll().where('account_id', '=', accountId)
  if (consumer) query = query.where('consumer', '=', consumer)
  const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute()
  return rows.map((r) => ({
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
  }))
}
