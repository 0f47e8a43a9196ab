import type { Channel } from '../shared/channel.ts'
import type { BrandSettings } from '../brand-config/settings.ts'
import type { Handoff } from '../handoffs/handoff.ts'
import { ApiError, ERRORS, apiError } from '../shared/errors.ts'

/** The body of `POST /eligibility`, as the C2M 2.0 API defines it. */
export interface EligibilityRequest {
  consumerPhoneNumber: string
  skill: string
  handoffId: string
  sdes?: Array<{ type: 'personal' | 'ctmrinfo'; info: Record<string, unknown> }>
  templateVariables?: Record<string, string>
  ivrNumber?: string
  consumerId?: string
}

/** Why a channel of the handoff is, or is not, offered for this call (stored with the call). */
export type ChannelCheck =
  | 'available'
  | 'disabled-in-settings'
  | 'opted-out'
  | 'landline'
  | 'not-configured'
  | 'template-not-approved'
  | 'no-consumer-id'
  | 'no-registered-device'
  /** The brand's channel is live but its provider connection is gone: nothing could deliver. */
  | 'no-provider-connection'

/** The brand as eligibility sees it: enough to pick candidate channels or refuse the call. */
export interface BrandFacts {
  hasOutboundUser: boolean
  settings: BrandSettings | undefined
  handoff: Handoff | undefined
}

/**
 * Step 3 and 4 of eligibility: the brand can take the call, the skill is routable with this
 * handoff, and which of the handoff's channels (in the handoff's order) the brand has enabled.
 */
export function candidateChannels(request: EligibilityRequest, brand: BrandFacts): { candidates: Channel[]; disabled: Channel[]; handoff: Handoff; settings: BrandSettings } {
  if (!brand.hasOutboundUser) throw apiError('noInternalUser')
  const { settings, handoff } = brand
  if (!settings) throw apiError('noSetting')
  if (!handoff) throw apiError('noHandoff')
  if (!isSkillAllowed(request.skill, settings, handoff)) throw noEngagementForSkill(request.skill)
  const enabled = new Set(settings.channels.filter((c) => c.enabled).map((c) => c.name))
  const candidates = handoff.channels.filter((c) => enabled.has(c))
  if (candidates.length === 0) throw apiError('noHandoffChannel')
  return { candidates, disabled: handoff.channels.filter((c) => !enabled.has(c)), handoff, settings }
}

/** A skill is routable when routing enables it and the handoff does not restrict it away. */
export function isSkillAllowed(skill: string, settings: BrandSettings, handoff: Pick<Handoff, 'skills'>): boolean {
  return settings.routing.skills.includes(skill) && (handoff.skills.length === 0 || handoff.skills.includes(skill))
}

export function noEngagementForSkill(skill: string): ApiError {
  return new ApiError(ERRORS.noEngagementForSkill, undefined, undefined, { skill })
}

/** What is known for this call on each candidate channel: mostly about the consumer. */
export interface CallFacts {
  /** Whether Meta still approves the handoff's WhatsApp template (it may pause or disable it later). */
  waTemplateApproved: boolean
  optedOut: { sms: boolean; wa: boolean }
  /** Whether a text can reach the number; only consulted when the brand has device check on. */
  textable: boolean
  consumerId: string | undefined
  /** The handoff's apps that still exist for the brand. */
  existingApps: string[]
  /** The handoff's apps on which the consumer has a registered device. */
  appsWithDevice: string[]
  /** The brand's channels that are live without a provider connection. */
  undeliverable?: readonly Channel[]
}

/** Step 5: each candidate channel checked for this consumer. */
export function checkChannel(channel: Channel, handoff: Handoff, settings: BrandSettings, consumer: CallFacts): ChannelCheck {
  if (consumer.undeliverable?.includes(channel)) return 'no-provider-connection'
  switch (channel) {
    case 'sms':
      if (!handoff.sms) return 'not-configured'
      if (consumer.optedOut.sms) return 'opted-out'
      if (settings.deviceCheck && !consumer.textable) return 'landline'
      return 'available'
    case 'wa':
      if (!handoff.wa?.fromNumber || !handoff.wa.templateName) return 'not-configured'
      if (!consumer.waTemplateApproved) return 'template-not-approved'
      if (consumer.optedOut.wa) return 'opted-out'
      if (settings.deviceCheck && !consumer.textable) return 'landline'
      return 'available'
    case 'inapp':
      if (!consumer.consumerId) return 'no-consumer-id'
      return consumer.appsWithDevice.length > 0 ? 'available' : 'no-registered-device'
  }
}

/**
 * In-app preconditions that are errors rather than unavailability: an in-app handoff needs the
 * consumerId to address the app user (400 1000), and at least one of its apps must still exist (1201).
 */
export function assertInappPreconditions(candidates: Channel[], request: EligibilityRequest, existingApps: string[]): void {
  if (!candidates.includes('inapp')) return
  if (!request.consumerId) throw apiError('invalidRequest', 'consumerId is required for an in-app handoff')
  if (existingApps.length === 0) throw apiError('noInternalApp')
}

export interface EligibilityDecision {
  availableChannels: Channel[]
  recommendedChannelName: Channel | ''
  eligible: boolean
  checks: Partial<Record<Channel, ChannelCheck>>
}

export function decide(candidates: Channel[], disabled: Channel[], handoff: Handoff, settings: BrandSettings, consumer: CallFacts): EligibilityDecision {
  const checks: Partial<Record<Channel, ChannelCheck>> = {}
  for (const channel of disabled) checks[channel] = 'disabled-in-settings'
  for (const channel of candidates) checks[channel] = checkChannel(channel, handoff, settings, consumer)
  const availableChannels = candidates.filter((c) => checks[c] === 'available')
  return { availableChannels, recommendedChannelName: availableChannels[0] ?? '', eligible: availableChannels.length > 0, checks }
}
