import type { Role } from './session.api.ts'

/** How each role is named to people, and what it is for (the user guide's roles and permissions). */
export const ROLES: Record<Role, { name: string; purpose: string; abilities: string[] }> = {
  admin: {
    name: 'Admin',
    purpose: 'You set up the brand and manage who works in it.',
    abilities: [
      'Configure the brand: channels and their priority, device check, routing and skills, each channel\'s sandbox or live mode.',
      'Create, edit and delete API handoffs and WhatsApp templates.',
      'Connect providers (Twilio, WhatsApp, FCM) and manage API keys for the IVR.',
      'Add people, give them a role (and agents their skills and capacity), disable them, reset passwords.',
    ],
  },
  'campaign-manager': {
    name: 'Campaign manager',
    purpose: 'You shape what consumers receive when the IVR moves them to messaging.',
    abilities: [
      'Configure the brand: channels and their priority, device check, routing and skills.',
      'Create, edit and delete API handoffs and WhatsApp templates.',
    ],
  },
  lpa: {
    name: 'LPA user',
    purpose: 'You review the brand\'s configuration on its behalf.',
    abilities: ['Read the settings, API handoffs and WhatsApp templates; changes are made by the brand\'s admins and campaign managers.'],
  },
  agent: {
    name: 'Agent',
    purpose: 'You answer the consumers the IVR moved to messaging.',
    abilities: [
      'Go online to be offered conversations on your skills, accept them, read the transcript and the first message the consumer received, reply, transfer and close.',
    ],
  },
  'agent-manager': {
    name: 'Agent manager',
    purpose: 'You run the agents\' queues.',
    abilities: ['Everything an agent does, and see every queue and every agent of the brand.'],
  },
}
