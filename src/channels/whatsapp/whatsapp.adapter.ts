import type { WhatsAppConnection } from '../connections/connection.ts'
import { type ChannelAdapter, DeliveryError, type DeliveryStatus, type SendResult } from '../channel-adapter.ts'
import { PROVIDER_TIMEOUT_MS, isTransientStatus, providerFetch, retryAfterMs } from '../http-errors.ts'
import { type Endpoint, type ProviderEndpoints, endpointOf } from '../provider-url.ts'
import type { OutboundMessage } from '../outbound-message.ts'

/** Statuses in the Cloud API's `statuses` webhook (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components). */
export type WhatsAppMessageStatus = 'sent' | 'delivered' | 'read' | 'failed'

export function mapWhatsAppStatus(status: WhatsAppMessageStatus): DeliveryStatus {
  switch (status) {
    case 'sent':
      return 'sent'
    case 'delivered':
      return 'delivered'
    case 'read':
      return 'read'
    case 'failed':
      return 'failed'
  }
}

/**
 * Cloud API error codes that mean "try again later" although they may come with a 4xx
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes): throttling and
 * temporary service problems. Everything else, e.g. 131026 (undeliverable) or 131047
 * (re-engagement window closed), is final.
 */
const TRANSIENT_CODES = new Set([4, 80007, 130429, 131000, 131016, 131048, 131056, 133004])

export interface WhatsAppAdapterOptions {
  /** How long one Graph API call may take, in ms; `PROVIDER_TIMEOUT_MS` by default. */
  timeoutMs?: number
}

/** Sends WhatsApp template messages through one brand's Cloud API number. */
export class WhatsAppAdapter implements ChannelAdapter {
  readonly provider = 'whatsapp'
  readonly #timeoutMs: number
  readonly #endpoint: Endpoint

  constructor(
    private readonly connection: Readonly<WhatsAppConnection>,
    endpoints: ProviderEndpoints,
    options: WhatsAppAdapterOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? PROVIDER_TIMEOUT_MS
    this.#endpoint = endpointOf(endpoints.whatsappApiUrl, connection.baseUrl, endpoints.providerUrlAllowlist)
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    // Free-form text only answers a consumer who just wrote (Meta's 24-hour customer service window); anything else needs a template.
    if (!message.wa && message.kind !== 'confirmation') throw new DeliveryError('permanent', 'no_template', 'a WhatsApp message needs a template')
    const { apiVersion, phoneNumberId, accessToken } = this.connection
    const payload = {
      messaging_product: 'whatsapp',
      to: message.to.replace(/^\+/, ''),
      ...(message.wa
        ? {
            type: 'template',
            template: {
              name: message.wa.templateName,
              language: { code: message.wa.language },
              components: message.wa.parameters.length > 0 ? [{ type: 'body', parameters: message.wa.parameters.map((text) => ({ type: 'text', text })) }] : [],
            },
          }
        : { type: 'text', text: { body: message.text } }),
    }
    const response = await providerFetch('whatsapp', this.#endpoint, `/${apiVersion}/${encodeURIComponent(phoneNumberId)}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    }, this.#timeoutMs)
    const body = (await response.json().catch(() => ({}))) as { messages?: Array<{ id?: string }>; error?: { code?: number; message?: string } }
    const id = body.messages?.[0]?.id
    if (response.ok && id) return { providerMessageId: id, status: 'queued' }
    const code = body.error?.code
    const transient = isTransientStatus(response.status) || (code !== undefined && TRANSIENT_CODES.has(code))
    throw new DeliveryError(transient ? 'transient' : 'permanent', code !== undefined ? String(code) : `http_${response.status}`, body.error?.message ?? `WhatsApp answered ${response.status}`, retryAfterMs(response.headers.get('retry-after')))
  }
}
