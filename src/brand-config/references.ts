import type { Transaction } from 'kysely'
import { type Db, inTransaction, lockKey } from '../store/database.ts'
import type { Database } from '../store/schema.ts'

/**
 * A brand's configuration refers to its own catalogue: handoffs name skills, sending numbers and
 * WhatsApp templates; the routing settings name skills. A write that checks such references and
 * a delete that checks nothing refers to the item run here, one after the other per brand, so a
 * delete cannot slip between a save's check and its write (and leave a handoff naming nothing).
 * Reads (eligibility, invite) never wait for it.
 */
export async function withBrandReferences<T>(db: Db, accountId: string, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return inTransaction(db, async (trx) => {
    await lockKey(trx, `brand-references:${accountId}`)
    return work(trx)
  })
}
