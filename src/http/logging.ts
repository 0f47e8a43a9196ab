import { pino, type LoggerOptions, type Logger } from 'pino'
import { isPhoneLike, maskPhone, maskPhonesIn } from '../lib/phone.ts'

/**
 * Structured JSON logs: one line per request with its id; never a credential, never a full
 * phone number (URLs such as `/phone-numbers/%2B18005550100` or `?consumer=%2B1-415-555-0998` are
 * masked to the last 4 digits, whatever the number's separators and encoding).
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-twilio-signature"]', 'req.headers["x-hub-signature-256"]'], censor: '[redacted]' },
    serializers: {
      req(request: { method: string; url: string; id: string; ip?: string; headers?: Record<string, unknown> }) {
        return { id: request.id, method: request.method, url: redactUrl(request.url), remoteAddress: request.ip }
      },
    },
  }
}

/** The process's logger: the HTTP layer and background work (delivery, fallbacks) share it. */
export function createLogger(level: string): Logger {
  return pino(loggerOptions(level))
}

/** Phone numbers masked; Meta's webhook handshake carries the brand's verify token in the query. */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?')
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  const query = queryAt === -1 ? '' : url.slice(queryAt)
  const segments = path.split('/')
  const maskedPath = segments.map((segment, i) => (isAccountIdPosition(segments, i) ? segment : maskIfPhone(segment))).join('/')
  // Each value, and a parameter without one (`?14155550998`), is checked whole.
  const maskedQuery = query.replace(/([?&](?:[^=&]*=)?)([^&]*)/g, (_, name: string, value: string) => name + maskIfPhone(value))
  return maskPhonesIn(maskedPath + maskedQuery).replace(/(hub\.verify_token=)[^&]*/gi, '$1[redacted]')
}

/**
 * A whole path segment or query value that reads as a phone number once decoded — with or
 * without its plus (percent-encoded, fullwidth, or turned into a space by form decoding), with
 * or without separators — is masked as written.
 */
function maskIfPhone(raw: string): string {
  let decoded: string
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    return raw
  }
  return isPhoneLike(decoded) ? maskPhone(raw) : raw
}

/** The brand's site id (digits, like a phone number) is kept: `/api/account/{id}/…`, `/webhooks/{provider}/{id}/…`. */
function isAccountIdPosition(segments: string[], i: number): boolean {
  return segments[i - 1] === 'account' || (i === 3 && segments[1] === 'webhooks')
}
