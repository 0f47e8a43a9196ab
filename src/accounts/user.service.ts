import { randomBytes } from 'node:crypto'
import type { StoreContext } from '../context.ts'
import { type PersonRole } from '../auth/actor.ts'
import { listSkills } from '../brand-config/catalog.repository.ts'
import { isoNow } from '../lib/clock.ts'
import { hashPassword, verifyPassword } from '../lib/password.ts'
import { type FieldError, apiError, invalidFields } from '../shared/errors.ts'
import { inTransaction, isUniqueViolation, lockKey } from '../store/database.ts'
import type { LoginThrottle } from '../auth/login-throttle.ts'
import {
  OUTBOUND_SYSTEM_LOGIN,
  type Person,
  type PersonUpdate,
  countEnabledAdmins,
  findPersonById,
  findUserByLogin,
  insertUser,
  listPeople,
  updatePerson,
} from './user.repository.ts'

export const PASSWORD_MIN = 12
/** Longer passwords are refused before scrypt sees them: hashing is the expensive part of a sign-in. */
export const PASSWORD_MAX = 1024
export const LOGIN_PATTERN = /^[A-Za-z0-9._@+-]{1,100}$/
export const DEFAULT_MAX_CONVERSATIONS = 5

// ---- Rules: plain functions of their inputs ----

export function checkPassword(password: string, field = 'password'): FieldError[] {
  if (password.length < PASSWORD_MIN) return [{ field, message: `must be at least ${PASSWORD_MIN} characters` }]
  if (password.length > PASSWORD_MAX) return [{ field, message: `must be at most ${PASSWORD_MAX} characters` }]
  return []
}

export interface NewUser {
  login: string
  role: PersonRole
  skills: string[]
  maxConversations: number
  password: string
}

/** Every violation of a new user against the brand's skills. */
export function checkNewUser(input: NewUser, brandSkills: readonly string[]): FieldError[] {
  const errors: FieldError[] = []
  if (!LOGIN_PATTERN.test(input.login)) errors.push({ field: 'login', message: 'must be 1 to 100 letters, digits or . _ @ + -' })
  else if (input.login === OUTBOUND_SYSTEM_LOGIN) errors.push({ field: 'login', message: 'is reserved for the system user' })
  errors.push(...checkSkills(input.skills, brandSkills))
  if (!Number.isInteger(input.maxConversations) || input.maxConversations < 1 || input.maxConversations > 100) {
    errors.push({ field: 'maxConversations', message: 'must be 1 to 100' })
  }
  errors.push(...checkPassword(input.password))
  return errors
}

/** A user's skills route conversations to them: one the brand does not have would never match. */
export function checkSkills(skills: readonly string[], brandSkills: readonly string[]): FieldError[] {
  const known = new Set(brandSkills)
  const unknown = [...new Set(skills)].filter((skill) => !known.has(skill))
  return unknown.length === 0 ? [] : [{ field: 'skills', message: `the brand has no skill ${unknown.join(', ')}` }]
}

export interface UserChange {
  role?: PersonRole
  skills?: string[]
  maxConversations?: number
  disabled?: boolean
}

/** Whether a change ends the user's sessions: a new role (its permissions differ) or disabling. */
export function changeEndsSessions(target: Pick<Person, 'role' | 'disabledAt'>, change: UserChange): boolean {
  return (change.role !== undefined && change.role !== target.role) || (change.disabled === true && target.disabledAt === null)
}

/** Whether a change would leave the brand without an enabled admin (nobody could manage its people). */
export function leavesNoAdmin(target: Pick<Person, 'role' | 'disabledAt'>, change: UserChange, enabledAdmins: number): boolean {
  const enabledAdmin = target.role === 'admin' && target.disabledAt === null
  const loses = (change.role !== undefined && change.role !== 'admin') || change.disabled === true
  return enabledAdmin && loses && enabledAdmins <= 1
}

// ---- Operations ----

type Services = Pick<StoreContext, 'db' | 'clock' | 'ids'>

export async function listUsers(services: Services, accountId: string, page: number, pageSize: number): Promise<{ items: Person[]; total: number }> {
  return listPeople(services.db, accountId, page, pageSize)
}

/** The brand's person; 404 for another brand's or the system user's id. */
export async function getUser(services: Services, accountId: string, userId: string): Promise<Person & { passwordHash: string | null }> {
  const user = await findPersonById(services.db, userId)
  if (!user || user.accountId !== accountId) throw apiError('notFound', 'no such user')
  return user
}

export async function createUser(services: Services, accountId: string, input: NewUser): Promise<Person> {
  const skills = [...new Set(input.skills)]
  const brandSkills = (await listSkills(services.db, accountId)).map((skill) => skill.name)
  const errors = checkNewUser({ ...input, skills }, brandSkills)
  if (errors.length > 0) throw invalidFields(errors)
  const id = services.ids.uuid()
  try {
    await insertUser(
      services.db,
      { id, accountId, login: input.login, role: input.role, skills, createdAt: isoNow(services.clock) },
      await hashPassword(input.password),
      { maxConversations: input.maxConversations },
    )
  } catch (error) {
    if (isUniqueViolation(error)) throw apiError('conflict', `login ${input.login} is taken`)
    throw error
  }
  return getUser(services, accountId, id)
}

export async function changeUser(services: Services, accountId: string, userId: string, change: UserChange): Promise<Person> {
  if (change.skills !== undefined) {
    const errors = checkSkills(change.skills, (await listSkills(services.db, accountId)).map((skill) => skill.name))
    if (errors.length > 0) throw invalidFields(errors)
  }
  await inTransaction(services.db, async (trx) => {
    // One change of a brand's admins at a time, so two admins demoting each other cannot both pass the count.
    await lockKey(trx, `admins:${accountId}`)
    const target = await getUser({ ...services, db: trx }, accountId, userId)
    if (leavesNoAdmin(target, change, await countEnabledAdmins(trx, accountId))) {
      throw apiError('conflict', 'the brand\'s last enabled admin cannot be demoted or disabled')
    }
    const update: PersonUpdate = { endSessions: changeEndsSessions(target, change) }
    if (change.role !== undefined) update.role = change.role
    if (change.skills !== undefined) update.skills = [...new Set(change.skills)]
    if (change.maxConversations !== undefined) update.maxConversations = change.maxConversations
    if (change.disabled !== undefined) update.disabledAt = change.disabled ? (target.disabledAt ?? isoNow(services.clock)) : null
    await updatePerson(trx, accountId, userId, update, isoNow(services.clock))
  })
  return getUser(services, accountId, userId)
}

/** Sets a password and ends every session of the user (an admin's reset, or the user's own change). */
export async function setPassword(services: Services, accountId: string, userId: string, password: string, field = 'password'): Promise<Person> {
  const errors = checkPassword(password, field)
  if (errors.length > 0) throw invalidFields(errors)
  await getUser(services, accountId, userId)
  await updatePerson(services.db, accountId, userId, { passwordHash: await hashPassword(password), endSessions: true }, isoNow(services.clock))
  return getUser(services, accountId, userId)
}

export async function endAllSessions(services: Services, accountId: string, userId: string): Promise<void> {
  await updatePerson(services.db, accountId, userId, { endSessions: true }, isoNow(services.clock))
}

export async function markWelcomed(services: Services, accountId: string, userId: string): Promise<Person> {
  const user = await getUser(services, accountId, userId)
  if (user.welcomedAt === null) await updatePerson(services.db, accountId, userId, { welcomedAt: isoNow(services.clock) }, isoNow(services.clock))
  return getUser(services, accountId, userId)
}

/** Verified against when the login is unknown, so it costs what a wrong password costs. */
let dummyHash: Promise<string> | undefined
function dummyPasswordHash(): Promise<string> {
  return (dummyHash ??= hashPassword(randomBytes(16).toString('base64url')))
}

/**
 * A person's sign-in: the user, or 401 1102 alike for an unknown login, a wrong password, a
 * disabled user; 429 1029 (`LockedError`) while the login or the client address is locked by
 * failures, even with the right password, or while too many sign-ins are under way at once.
 */
export async function signIn(
  services: Services & { throttle: LoginThrottle },
  input: { accountId: string; login: string; password: string; address: string },
): Promise<Person> {
  const { accountId, login, password, address } = input
  const person = await services.throttle.guard(accountId, login, address, async () => {
    const found = await findUserByLogin(services.db, accountId, login)
    const person = found && found.role !== 'system' ? await findPersonById(services.db, found.id) : undefined
    // An unknown login is checked against a dummy hash: it costs what a wrong password costs.
    const matches = await verifyPassword(password, person?.passwordHash ?? (await dummyPasswordHash()))
    return person && matches && person.disabledAt === null ? person : undefined
  })
  if (!person) throw apiError('invalidCredentials')
  return person
}
