import { type Compilable, type CompiledQuery, type QueryExecutor, type QueryResult, createQueryId } from 'kysely'
import type { DbOrTrx } from './database.ts'

/** Stands in for one named value while the query is compiled; found again among the parameters. */
class Slot {
  constructor(readonly name: string) {}
}

interface Compiled {
  query: CompiledQuery
  /** For each parameter of the SQL: the name of the value it takes, or the constant Kysely put there. */
  parameters: ReadonlyArray<{ name: string } | { constant: unknown }>
}

/** One step of the cache: an executor's adapter, then each of its plugins in order. */
interface CacheNode {
  compiled?: Compiled
  next: WeakMap<object, CacheNode>
}

/** What SQLite and PostgreSQL bind alike: a value of another type would bind differently, or not at all. */
type Scalar = string | number | bigint | null

/**
 * A query of a fixed shape, built and compiled by Kysely once per executor, then run with new values.
 * Kysely builds and compiles a query anew on every call, about 8 µs each on the service's machine,
 * and an Eligibility runs several (docs/benchmarks.md): the hot path's queries are declared with
 * this instead. The builder is written as usual; `values` holds placeholders while it compiles.
 *
 * Only for queries whose SQL does not depend on the values (no `in` list of variable length, no
 * clause added or left out by a value). Misuse is refused loudly rather than run with a wrong SQL:
 * - the first compile checks that every value read reached the SQL as a parameter;
 * - the first run compiles the query again with the real values and checks it is the same SQL with
 *   the same parameters, so a value that also chose the query's shape is caught;
 * - every run refuses `undefined` (SQLite refuses to bind it, PostgreSQL binds NULL, which matches
 *   nothing) and any value other than a string, number, bigint or null.
 *
 * The SQL depends on the executor's dialect and plugins (`withSchema` is one), so it is cached by
 * the executor's adapter and then by each of its plugins: a transaction shares its database's, so
 * it shares its compiled SQL, while `db.withSchema(…)` gets its own.
 */
export function preparedQuery<V extends Record<string, unknown>, R>(build: (db: DbOrTrx, values: V) => Compilable<R>): (db: DbOrTrx, values: V) => Promise<QueryResult<R>> {
  const cache = new WeakMap<object, CacheNode>()

  const compile = (db: DbOrTrx, values: V): Compiled => {
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
    const bound = bind(compiled, values)
    const actual = build(db, values).compile()
    if (actual.sql !== query.sql || actual.parameters.length !== bound.length || actual.parameters.some((p, i) => p !== bound[i])) {
      throw new Error(`preparedQuery: the values chose the query's shape (compiled with placeholders: ${query.sql}; with the values: ${actual.sql}); build this query with Kysely on every call`)
    }
    return compiled
  }

  return (db, values) => {
    try {
      const node = cacheNode(cache, db.getExecutor())
      const compiled = node.compiled ?? (node.compiled = compile(db, values))
      return db.executeQuery<R>({ ...compiled.query, queryId: createQueryId(), parameters: bind(compiled, values) })
    } catch (error) {
      return Promise.reject(error)
    }
  }
}

function cacheNode(cache: WeakMap<object, CacheNode>, executor: QueryExecutor): CacheNode {
  let node = step(cache, executor.adapter)
  for (const plugin of executor.plugins) node = step(node.next, plugin)
  return node
}

function step(map: WeakMap<object, CacheNode>, key: object): CacheNode {
  let node = map.get(key)
  if (!node) map.set(key, (node = { next: new WeakMap() }))
  return node
}

function bind(compiled: Compiled, values: Record<string, unknown>): Scalar[] {
  return compiled.parameters.map((p) => ('name' in p ? scalar(p.name, values[p.name]) : (p.constant as Scalar)))
}

function scalar(name: string, value: unknown): Scalar {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return value
  if (value === undefined) throw new TypeError(`preparedQuery: the value "${name}" is undefined; pass null for SQL NULL`)
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value
  throw new TypeError(`preparedQuery: the value "${name}" is of type ${kind}; only a string, number, bigint or null can be bound`)
}
