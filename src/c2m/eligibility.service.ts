import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { Services } from '../runtime.ts'
import { hasOutboundSystemUser } from '../accounts/user.repository.ts'
import { listApps } from '../brand-config/catalog.repository.ts'
import { findSettings } from '../brand-config/settings.repository.ts'
import { appsWithDevice } from '../consumers/device.repository.ts'
import { isOptedOut } from '../consumers/opt-out.repository.ts'
import { findHandoff } from '../handoffs/handoff.repository.ts'
import { insertCall } from './call.repository.ts'
import { type ConsumerFacts, type EligibilityDecision, type EligibilityRequest, assertInappPreconditions, candidateChannels, decide } from './eligibility.ts'

export interface EligibilityResult extends Omit<EligibilityDecision, 'checks'> {
  callId: string
}

/**
 * Answers whether the caller can be moved to messaging, and stores the call's context (every
 * input, the handoff as it is now, each channel's verdict) in the same transaction, also when
 * the caller is not eligible: an invite can only follow a stored check.
 */
export async function checkEligibility(services: Services, accountId: string, request: EligibilityRequest, callTtlSeconds: number): Promise<EligibilityResult> {
  return services.db.transaction().execute(async (trx) => {
    const [hasOutboundUser, settings, handoff] = await Promise.all([
      hasOutboundSystemUser(trx, accountId),
      findSettings(trx, accountId),
      findHandoff(trx, accountId, request.handoffId),
    ])
    const brand = candidateChannels(request, { hasOutboundUser, settings, handoff })
    const { candidates } = brand

    const registered = candidates.includes('inapp') ? new Set((await listApps(trx, accountId)).map((a) => a.appId)) : new Set<string>()
    const existingApps = (brand.handoff.inapp?.appIds ?? []).filter((id) => registered.has(id))
    assertInappPreconditions(candidates, request, existingApps)

    const phone = request.consumerPhoneNumber
    const sms = brand.handoff.sms
    const wa = brand.handoff.wa
    const consumer: ConsumerFacts = {
      optedOut: {
        sms: candidates.includes('sms') && sms !== undefined && (await isOptedOut(trx, accountId, phone, 'sms', sms.fromNumber)),
        wa: candidates.includes('wa') && wa !== undefined && (await isOptedOut(trx, accountId, phone, 'wa', wa.fromNumber)),
      },
      lineType: brand.settings.deviceCheck ? parsePhoneNumberFromString(phone)?.getType() : undefined,
      consumerId: request.consumerId,
      existingApps,
      appsWithDevice: request.consumerId && existingApps.length > 0 ? await appsWithDevice(trx, accountId, request.consumerId, existingApps) : [],
    }
    const decision = decide(candidates, brand.disabled, brand.handoff, brand.settings, consumer)

    const now = services.clock.now()
    const callId = services.ids.uuid()
    await insertCall(trx, {
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
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + callTtlSeconds * 1000).toISOString(),
      invitedAt: null,
      inviteChannel: null,
      inviteSkill: null,
      inviteOverrideMessage: null,
    })
    return { callId, availableChannels: decision.availableChannels, recommendedChannelName: decision.recommendedChannelName, eligible: decision.eligible }
  })
}
