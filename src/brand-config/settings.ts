import type { FieldError } from '../shared/errors.ts'
import type { Channel } from '../shared/channel.ts'

/** A brand's global settings: channel priority and switches, device check, routing skills. */
export interface BrandSettings {
  /** In priority order: the first enabled channel is preferred when a handoff allows several. */
  channels: Array<{ name: Channel; enabled: boolean }>
  deviceCheck: boolean
  routing: { skills: string[]; defaultSkill?: string }
}

/** Rules a settings document must meet beyond its shape, given the brand's registered skills. */
export function validateSettings(settings: BrandSettings, registeredSkills: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = []
  const seen = new Set<string>()
  settings.channels.forEach((channel, i) => {
    if (seen.has(channel.name)) errors.push({ field: `channels.${i}.name`, message: `${channel.name} is listed twice` })
    seen.add(channel.name)
  })
  const skills = new Set<string>()
  settings.routing.skills.forEach((skill, i) => {
    if (skills.has(skill)) errors.push({ field: `routing.skills.${i}`, message: `${skill} is listed twice` })
    else if (!registeredSkills.has(skill)) errors.push({ field: `routing.skills.${i}`, message: `${skill} is not a skill of this brand` })
    skills.add(skill)
  })
  const { defaultSkill } = settings.routing
  if (defaultSkill !== undefined && !skills.has(defaultSkill)) {
    errors.push({ field: 'routing.defaultSkill', message: 'must be one of routing.skills' })
  }
  return errors
}
