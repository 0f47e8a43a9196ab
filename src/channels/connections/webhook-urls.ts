import type { Provider } from './connection.ts'

/**
 * What a provider calls us at: `inbound`, the URL the brand pastes into the provider's console
 * (Twilio's "A message comes in", Meta's callback URL); `status`, the URL we name ourselves with
 * each message (Twilio's StatusCallback), shown for reference. The routes are registered in
 * `twilio/twilio.webhooks.ts` and `whatsapp/whatsapp.webhooks.ts`.
 */
export interface ProviderWebhook {
  name: 'inbound' | 'status'
  url: string
}

/** The webhooks of one provider under `origin` (PUBLIC_URL, or the request's own); FCM calls none. */
export function providerWebhooks(origin: string, accountId: string, provider: Provider): ProviderWebhook[] {
  const account = encodeURIComponent(accountId)
  switch (provider) {
    case 'twilio':
      return [
        { name: 'inbound', url: `${origin}/webhooks/twilio/${account}/inbound` },
        { name: 'status', url: twilioStatusCallback(origin, accountId) },
      ]
    case 'whatsapp':
      return [{ name: 'inbound', url: `${origin}/webhooks/whatsapp/${account}` }]
    case 'fcm':
      // FCM never calls back: the brand's app reports deliveries itself (the in-app receipts API).
      return []
  }
}

/** The StatusCallback each Twilio send asks for. */
export function twilioStatusCallback(origin: string, accountId: string): string {
  return `${origin}/webhooks/twilio/${encodeURIComponent(accountId)}/status`
}
