import type { Channel } from '../shared/channel.ts'
import type { OutboundMessage } from '../channels/outbound-message.ts'
import type { Handoff } from '../handoffs/handoff.ts'

/** Fills `{{n}}` placeholders from the IVR's template variables; an unknown placeholder becomes empty. */
export function fillPlaceholders(text: string, variables: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => variables[name] ?? '')
}

/**
 * WA template parameters: the handoff's variables overlaid by the call's, in placeholder order.
 * WhatsApp refuses a send whose parameter count is not the template's, so with the template's
 * count known there are exactly that many (variables beyond it are dropped, missing ones empty).
 */
export function templateParameters(handoffVariables: Record<string, string>, callVariables: Record<string, string>, parameterCount?: number): string[] {
  const merged: Record<string, string> = { ...handoffVariables }
  for (const [key, value] of Object.entries(callVariables)) if (/^[1-9]\d*$/.test(key)) merged[key] = value
  const count = parameterCount ?? Math.max(0, ...Object.keys(merged).map(Number))
  return Array.from({ length: count }, (_, i) => merged[String(i + 1)] ?? '')
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

/** Renders the first outbound message of an invite, once; the outbox stores the result. */
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
