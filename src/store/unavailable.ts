/**
 * Whether an error means the store cannot be reached or cannot take work right now, as opposed
 * to a query that is wrong: the caller then gets 503 5003 and may retry, instead of a 500.
 *
 * - network: the connection was refused, reset, timed out, or the host is unreachable;
 * - PostgreSQL: SQLSTATE class 08 (connection exception), 57P01-57P03 (admin or crash shutdown,
 *   cannot connect now), 53300 (too many connections), and the pg driver's own connection errors,
 *   which carry no code (a pool connect timing out, a connection terminated under a query);
 * - SQLite: SQLITE_BUSY, which better-sqlite3 raises only once its busy timeout has run out.
 */
export function isStoreUnavailable(error: unknown): boolean {
  // A failure inside a transaction or a pool wrapper may carry the real cause one level down.
  for (let current = error, depth = 0; isObject(current) && depth < 4; current = current.cause, depth++) {
    if (isUnavailableCode(current.code) || isPgConnectionMessage(current.message)) return true
    if (current instanceof AggregateError && current.errors.some((inner) => isStoreUnavailable(inner))) return true
  }
  return false
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED'])
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300'])

function isUnavailableCode(code: unknown): boolean {
  if (typeof code !== 'string') return false
  if (NETWORK_CODES.has(code) || PG_UNAVAILABLE.has(code)) return true
  if (/^08[0-9A-Z]{3}$/.test(code)) return true
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')
}

// pg raises these as plain Errors: a connect past `connectionTimeoutMillis` (also while waiting
// for a free pool client), and a connection closed by the server or the network mid-query.
const PG_CONNECTION_MESSAGES = [/^Connection terminated/, /^timeout exceeded when trying to connect$/, /^Client has encountered a connection error and is not queryable$/, /^Query read timeout$/]

function isPgConnectionMessage(message: unknown): boolean {
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.some((pattern) => pattern.test(message))
}

function isObject(value: unknown): value is { code?: unknown; message?: unknown; cause?: unknown } {
  return typeof value === 'object' && value !== null
}
