import { randomBytes } from 'node:crypto'
import type { StoreContext } from '../context.ts'
import { countAccounts } from '../accounts/account.repository.ts'
import { ProvisioningError, type Provisioning, createAccount, createApiKey, createUser, type IssuedApiKey } from '../accounts/provisioning.service.ts'
import { insertApp, insertPhoneNumber, insertSkill } from '../brand-config/catalog.repository.ts'
import { saveSettings } from '../brand-config/settings.repository.ts'
import { insertHandoff } from '../handoffs/handoff.repository.ts'
import { DEFAULT_OPT_OUT_TEXT } from '../handoffs/handoff.ts'
import { isoNow } from '../lib/clock.ts'
import { insertTemplate } from '../whatsapp-templates/template.repository.ts'

export const DEMO_ACCOUNT_ID = '12345678'
const DEMO_SKILLS = ['sales', 'support', 'billing']

export interface DemoCredentials {
  accountId: string
  handoffId: string
  admin: { login: string; password: string }
  /** One agent login per demo skill. */
  agents: Array<{ login: string; password: string; skill: string }>
  apiKey: IssuedApiKey
}

/** The store already holds a brand: the demo is not seeded, and nothing is printed. */
class AlreadySeeded extends Error {}

/**
 * Seeds a complete demo brand into an empty store so the whole journey can be tried without an
 * account anywhere. Every write is one transaction, and `announce` (which prints the credentials)
 * runs inside it after the last write: a start that crashes leaves either no demo brand, to be
 * seeded on the next start, or a complete one whose credentials were shown. Returns null when the
 * store already holds a brand (including when another instance seeded it a moment ago), so
 * credentials are shown once only.
 */
export async function seedDemoBrand(services: StoreContext, announce: (demo: DemoCredentials) => void = () => {}): Promise<DemoCredentials | null> {
  if ((await countAccounts(services.db)) > 0) return null
  try {
    return await services.db.transaction().execute(async (trx) => {
      const demo = await seedInto({ ...services, db: trx })
      announce(demo)
      return demo
    })
  } catch (error) {
    if (error instanceof AlreadySeeded) return null
    throw error
  }
}

async function seedInto(services: Provisioning): Promise<DemoCredentials> {
  try {
    await createAccount(services, { id: DEMO_ACCOUNT_ID, name: 'Demo Brand', zone: 'z1' })
  } catch (error) {
    if (error instanceof ProvisioningError) throw new AlreadySeeded()
    throw error
  }
  const now = isoNow(services.clock)
  const db = services.db
  for (const name of DEMO_SKILLS) await insertSkill(db, DEMO_ACCOUNT_ID, { name, createdAt: now })
  await insertPhoneNumber(db, DEMO_ACCOUNT_ID, { number: '+18005550100', channel: 'sms', createdAt: now })
  await insertPhoneNumber(db, DEMO_ACCOUNT_ID, { number: '+18005550100', channel: 'wa', createdAt: now })
  await insertApp(db, DEMO_ACCOUNT_ID, { appId: 'com.demo.brand', platform: 'ios', name: 'Demo Brand iOS', createdAt: now })
  await saveSettings(
    db,
    DEMO_ACCOUNT_ID,
    {
      channels: [
        { name: 'sms', enabled: true },
        { name: 'wa', enabled: true },
        { name: 'inapp', enabled: true },
      ],
      deviceCheck: false,
      routing: { skills: DEMO_SKILLS, defaultSkill: 'support' },
    },
    now,
  )
  // The demo brand is in the sandbox, where a submitted WhatsApp template is approved at once.
  await insertTemplate(db, DEMO_ACCOUNT_ID, {
    name: 'ivr_followup',
    category: 'UTILITY',
    language: 'en_US',
    wabaId: '100000000000001',
    phoneNumber: '+18005550100',
    body: 'Hi {{1}}, thanks for calling Demo Brand. Reply to this message to keep talking with us on WhatsApp.',
    examples: ['Jane'],
    status: 'APPROVED',
    submittedAt: now,
    createdAt: now,
    updatedAt: now,
  })
  const handoffId = services.ids.handoffId()
  await insertHandoff(db, DEMO_ACCOUNT_ID, {
    id: handoffId,
    title: 'Demo SMS handoff',
    lookbackMinutes: 24 * 60,
    channels: ['sms'],
    skills: [],
    sms: { fromNumber: '+18005550100', message: 'Hi {{1}}, thanks for calling Demo Brand. Reply here to keep talking with us by text.', optOutText: DEFAULT_OPT_OUT_TEXT },
    createdAt: now,
    updatedAt: now,
  })
  const password = randomBytes(12).toString('base64url')
  await createUser(services, { accountId: DEMO_ACCOUNT_ID, login: 'admin', role: 'admin', skills: [], password })
  const agents: DemoCredentials['agents'] = []
  for (const skill of DEMO_SKILLS) {
    const agent = { login: `agent-${skill}`, password: randomBytes(12).toString('base64url'), skill }
    await createUser(services, { accountId: DEMO_ACCOUNT_ID, login: agent.login, role: 'agent', skills: [skill], password: agent.password, maxConversations: 5 })
    agents.push(agent)
  }
  const apiKey = await createApiKey(services, { accountId: DEMO_ACCOUNT_ID, appName: 'Demo IVR', developer: 'demo', privileges: ['ivr-engagement', 'management', 'reporting', 'conversations'] })
  return { accountId: DEMO_ACCOUNT_ID, handoffId, admin: { login: 'admin', password }, agents, apiKey }
}

export function formatDemoCredentials(demo: DemoCredentials, origin: string, webtool = true): string {
  const rule = '='.repeat(72)
  return [
    rule,
    ' Connect to Messaging: demo brand created (shown once; keep it)',
    rule,
    ` account id          ${demo.accountId}`,
    ` SMS handoff id      ${demo.handoffId}`,
    ` admin login         ${demo.admin.login}`,
    ` admin password      ${demo.admin.password}`,
    ...demo.agents.map((agent) => ` agent ${agent.skill.padEnd(13)} login ${agent.login}, password ${agent.password}`),
    ` API key (OAuth 1.0a, privileges: ${demo.apiKey.privileges.join(', ')})`,
    `   appKey            ${demo.apiKey.appKey}`,
    `   secret            ${demo.apiKey.secret}`,
    `   accessToken       ${demo.apiKey.accessToken}`,
    `   accessTokenSecret ${demo.apiKey.accessTokenSecret}`,
    ...(webtool ? [` Webtool             ${origin}/  (sign in with the account id and a login above)`] : []),
    ` API docs            ${origin}/api/api-docs`,
    rule,
    '',
  ].join('\n')
}
