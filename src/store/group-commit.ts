import type { Db, DbOrTrx } from './database.ts'
import { inTransaction, isPostgres } from './database.ts'

interface Waiting<T> {
  item: T
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Group commit for SQLite: the writes asked for during one turn of the event loop are committed
 * together, in one transaction, and each caller's promise settles only once that transaction has
 * committed, so nobody is told "stored" before it is. Each commit appends every page it changed to
 * the WAL (for a call: the table's page and a page of each index, about eight 4 KB writes), and
 * better-sqlite3 does it with the whole process waiting; a group writes each shared page once,
 * and fewer WAL frames mean fewer checkpoints. With `synchronous` at FULL it would also be one
 * WAL sync per group instead of one per write. Under load, grouping raised eligibility's
 * throughput by half (docs/benchmarks.md). Durability is unchanged; a write alone in its turn is
 * committed as before, one turn later.
 *
 * When the shared transaction fails, every write of the group is retried on its own, so only the
 * write at fault fails. PostgreSQL writes at once, each write in its own transaction: it groups
 * concurrent commits itself. A caller already in a transaction writes in it.
 *
 * Every path runs the write in a transaction, so a write of several statements is atomic whether
 * it was grouped or not. Precondition: `write` makes store writes only (no provider call, no
 * message sent, nothing outside the transaction it is given) and may be run twice, because a write
 * whose group was rolled back is run again alone.
 */
export function groupCommitted<T>(write: (db: DbOrTrx, item: T) => Promise<void>): (db: DbOrTrx, item: T) => Promise<void> {
  const groups = new WeakMap<Db, Array<Waiting<T>>>()

  const commit = async (db: Db, group: Array<Waiting<T>>): Promise<void> => {
    if (group.length > 1) {
      try {
        await db.transaction().execute(async (trx) => {
          for (const { item } of group) await write(trx, item)
        })
        for (const waiting of group) waiting.resolve()
        return
      } catch {
        // Rolled back as a whole: nothing of the group is stored, so each write is tried alone.
      }
    }
    for (const { item, resolve, reject } of group) await alone(db, item).then(resolve, reject)
  }

  const alone = (db: DbOrTrx, item: T): Promise<void> => inTransaction(db, (trx) => write(trx, item))

  return (db, item) => {
    if (db.isTransaction || isPostgres(db)) return alone(db, item)
    const root = db as Db
    return new Promise<void>((resolve, reject) => {
      let group = groups.get(root)
      if (!group) {
        const opened: Array<Waiting<T>> = []
        groups.set(root, (group = opened))
        setImmediate(() => {
          groups.delete(root)
          void commit(root, opened)
        })
      }
      group.push({ item, resolve, reject })
    })
  }
}
