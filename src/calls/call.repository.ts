import type { Selectable } from 'kysely'
import type { Channel } from '../shared/channel.ts'
import type { Handoff } from '../handoffs/handoff.ts'
import type { DbOrTrx } from '../store/database.ts'
import { groupCommitted } from '../store/group-commit.ts'
import { preparedQuery } from '../store/prepared-query.ts'
import type { CallTable } from '../store/schema.ts'
import type { DeviceCheck } from './device-check.ts'
import type { ChannelCheck, EligibilityRequest } from './eligibility.ts'

/** The context of one eligibility check, kept for the invite that may follow. */
export interface Call {
  id: string
  accountId: string
  handoffId: string
  skill: string
  consumerPhone: string
  consumerId: string | null
  ivrNumber: string | null
  sdes: EligibilityRequest['sdes'] | null
  templateVariables: Record<string, string>
  handoff: Handoff
  availableChannels: Channel[]
  checks: Partial<Record<Channel, ChannelCheck>>
  eligible: boolean
  /** How the line type was settled; null when device check did not run. */
  deviceCheck: DeviceCheck | null
  createdAt: string
  expiresAt: string
  invitedAt: string | null
  inviteChannel: Channel | null
  inviteSkill: string | null
  /** The invite's `overrideMessage`, for SMS. */
  inviteOverrideMessage: string | null
  /** Why an invitation was refused (a conversation was active), when one was. */
  inviteRefusal: string | null
}

function toCall(row: Selectable<CallTable>): Call {
  return {
    id: row.id,
    accountId: row.account_id,
    handoffId: row.handoff_id,
    skill: row.skill,
    consumerPhone: row.consumer_phone,
    consumerId: row.consumer_id,
    ivrNumber: row.ivr_number,
    sdes: row.sdes ? JSON.parse(row.sdes) : null,
    templateVariables: JSON.parse(row.template_variables),
    handoff: JSON.parse(row.handoff),
    availableChannels: JSON.parse(row.available_channels),
    checks: JSON.parse(row.channel_checks),
    eligible: row.eligible === 1,
    deviceCheck: row.device_check ? JSON.parse(row.device_check) : null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    invitedAt: row.invited_at,
    inviteChannel: row.invite_channel as Channel | null,
    inviteSkill: row.invite_skill,
    inviteOverrideMessage: row.invite_override_message,
    inviteRefusal: row.invite_refusal,
  }
}

// Prepared: every eligibility stores its call. The columns an eligibility leaves empty are constants.
const insertCallRow = preparedQuery((db, v: Omit<Selectable<CallTable>, 'invited_at' | 'invite_channel' | 'invite_skill' | 'invite_override_message' | 'invite_refusal'>) =>
  db.insertInto('calls').values({
    id: v.id,
    account_id: v.account_id,
    handoff_id: v.handoff_id,
    skill: v.skill,
    consumer_phone: v.consumer_phone,
    consumer_id: v.consumer_id,
    ivr_number: v.ivr_number,
    sdes: v.sdes,
    template_variables: v.template_variables,
    handoff: v.handoff,
    available_channels: v.available_channels,
    channel_checks: v.channel_checks,
    eligible: v.eligible,
    device_check: v.device_check,
    created_at: v.created_at,
    expires_at: v.expires_at,
    invited_at: null,
    invite_channel: null,
    invite_skill: null,
    invite_override_message: null,
    invite_refusal: null,
  }),
)

/**
 * Stores the context of a new eligibility check (never yet invited); resolves once it is committed.
 * Calls stored at the same moment share one SQLite commit (see groupCommitted).
 */
export const insertCall = groupCommitted(async (db: DbOrTrx, call: Call): Promise<void> => {
  await insertCallRow(db, {
    id: call.id,
    account_id: call.accountId,
    handoff_id: call.handoffId,
    skill: call.skill,
    consumer_phone: call.consumerPhone,
    consumer_id: call.consumerId,
    ivr_number: call.ivrNumber,
    sdes: call.sdes ? JSON.stringify(call.sdes) : null,
    template_variables: JSON.stringify(call.templateVariables),
    handoff: JSON.stringify(call.handoff),
    available_channels: JSON.stringify(call.availableChannels),
    channel_checks: JSON.stringify(call.checks),
    eligible: call.eligible ? 1 : 0,
    device_check: call.deviceCheck ? JSON.stringify(call.deviceCheck) : null,
    created_at: call.createdAt,
    expires_at: call.expiresAt,
  })
})

export async function findCall(db: DbOrTrx, accountId: string, id: string): Promise<Call | undefined> {
  const row = await db.selectFrom('calls').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst()
  return row && toCall(row)
}

/**
 * Marks the call invited unless it already is. The condition is evaluated by the store under
 * the row's write lock, so of concurrent invites for one call exactly one gets `true`.
 */
export async function markInvited(db: DbOrTrx, id: string, invite: { at: string; channel: Channel; skill: string; overrideMessage?: string }): Promise<boolean> {
  const result = await db
    .updateTable('calls')
    .set({ invited_at: invite.at, invite_channel: invite.channel, invite_skill: invite.skill, invite_override_message: invite.overrideMessage ?? null })
    .where('id', '=', id)
    .where('invited_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Records the channel an invite's message finally goes by, after a fallback. */
export async function setInviteChannel(db: DbOrTrx, id: string, channel: Channel): Promise<void> {
  await db.updateTable('calls').set({ invite_channel: channel }).where('id', '=', id).execute()
}

/** Why the call's invitation was refused (the active-conversation rule); the call stays uninvited, so a later invite may succeed. */
export async function recordInviteRefusal(db: DbOrTrx, id: string, reason: string): Promise<void> {
  await db.updateTable('calls').set({ invite_refusal: reason }).where('id', '=', id).execute()
}
