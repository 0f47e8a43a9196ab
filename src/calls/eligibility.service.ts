import type { AppContext } from '../context.ts'
import { hasOutboundSystemUser } from '../accounts/user.repository.ts'
import { listApps } from '../brand-config/catalog.repository.ts'
import { findSettings } from '../brand-config/settings.repository.ts'
import { undeliverableChannels } from '../brand-config/channel-mode.repository.ts'
import { appsWithDevice } from '../contacts/device.repository.ts'
import { isOptedOut } from '../contacts/opt-out.repository.ts'
import { findHandoff } from '../handoffs/handoff.repository.ts'
import { insertCall } from './call.repository.ts'
import { type DeviceCheckOptions, checkDevice } from './device-check.ts'
import { isTemplateApproved } from '../whatsapp-templates/template.repository.ts'
import { type CallFacts, type EligibilityDecision, type EligibilityRequest, assertInappPreconditions, candidateChannels, decide } from './eligibility.ts'

export interface EligibilityResult extends Omit<EligibilityDecision, 'checks'> {
  callId: string
}

/**
 * Answers whether the caller can be moved to messaging, and stores the call's context (every
 * input, the handoff as it is now, each channel's verdict, the device check) with one atomic
 * insert, also when the caller is not eligible: an invite can only follow a stored check. The
 * reads run outside any transaction so a line-type lookup never holds the store.
 */
export async function checkEligibility(services: Pick<AppContext, 'db' | 'clock' | 'ids' | 'logger' | 'lineTypes'>, accountId: string, request: EligibilityRequest, options: { callTtlSeconds: number; deviceCheck: DeviceCheckOptions }): Promise<EligibilityResult> {
  const db = services.db
  const [hasOutboundUser, settings, handoff] = await Promise.all([hasOutboundSystemUser(db, accountId), findSettings(db, accountId), findHandoff(db, accountId, request.handoffId)])
  const brand = candidateChannels(request, { hasOutboundUser, settings, handoff })
  const { candidates } = brand

  const registered = candidates.includes('inapp') ? new Set((await listApps(db, accountId)).map((a) => a.appId)) : new Set<string>()
  const existingApps = (brand.handoff.inapp?.appIds ?? []).filter((id) => registered.has(id))
  assertInappPreconditions(candidates, request, existingApps)

  const phone = request.consumerPhoneNumber
  const { sms, wa } = brand.handoff
  const needsLineType = brand.settings.deviceCheck && candidates.some((c) => c === 'sms' || c === 'wa')
  const withWa = candidates.includes('wa') && wa !== undefined
  const [smsOptedOut, waOptedOut, waTemplateApproved, device, appsReachable, undeliverable] = await Promise.all([
    candidates.includes('sms') && sms !== undefined ? isOptedOut(db, accountId, phone, 'sms', sms.fromNumber) : false,
    withWa ? isOptedOut(db, accountId, phone, 'wa', wa.fromNumber) : false,
    withWa ? isTemplateApproved(db, accountId, wa.templateName) : false,
    needsLineType ? checkDevice(services, accountId, phone, options.deviceCheck) : null,
    request.consumerId && existingApps.length > 0 ? appsWithDevice(db, accountId, request.consumerId, existingApps) : [],
    undeliverableChannels(db, accountId),
  ])
  const consumer: CallFacts = {
    waTemplateApproved,
    optedOut: { sms: smsOptedOut, wa: waOptedOut },
    textable: device?.textable ?? true,
    consumerId: request.consumerId,
    existingApps,
    appsWithDevice: appsReachable,
    undeliverable,
  }
  const decision = decide(candidates, brand.disabled, brand.handoff, brand.settings, consumer)

  const now = services.clock.now()
  const callId = services.ids.uuid()
  await insertCall(db, {
    id: callId,
    accountId,
    handoffId: brand.handoff.id,
    skill: request.skill,
    consumerPhone: phone,
    consumerId: request.consumerId ?? null,
    ivrNumber: request.ivrNumber ?? null,
    sdes: request.sdes ?? null,
    templateVariables: request.templateVariables ?? {},
    handoff: brand.handoff,
    availableChannels: decision.availableChannels,
    checks: decision.checks,
    eligible: decision.eligible,
    deviceCheck: device,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + options.callTtlSeconds * 1000).toISOString(),
    invitedAt: null,
    inviteChannel: null,
    inviteSkill: null,
    inviteOverrideMessage: null,
    inviteRefusal: null,
  })
  return { callId, availableChannels: decision.availableChannels, recommendedChannelName: decision.recommendedChannelName, eligible: decision.eligible }
}
