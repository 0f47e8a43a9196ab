import { pino, type LoggerOptions, type Logger } from 'pino'
import { maskPhonesIn } from '../lib/phone.ts'

/**
 * Structured JSON logs: one line per request with its id; never a credential, never a full
 * phone number (URLs such as `/phone-numbers/%2B18005550100` are masked to the last 4 digits).
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
function redactUrl(url: string): string {
  return maskPhonesIn(url).replace(/(hub\.verify_token=)[^&]*/gi, '$1[redacted]')
}
