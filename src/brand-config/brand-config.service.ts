import type { AppContext } from '../context.ts'
import { handoffsUsingNumber, handoffsUsingSkill } from '../handoffs/handoff.repository.ts'
import { nameHandoffs } from '../handoffs/handoff.ts'
import { isoNow } from '../lib/clock.ts'
import { isValidE164 } from '../lib/phone.ts'
import { type Channel, CHANNEL_PROVIDER, type ChannelMode, NUMBER_CHANNELS, type NumberChannel } from '../shared/channel.ts'
import { apiError, invalidFields } from '../shared/errors.ts'
import { inTransaction, isUniqueViolation } from '../store/database.ts'
import { type App, type PhoneNumber, type Skill, deleteApp, deletePhoneNumber, deleteSkill, insertApp, insertPhoneNumber, insertSkill, listSkills } from './catalog.repository.ts'
import { type ChannelModeState, listChannelModes, setChannelMode } from './channel-mode.repository.ts'
import { withBrandReferences } from './references.ts'
import { findSettings, saveSettings } from './settings.repository.ts'
import { type BrandSettings, validateSettings } from './settings.ts'

// Writes to a brand's configuration. Whatever checks references to the catalogue (settings naming
// skills, deletes of what handoffs or settings name) runs under the brand's reference lock.

type WriteContext = Pick<AppContext, 'db' | 'clock'>

/** Replaces the settings once every routing skill is one of the brand's. */
export async function replaceSettings(ctx: WriteContext, accountId: string, settings: BrandSettings): Promise<BrandSettings> {
  await withBrandReferences(ctx.db, accountId, async (trx) => {
    const skills = new Set((await listSkills(trx, accountId)).map((s) => s.name))
    const errors = validateSettings(settings, skills)
    if (errors.length > 0) throw invalidFields(errors)
    await saveSettings(trx, accountId, settings, isoNow(ctx.clock))
  })
  return settings
}

export async function addSkill(ctx: WriteContext, accountId: string, name: string): Promise<Skill> {
  const skill = { name: name.trim(), createdAt: isoNow(ctx.clock) }
  await insertOrConflict(() => insertSkill(ctx.db, accountId, skill), `skill ${skill.name} already exists`)
  return skill
}

/** Removes a skill neither the routing settings nor a handoff names. */
export async function removeSkill(ctx: Pick<AppContext, 'db'>, accountId: string, name: string): Promise<void> {
  await withBrandReferences(ctx.db, accountId, async (trx) => {
    const settings = await findSettings(trx, accountId)
    if (settings?.routing.skills.includes(name)) throw apiError('conflict', `skill ${name} is used by the routing settings`)
    const users = await handoffsUsingSkill(trx, accountId, name)
    if (users.length > 0) throw apiError('conflict', `skill ${name} is used by handoff ${nameHandoffs(users)}`)
    if (!(await deleteSkill(trx, accountId, name))) throw apiError('notFound')
  })
}

export async function registerPhoneNumber(ctx: WriteContext, accountId: string, input: { number: string; channel: NumberChannel }): Promise<PhoneNumber> {
  const { number, channel } = input
  if (!isValidE164(number)) throw invalidFields([{ field: 'number', message: 'must be a valid E.164 number with a leading +' }])
  const phone = { number, channel, createdAt: isoNow(ctx.clock) }
  await insertOrConflict(() => insertPhoneNumber(ctx.db, accountId, phone), `${channel} number is already registered`)
  return phone
}

/** Removes a sending number (for one channel, or every channel) that no handoff sends from. */
export async function removePhoneNumber(ctx: Pick<AppContext, 'db'>, accountId: string, number: string, channel?: NumberChannel): Promise<void> {
  const channels = channel ? [channel] : NUMBER_CHANNELS
  await withBrandReferences(ctx.db, accountId, async (trx) => {
    for (const each of channels) {
      const users = await handoffsUsingNumber(trx, accountId, number, each)
      if (users.length > 0) throw apiError('conflict', `the ${each} number is used by handoff ${nameHandoffs(users)}`)
    }
    if ((await deletePhoneNumber(trx, accountId, number, channel)) === 0) throw apiError('notFound')
  })
}

export async function registerApp(ctx: WriteContext, accountId: string, input: Omit<App, 'createdAt'>): Promise<App> {
  const app = { ...input, name: input.name.trim(), createdAt: isoNow(ctx.clock) }
  await insertOrConflict(() => insertApp(ctx.db, accountId, app), `app ${app.appId} is already registered`)
  return app
}

export async function removeApp(ctx: Pick<AppContext, 'db'>, accountId: string, appId: string): Promise<void> {
  // Handoffs naming a removed app stay; the C2M API answers 1201 for them until they are edited.
  if (!(await deleteApp(ctx.db, accountId, appId))) throw apiError('notFound')
}

/**
 * Switches a channel between sandbox and live. Live needs the channel's provider connection;
 * sandbox is always allowed and keeps the connection stored.
 */
export async function switchChannelMode(ctx: WriteContext, accountId: string, channel: Channel, mode: ChannelMode): Promise<ChannelModeState> {
  return inTransaction(ctx.db, async (trx) => {
    const current = (await listChannelModes(trx, accountId)).find((s) => s.channel === channel)!
    if (mode === 'live' && !current.connected) throw apiError('conflict', `connect ${CHANNEL_PROVIDER[channel]} before switching ${channel} to live`)
    await setChannelMode(trx, accountId, channel, mode, ctx.clock.now().toISOString())
    return { ...current, mode }
  })
}

async function insertOrConflict(insert: () => Promise<void>, message: string): Promise<void> {
  try {
    await insert()
  } catch (error) {
    if (isUniqueViolation(error)) throw apiError('conflict', message)
    throw error
  }
}
