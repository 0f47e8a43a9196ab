import type { FastifyInstance } from 'fastify'
import secureJson from 'secure-json-parse'
import { apiError } from '../shared/errors.ts'

// PostgreSQL text cannot hold U+0000, and no field of ours has a use for it: refusing it at the
// edge keeps a NUL from ever reaching a query, a stored message or a provider.
const NUL = '\u0000'

/**
 * No body of ours nests this deep (Meta's webhooks, the deepest, reach about 10 levels). A deeper
 * one is refused before anything walks it recursively: serialising it to store it (an SDE) would
 * overflow the stack.
 */
export const MAX_JSON_DEPTH = 16

function refuseNul(key: string, value: unknown): unknown {
  if (key.includes(NUL) || (typeof value === 'string' && value.includes(NUL))) throw apiError('invalidRequest', 'the NUL character is not accepted')
  return value
}

/**
 * JSON bodies parsed as Fastify does (prototype-poisoning keys refused) but without NUL
 * characters, and URLs refused when they carry an encoded NUL, so every route is covered.
 */
export function installStrictInput(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body)
    if (text.trim() === '') return done(apiError('invalidRequest', 'the body must be a JSON object'), undefined)
    try {
      // JSON can only carry a NUL as an escape (a raw one is not valid JSON): without one in the text, the reviver has nothing to refuse.
      const reviver = text.includes(NUL) || /\\u0000/i.test(text) ? refuseNul : undefined
      const value: unknown = secureJson.parse(text, reviver, { protoAction: 'error', constructorAction: 'error' })
      if (nestsDeeperThan(value, MAX_JSON_DEPTH)) return done(apiError('invalidRequest', `the body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined)
      done(null, value)
    } catch (error) {
      done(error instanceof Error && 'code' in error ? error : apiError('invalidRequest', 'the body is not valid JSON'), undefined)
    }
  })
  app.addHook('onRequest', async (request) => {
    if (/%00/i.test(request.url)) throw apiError('invalidRequest', 'the NUL character is not accepted')
  })
}

/** Whether objects and arrays nest more than `max` levels deep; iterative, so any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]]
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number]
    if (typeof current !== 'object' || current === null) continue
    if (depth >= max) return true
    for (const child of Array.isArray(current) ? current : Object.values(current)) pending.push([child, depth + 1])
  }
  return false
}
