import { type Compilable, type CompiledQuery, type QueryResult, createQueryId } from 'kysely'
import { type DbOrTrx, isPostgres } from './database.ts'

/** Stands in for one named value while the query is compiled; found again among the parameters. */
class Slot {
  constructor(readonly name: string) {}
}

interface Compiled {
  query: CompiledQuery
  /** For each parameter of the SQL: the name of the value it takes, or the constant Kysely put there. */
  parameters: ReadonlyArray<{ name: string } | { constant: unknown }>
}

/**
 * A query of a fixed shape, built and compiled by Kysely once per dialect, then run with new values.
 * Kysely builds and compiles a query anew on every call, about 8 µs each on the service's machine,
 * and an Eligibility runs several (docs/benchmarks.md): the hot path's queries are declared with
 * this instead. The builder is written as usual; `values` holds placeholders while it compiles.
 *
 * Only for queries whose SQL does not depend on the values (no `in` list of variable length, no
 * clause added or left out by a value). The first compile checks that every value reached the SQL
 * as a parameter, and throws otherwise.
 */
export function preparedQuery<V extends Record<string, unknown>, R>(build: (db: DbOrTrx, values: V) => Compilable<R>): (db: DbOrTrx, values: V) => Promise<QueryResult<R>> {
  const byDialect = new Map<'postgres' | 'sqlite', Compiled>()
  const compile = (db: DbOrTrx, dialect: 'postgres' | 'sqlite'): Compiled => {
    const slots = new Map<string, Slot>()
    const placeholders = new Proxy({} as V, {
      get(_target, name) {
        if (typeof name !== 'string') return undefined
        let slot = slots.get(name)
        if (!slot) slots.set(name, (slot = new Slot(name)))
        return slot
      },
    })
    const query = build(db, placeholders).compile()
    const parameters = query.parameters.map((p) => (p instanceof Slot ? { name: p.name } : { constant: p }))
    for (const name of slots.keys()) {
      if (!parameters.some((p) => 'name' in p && p.name === name)) throw new Error(`preparedQuery: the value "${name}" did not become a parameter of ${query.sql}`)
    }
    const compiled = { query, parameters }
    byDialect.set(dialect, compiled)
    return compiled
  }
  return (db, values) => {
    const dialect = isPostgres(db) ? 'postgres' : 'sqlite'
    let compiled = byDialect.get(dialect)
    if (!compiled) {
      try {
        compiled = compile(db, dialect)
      } catch (error) {
        return Promise.reject(error)
      }
    }
    const { query, parameters } = compiled
    return db.executeQuery<R>({ ...query, queryId: createQueryId(), parameters: parameters.map((p) => ('name' in p ? values[p.name] : p.constant)) })
  }
}
