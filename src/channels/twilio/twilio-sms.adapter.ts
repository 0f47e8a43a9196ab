import type { TwilioConnection } from '../connections/connection.ts'
import { type ChannelAdapter, DeliveryError, type DeliveryStatus, type SendResult } from '../channel-adapter.ts'
import { PROVIDER_TIMEOUT_MS, isTransientStatus, providerFetch, retryAfterMs } from '../http-errors.ts'
import { type Endpoint, type ProviderEndpoints, endpointOf } from '../provider-url.ts'
import type { OutboundMessage } from '../outbound-message.ts'
import { twilioStatusCallback } from '../connections/webhook-urls.ts'

/** Twilio's message statuses (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values). */
export type TwilioMessageStatus =
  | 'accepted'
  | 'scheduled'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'receiving'
  | 'received'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'read'
  | 'canceled'
  | 'partially_delivered'

export function mapTwilioStatus(status: TwilioMessageStatus): DeliveryStatus {
  switch (status) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
    case 'sending':
      return 'queued'
    case 'sent':
      return 'sent'
    case 'delivered':
    case 'partially_delivered':
    case 'receiving':
    case 'received':
      return 'delivered'
    case 'read':
      return 'read'
    case 'undelivered':
      return 'undelivered'
    case 'failed':
    case 'canceled':
      return 'failed'
  }
}

export interface TwilioSmsAdapterOptions {
  /** How long one Messages API call may take, in ms; `PROVIDER_TIMEOUT_MS` by default. */
  timeoutMs?: number
}

/** Sends SMS through one brand's Twilio account (Messages API, form-encoded, Basic auth). */
export class TwilioSmsAdapter implements ChannelAdapter {
  readonly provider = 'twilio'
  readonly #timeoutMs: number
  readonly #endpoint: Endpoint

  constructor(
    private readonly accountId: string,
    private readonly connection: Readonly<TwilioConnection>,
    endpoints: ProviderEndpoints,
    /** PUBLIC_URL: without it Twilio cannot reach us, so no StatusCallback is requested. */
    private readonly publicUrl: string | undefined,
    options: TwilioSmsAdapterOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? PROVIDER_TIMEOUT_MS
    this.#endpoint = endpointOf(endpoints.twilioApiUrl, connection.baseUrl, endpoints.providerUrlAllowlist)
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const { accountSid, authToken } = this.connection
    const form = new URLSearchParams({ To: message.to, From: message.from, Body: message.text })
    if (this.publicUrl) form.set('StatusCallback', twilioStatusCallback(this.publicUrl, this.accountId))
    const response = await providerFetch('twilio', this.#endpoint, `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    }, this.#timeoutMs)
    const body = (await response.json().catch(() => ({}))) as { sid?: string; status?: TwilioMessageStatus; code?: number; message?: string }
    if (response.ok && body.sid) return { providerMessageId: body.sid, status: body.status ? mapTwilioStatus(body.status) : 'queued' }
    const code = body.code !== undefined ? String(body.code) : `http_${response.status}`
    // e.g. 21614 "not a mobile number" and 21610 "unsubscribed recipient" are 400s: final.
    const kind = isTransientStatus(response.status) ? 'transient' : 'permanent'
    throw new DeliveryError(kind, code, body.message ?? `Twilio answered ${response.status}`, retryAfterMs(response.headers.get('retry-after')))
  }
}
