import type { Channel, Provider } from './connections.api.ts'

/** One field of a provider's connection form. */
export interface FormField {
  name: string
  label: string
  /** `secret`: a password input, never filled from the stored connection; `json-file`: a key file read in the browser. */
  kind: 'text' | 'secret' | 'json-file'
  required: boolean
  hint?: string
  /** Said instead of the schema's "must match pattern …". */
  patternMessage?: string
  /** An endpoint instead of the operator's: under "Other endpoints", closed unless one is set. */
  endpoint?: boolean
}

/** A value of the stored connection as shown: secrets come masked from the server. */
export interface ShownValue {
  label: string
  value: (connection: Record<string, unknown>) => unknown
}

export interface ProviderSpec {
  provider: Provider
  name: string
  /** What it carries, under the name. */
  serves: string
  channel: Channel
  channelName: string
  fields: FormField[]
  shown: ShownValue[]
  /** How to use each webhook the service answers for this provider. */
  webhooks: Partial<Record<'inbound' | 'status', { label: string; how: string }>>
  /** Said where the webhooks are, for a provider that calls none. */
  noWebhooks?: string
}

const field = (connection: Record<string, unknown>, name: string) => connection[name]
const serviceAccount = (connection: Record<string, unknown>) => (connection.serviceAccount ?? {}) as Record<string, unknown>

export const PROVIDERS: readonly ProviderSpec[] = [
  {
    provider: 'twilio',
    name: 'Twilio',
    serves: 'SMS, and the line-type lookups of device check',
    channel: 'sms',
    channelName: 'SMS',
    fields: [
      { name: 'accountSid', label: 'Account SID', kind: 'text', required: true, hint: 'AC and 32 hexadecimal characters, from the Twilio console', patternMessage: 'An Account SID is AC followed by 32 hexadecimal characters.' },
      { name: 'authToken', label: 'Auth token', kind: 'secret', required: true, hint: 'Shown masked once saved; enter it again to change anything here' },
      { name: 'helpText', label: 'Reply to HELP and INFO', kind: 'text', required: false, hint: 'Up to 320 characters; a standard reply when left empty' },
      { name: 'baseUrl', label: 'Messages API origin', kind: 'text', required: false, endpoint: true, hint: 'e.g. a regional edge, https://api.dublin.ie1.twilio.com' },
      { name: 'lookupBaseUrl', label: 'Lookup API origin', kind: 'text', required: false, endpoint: true },
    ],
    shown: [
      { label: 'Account SID', value: (c) => field(c, 'accountSid') },
      { label: 'Auth token', value: (c) => field(c, 'authToken') },
      { label: 'Reply to HELP and INFO', value: (c) => field(c, 'helpText') },
      { label: 'Messages API origin', value: (c) => field(c, 'baseUrl') },
      { label: 'Lookup API origin', value: (c) => field(c, 'lookupBaseUrl') },
    ],
    webhooks: {
      inbound: {
        label: 'A message comes in',
        how: 'In the Twilio console, set each sending number\'s "A message comes in" webhook to this URL, with HTTP POST.',
      },
      status: {
        label: 'Status callback',
        how: 'Nothing to paste: each message asks Twilio to report its delivery here.',
      },
    },
  },
  {
    provider: 'whatsapp',
    name: 'WhatsApp',
    serves: 'WhatsApp messages and templates, through Meta\'s Cloud API',
    channel: 'wa',
    channelName: 'WhatsApp',
    fields: [
      { name: 'phoneNumberId', label: 'Phone number ID', kind: 'text', required: true, hint: 'Digits, from the WhatsApp Manager', patternMessage: 'A phone number ID is made of digits only.' },
      { name: 'wabaId', label: 'WhatsApp Business Account ID', kind: 'text', required: true, hint: 'Digits', patternMessage: 'A WhatsApp Business Account ID is made of digits only.' },
      { name: 'accessToken', label: 'Access token', kind: 'secret', required: true, hint: 'A system user\'s permanent token' },
      { name: 'appSecret', label: 'App secret', kind: 'secret', required: true, hint: 'Checks the signature of Meta\'s webhooks' },
      { name: 'verifyToken', label: 'Verify token', kind: 'secret', required: true, hint: 'A secret you choose: enter the same one in Meta\'s webhook configuration' },
      { name: 'apiVersion', label: 'Graph API version', kind: 'text', required: false, hint: 'e.g. v21.0 (the default)', patternMessage: 'A version looks like v21.0.' },
      { name: 'baseUrl', label: 'Graph API origin', kind: 'text', required: false, endpoint: true },
    ],
    shown: [
      { label: 'Phone number ID', value: (c) => field(c, 'phoneNumberId') },
      { label: 'WhatsApp Business Account ID', value: (c) => field(c, 'wabaId') },
      { label: 'Access token', value: (c) => field(c, 'accessToken') },
      { label: 'App secret', value: (c) => field(c, 'appSecret') },
      { label: 'Verify token', value: (c) => field(c, 'verifyToken') },
      { label: 'Graph API version', value: (c) => field(c, 'apiVersion') },
      { label: 'Graph API origin', value: (c) => field(c, 'baseUrl') },
    ],
    webhooks: {
      inbound: {
        label: 'Callback URL',
        how: 'In your Meta app\'s WhatsApp configuration, set the callback URL to this one with your verify token, and subscribe to the messages and message_template_status_update fields. Save the connection first: Meta checks the verify token at once.',
      },
    },
  },
  {
    provider: 'fcm',
    name: 'Firebase Cloud Messaging',
    serves: 'In-app messages, pushed to your apps',
    channel: 'inapp',
    channelName: 'App Messaging',
    fields: [
      { name: 'projectId', label: 'Firebase project ID', kind: 'text', required: true, hint: 'e.g. my-project', patternMessage: 'A project ID is 6 to 30 lower-case letters, digits and hyphens, starting with a letter.' },
      { name: 'serviceAccount', label: 'Service account key (JSON file)', kind: 'json-file', required: true, hint: 'The key file the Firebase console downloads; read here, sent once, never shown back' },
      { name: 'notificationTitle', label: 'Notification title', kind: 'text', required: false, hint: 'Without one the phone shows the app\'s name' },
      { name: 'baseUrl', label: 'FCM API origin', kind: 'text', required: false, endpoint: true },
      { name: 'tokenUrl', label: 'Token endpoint (full URL)', kind: 'text', required: false, endpoint: true },
    ],
    shown: [
      { label: 'Firebase project ID', value: (c) => field(c, 'projectId') },
      { label: 'Service account', value: (c) => serviceAccount(c).client_email },
      { label: 'Key ID', value: (c) => serviceAccount(c).private_key_id },
      { label: 'Private key', value: (c) => serviceAccount(c).private_key },
      { label: 'Notification title', value: (c) => field(c, 'notificationTitle') },
      { label: 'FCM API origin', value: (c) => field(c, 'baseUrl') },
      { label: 'Token endpoint', value: (c) => field(c, 'tokenUrl') },
    ],
    webhooks: {},
    noWebhooks:
      'FCM calls no webhook. Your app reports when a push arrives and when it is read, with POST /api/account/{accountId}/inapp/messages/{messageId}/status.',
  },
]
