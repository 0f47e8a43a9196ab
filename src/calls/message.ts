import type { Channel } from '../shared/channel.ts'
import type { OutboundMessage } from '../channels/outbound-message.ts'
import { type Handoff, SMS_MAX_LENGTH } from '../handoffs/handoff.ts'
import { TEMPLATE_BODY_MAX_LENGTH } from '../whatsapp-templates/template.ts'

/**
 * Fills `{{name}}` placeholders from the IVR's template variables; an unknown placeholder becomes
 * empty. Only the variables' own properties count: `{{constructor}}` or `{{toString}}` must not
 * reach the consumer as `function Object() { [native code] }`.
 */
export function fillPlaceholders(text: string, variables: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => (Object.hasOwn(variables, name) ? variables[name]! : ''))
}

/**
 * The highest placeholder number a template body can hold: each `{{n}}` takes at least five of
 * its 1,024 characters. A parameter numbered beyond it cannot belong to any template.
 */
export const MAX_TEMPLATE_PARAMETERS = Math.floor(TEMPLATE_BODY_MAX_LENGTH / '{{1}}'.length)

/**
 * WA template parameters: the handoff's variables overlaid by the call's, in placeholder order.
 * WhatsApp refuses a send whose parameter count is not the template's, so with the template's
 * count known there are exactly that many (variables beyond it are dropped, missing ones empty).
 * Without it (a template whose text is unknown), the highest variable number counts, up to
 * `MAX_TEMPLATE_PARAMETERS`: a call's `{"99999999": "x"}` must not become a hundred million values.
 */
export function templateParameters(handoffVariables: Record<string, string>, callVariables: Record<string, string>, parameterCount?: number): string[] {
  const values = new Map<number, string>()
  for (const variables of [handoffVariables, callVariables]) {
    for (const [key, value] of Object.entries(variables)) {
      if (/^[1-9]\d*$/.test(key) && Number(key) <= MAX_TEMPLATE_PARAMETERS) values.set(Number(key), value)
    }
  }
  const count = parameterCount ?? Math.max(0, ...values.keys())
  return Array.from({ length: count }, (_, i) => values.get(i + 1) ?? '')
}

export interface InviteContent {
  channel: Channel
  handoff: Handoff
  consumerPhone: string
  consumerId: string | null
  templateVariables: Record<string, string>
  skill: string
  /** Replaces the handoff's SMS text; ignored on other channels. */
  overrideMessage?: string
  /** Apps of the handoff on which the consumer has a device, for in-app delivery. */
  inappAppIds: string[]
}

/**
 * Renders the first outbound message of an invite, once; the outbox stores the result. Filling
 * placeholders can make it longer than any channel takes: `renderedMessageViolation` says so.
 */
export function renderMessage(id: string, accountId: string, callId: string, content: InviteContent): OutboundMessage {
  const { channel, handoff, templateVariables } = content
  const base = { id, accountId, kind: 'invitation' as const, callId, channel, skill: content.skill, lookbackMinutes: handoff.lookbackMinutes }
  switch (channel) {
    case 'sms': {
      const sms = handoff.sms!
      const body = fillPlaceholders(content.overrideMessage ?? sms.message, templateVariables)
      return { ...base, to: content.consumerPhone, from: sms.fromNumber, text: `${body}\n${sms.optOutText}` }
    }
    case 'wa': {
      const wa = handoff.wa!
      const parameters = templateParameters(wa.variables, templateVariables, wa.parameterCount)
      const preview = `[template ${wa.templateName} (${wa.language})]${parameters.map((p, i) => ` {{${i + 1}}}=${p}`).join('')}`
      return { ...base, to: content.consumerPhone, from: wa.fromNumber, text: preview, wa: { templateName: wa.templateName, language: wa.language, parameters } }
    }
    case 'inapp': {
      const inapp = handoff.inapp!
      return { ...base, to: content.consumerId ?? '', from: content.inappAppIds.join(','), text: inapp.message, inapp: { appIds: content.inappAppIds } }
    }
  }
}

/** Characters as the request schemas count them (`maxLength`): Unicode code points. */
function characters(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

function grouped(count: number): string {
  return count.toLocaleString('en-US')
}

/**
 * Why a rendered message cannot be sent as it is, or undefined. It is refused whole, never cut:
 * - an SMS (opt-out text included) is at most 1,600 characters, the limit of its inputs and of
 *   Twilio's Messages API (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource);
 * - a WhatsApp template's parameters together at most 1,024 characters: the body they fill is
 *   at most that long (https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates)
 *   and Meta refuses a longer one (error 132005), so a send they would overflow cannot succeed;
 * - an in-app text at most 1,600 characters, as the handoff's rules allow.
 */
export function renderedMessageViolation(message: OutboundMessage): string | undefined {
  switch (message.channel) {
    case 'sms':
    case 'inapp': {
      const length = characters(message.text)
      if (length <= SMS_MAX_LENGTH) return undefined
      const what = message.channel === 'sms' ? 'SMS' : 'in-app message'
      return `the rendered ${what} is ${grouped(length)} characters, more than ${grouped(SMS_MAX_LENGTH)}`
    }
    case 'wa': {
      const length = (message.wa?.parameters ?? []).reduce((sum, parameter) => sum + characters(parameter), 0)
      if (length <= TEMPLATE_BODY_MAX_LENGTH) return undefined
      return `the rendered WhatsApp template parameters are ${grouped(length)} characters, more than the ${grouped(TEMPLATE_BODY_MAX_LENGTH)} of a template body`
    }
  }
}
