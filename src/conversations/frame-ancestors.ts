/**
 * The origins a brand lets frame its CX widget page, as they go into the page's
 * `Content-Security-Policy: frame-ancestors …`: `https://host[:port]` exactly, lower case, with at
 * most a leading `*.` subdomain wildcard under a name of two labels or more; `http://` only for
 * `localhost` and `127.0.0.1` (development). No path, query, credentials, space or `;` can pass,
 * so a stored origin can never add a directive to the header.
 */

export const MAX_FRAME_ANCESTORS = 10
export const MAX_FRAME_ANCESTOR_LENGTH = 200

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
/** 1 to 65535, without leading zeros. */
const PORT = '(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?'

/** The rule as a JSON-schema pattern (the TypeBox body uses it, so a refusal names the field). */
export const FRAME_ANCESTOR_PATTERN = `^(?:https://(?:\\*\\.${LABEL}(?:\\.${LABEL})+|(?:${LABEL}\\.)*${LABEL})|http://(?:localhost|127\\.0\\.0\\.1))${PORT}$`

const ORIGIN = new RegExp(FRAME_ANCESTOR_PATTERN)

export function isFrameAncestorOrigin(value: string): boolean {
  return value.length <= MAX_FRAME_ANCESTOR_LENGTH && ORIGIN.test(value)
}

/** The page's `frame-ancestors` source list: the brand's origins, or `'none'`. */
export function frameAncestorsDirective(origins: readonly string[]): string {
  const allowed = origins.filter(isFrameAncestorOrigin).slice(0, MAX_FRAME_ANCESTORS)
  return allowed.length === 0 ? "'none'" : allowed.join(' ')
}
