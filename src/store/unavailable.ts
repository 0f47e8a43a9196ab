import SQLite from 'better-sqlite3'
import pg from 'pg'

/**
 * Whether an error was raised by the store and means it cannot be reached or cannot take work
 * right now, as opposed to a query that is wrong: the caller then gets 503 5003 and may retry,
 * instead of a 500. Only the drivers' own errors count:
 *
 * - PostgreSQL's answers (pg's `DatabaseError`): SQLSTATE class 08 (connection exception),
 *   57P01-57P03 (admin or crash shutdown, cannot connect now), 53300 (too many connections);
 * - pg's own connection errors, which carry no code (a pool connect timing out, a connection
 *   terminated under a query);
 * - the driver's socket failing: a system error (it names the `syscall` that failed — connect,
 *   read, write, getaddrinfo) that was refused, reset, timed out or found no route. The client's
 *   own connection failing is not one: Node reports a client that reset its request as an
 *   `aborted` error with no syscall, and Fastify marks it with a 4xx `statusCode`;
 * - SQLite's `SQLITE_BUSY`, which better-sqlite3 raises only once its busy timeout has run out.
 */
export function isStoreUnavailable(error: unknown): boolean {
  // A failure inside a transaction or a pool wrapper may carry the real cause one level down.
  for (let current = error, depth = 0; isObject(current) && depth < 4; current = current.cause, depth++) {
    if (hasHttpStatus(current)) return false
    if (current instanceof pg.DatabaseError) {
      if (isUnavailableSqlState(current.code)) return true
    } else if (current instanceof SQLite.SqliteError) {
      if (current.code === 'SQLITE_BUSY' || current.code.startsWith('SQLITE_BUSY_')) return true
    } else if (isSocketFailure(current) || isPgConnectionMessage(current.message)) return true
    if (current instanceof AggregateError && current.errors.some((inner) => isStoreUnavailable(inner))) return true
  }
  return false
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED'])
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300'])

function isUnavailableSqlState(code: unknown): boolean {
  return typeof code === 'string' && (PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code))
}

function isSocketFailure(error: { code?: unknown; syscall?: unknown }): boolean {
  return typeof error.syscall === 'string' && typeof error.code === 'string' && NETWORK_CODES.has(error.code)
}

/** An error of the HTTP exchange with our own client (a body that could not be read, say), never the store's. */
function hasHttpStatus(error: { statusCode?: unknown }): boolean {
  return typeof error.statusCode === 'number'
}

// pg raises these as plain Errors: a connect past `connectionTimeoutMillis` (also while waiting
// for a free pool client), and a connection closed by the server or the network mid-query.
const PG_CONNECTION_MESSAGES = [/^Connection terminated/, /^timeout exceeded when trying to connect$/, /^Client has encountered a connection error and is not queryable$/, /^Query read timeout$/]

function isPgConnectionMessage(message: unknown): boolean {
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.some((pattern) => pattern.test(message))
}

function isObject(value: unknown): value is { code?: unknown; syscall?: unknown; statusCode?: unknown; message?: unknown; cause?: unknown } {
  return typeof value === 'object' && value !== null
}
