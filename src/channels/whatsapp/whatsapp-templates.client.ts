import type { WhatsAppConnection } from '../connections/connection.ts'
import { DeliveryError } from '../channel-adapter.ts'
import { PROVIDER_TIMEOUT_MS, isTransientStatus, providerFetch } from '../http-errors.ts'
import { type Endpoint, type ProviderEndpoints, endpointOf } from '../provider-url.ts'
import { type WaTemplate, type WaTemplateStatus, placeholderCount } from '../../whatsapp-templates/template.ts'

// Meta's template management API (https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates):
// create on the WhatsApp Business Account, edit (after a rejection) and read by the template's id.

/** Why Meta did not take a template: `refused` (4xx: the brand must change something) or `unavailable` (try again). */
export class TemplateApiError extends Error {
  override name = 'TemplateApiError'
  constructor(
    readonly kind: 'refused' | 'unavailable',
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Meta's view of a template after a submit or a read. */
export interface MetaTemplateState {
  metaTemplateId: string
  status: WaTemplateStatus | undefined
  rejectedReason?: string
}

/**
 * Meta's template statuses and `message_template_status_update` events, as ours. FLAGGED (quality
 * dropping, still sendable), LOCKED/UNLOCKED (editing) and ARCHIVED/UNARCHIVED do not change what can
 * be sent today: undefined, the template keeps its status.
 */
export function mapMetaTemplateStatus(event: string): WaTemplateStatus | undefined {
  switch (event) {
    case 'APPROVED':
    case 'REINSTATED':
      return 'APPROVED'
    case 'REJECTED':
      return 'REJECTED'
    case 'PENDING':
    case 'IN_APPEAL':
      return 'PENDING'
    case 'PAUSED':
      return 'PAUSED'
    case 'DISABLED':
    case 'PENDING_DELETION':
    case 'DELETED':
      return 'DISABLED'
    default:
      return undefined
  }
}

export class WhatsAppTemplatesClient {
  readonly #endpoint: Endpoint

  constructor(
    private readonly connection: Readonly<WhatsAppConnection>,
    endpoints: ProviderEndpoints,
    private readonly timeoutMs = PROVIDER_TIMEOUT_MS,
  ) {
    this.#endpoint = endpointOf(endpoints.whatsappApiUrl, connection.baseUrl, endpoints.providerUrlAllowlist)
  }

  /** Sends the template for review: a new one is created on its WABA, a rejected one is edited in place. */
  async submit(template: WaTemplate, metaTemplateId: string | undefined): Promise<MetaTemplateState> {
    const body = { type: 'BODY', text: template.body, ...(placeholderCount(template.body) > 0 ? { example: { body_text: [template.examples ?? []] } } : {}) }
    if (metaTemplateId) {
      await this.#call('POST', `/${encodeURIComponent(metaTemplateId)}`, { category: template.category, components: [body] })
      // An edited template goes back to review.
      return { metaTemplateId, status: 'PENDING' }
    }
    const created = (await this.#call('POST', `/${encodeURIComponent(template.wabaId)}/message_templates`, {
      name: template.name,
      language: template.language,
      category: template.category,
      components: [body],
    })) as { id?: unknown; status?: unknown }
    if (typeof created.id !== 'string' && typeof created.id !== 'number') throw new TemplateApiError('unavailable', 'no_id', 'Meta answered without a template id')
    return { metaTemplateId: String(created.id), status: typeof created.status === 'string' ? mapMetaTemplateStatus(created.status) : 'PENDING' }
  }

  /** Reads the template's review status from Meta, for brands whose webhook is not set up yet. */
  async read(metaTemplateId: string): Promise<MetaTemplateState> {
    const read = (await this.#call('GET', `/${encodeURIComponent(metaTemplateId)}?fields=name,language,status,rejected_reason`)) as { status?: unknown; rejected_reason?: unknown }
    const reason = typeof read.rejected_reason === 'string' && read.rejected_reason !== 'NONE' ? read.rejected_reason : undefined
    return { metaTemplateId, status: typeof read.status === 'string' ? mapMetaTemplateStatus(read.status) : undefined, ...(reason ? { rejectedReason: reason } : {}) }
  }

  async #call(method: 'GET' | 'POST', path: string, payload?: object): Promise<unknown> {
    const { apiVersion, accessToken } = this.connection
    let response: Response
    try {
      response = await providerFetch('whatsapp', this.#endpoint, `/${apiVersion}${path}`, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
        ...(payload ? { body: JSON.stringify(payload) } : {}),
      }, this.timeoutMs)
    } catch (error) {
      // A brand-chosen endpoint the service refuses stays refused; no answer may come next time.
      if (error instanceof DeliveryError) throw new TemplateApiError(error.kind === 'permanent' ? 'refused' : 'unavailable', error.code, error.message)
      throw error
    }
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: number; error_subcode?: number; message?: string; error_user_title?: string; error_user_msg?: string } }
    if (response.ok) return body
    const error = body.error
    const code = error?.code !== undefined ? `${error.code}${error.error_subcode !== undefined ? `/${error.error_subcode}` : ''}` : `http_${response.status}`
    // The template API explains itself to people in error_user_title/error_user_msg.
    const message = [error?.error_user_title, error?.error_user_msg].filter(Boolean).join(': ') || error?.message || `Meta answered ${response.status}`
    throw new TemplateApiError(isTransientStatus(response.status) ? 'unavailable' : 'refused', code, message)
  }
}
