import { createHmac, randomBytes } from 'node:crypto'

// Standard Webhooks, symmetric scheme (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
// HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}` keyed with the base64 bytes after
// `whsec_`, sent as `v1,<base64>`; the timestamp is the attempt's, in seconds, so a retry is
// signed again while its id stays the same.

const PREFIX = 'whsec_'

/** A new signing secret: 32 random bytes (the specification asks for 24 to 64), base64, prefixed `whsec_`. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64')
}

/** `v1,<base64 HMAC-SHA256>` of one attempt. */
export function webhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  if (!secret.startsWith(PREFIX)) throw new Error('a webhook secret starts with whsec_')
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64')
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')
}

/** The three headers of one attempt, the content type beside them. */
export function webhookHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000)
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': webhookSignature(secret, id, timestamp, body),
  }
}
