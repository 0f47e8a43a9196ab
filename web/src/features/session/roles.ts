import type { Role } from './session.api.ts'

/** How each role is named to people, and what it is for (the user guide's roles and permissions). */
/** A first thing to do, and the page where it is done. */
export interface NextStep {
  to: string
  page: string
  what: string
}

export const ROLES: Record<Role, { name: string; purpose: string; abilities: string[]; nextSteps: NextStep[] }> = {
  admin: {
    name: 'Admin',
    purpose: 'You set up the brand and manage who works in it.',
    abilities: [
      'Configure the brand: channels and their priority, device check, routing and skills, each channel\'s sandbox or live mode.',
      'Create, edit and delete API handoffs and WhatsApp templates.',
      'Connect providers (Twilio, WhatsApp, FCM) and manage API keys for the IVR.',
      'Add people, give them a role (and agents their skills and capacity), disable them, reset passwords.',
    ],
    nextSteps: [
      { to: '/settings', page: 'Settings', what: 'Check the channels, their priority and mode, and the skills agents answer on.' },
      { to: '/simulator', page: 'Consumer simulator', what: 'Place an IVR call to the demo handoff and reply as the consumer: the whole journey, with no provider account.' },
      { to: '/handoffs/new', page: 'New API handoff', what: 'Write the first message consumers receive when the IVR moves them to messaging.' },
      { to: '/users', page: 'Users', what: 'Add your agents with their skills, and the people who configure the brand.' },
      { to: '/api-keys', page: 'API keys', what: 'Create the key your IVR signs its Eligibility and Invite calls with.' },
      { to: '/connections', page: 'Provider connections', what: 'Connect Twilio, WhatsApp or FCM when you are ready to reach real consumers.' },
    ],
  },
  'campaign-manager': {
    name: 'Campaign manager',
    purpose: 'You shape what consumers receive when the IVR moves them to messaging.',
    abilities: [
      'Configure the brand: channels and their priority, device check, routing and skills.',
      'Create, edit and delete API handoffs and WhatsApp templates.',
    ],
    nextSteps: [
      { to: '/', page: 'API handoffs', what: 'Read the brand\'s handoffs: each is the message an IVR sends when it moves a caller to messaging.' },
      { to: '/handoffs/new', page: 'New API handoff', what: 'Write a new one, for SMS and WhatsApp or for the brand\'s app.' },
      { to: '/whatsapp-templates', page: 'WhatsApp templates', what: 'Submit the templates a WhatsApp handoff sends for approval.' },
      { to: '/simulator', page: 'Consumer simulator', what: 'Try a handoff as a consumer would receive it, while the channel is in sandbox mode.' },
    ],
  },
  lpa: {
    name: 'LPA user',
    purpose: 'You review the brand\'s configuration on its behalf.',
    abilities: ['Read the settings, API handoffs and WhatsApp templates; changes are made by the brand\'s admins and campaign managers.'],
    nextSteps: [
      { to: '/', page: 'API handoffs', what: 'Review the brand\'s handoffs.' },
      { to: '/settings', page: 'Settings', what: 'Review the channels, device check and routing.' },
      { to: '/whatsapp-templates', page: 'WhatsApp templates', what: 'Review the templates and their approval status.' },
    ],
  },
  agent: {
    name: 'Agent',
    purpose: 'You answer the consumers the IVR moved to messaging.',
    abilities: [
      'Go online to be offered conversations on your skills, accept them, read the transcript and the first message the consumer received, reply, transfer and close.',
    ],
    nextSteps: [{ to: '/workspace', page: 'Agent workspace', what: 'Set your status to Online: conversations on your skills ring there.' }],
  },
  'agent-manager': {
    name: 'Agent manager',
    purpose: 'You run the agents\' queues.',
    abilities: ['Everything an agent does, and see every queue and every agent of the brand.', 'Read the brand\'s approved WhatsApp templates.'],
    nextSteps: [
      { to: '/workspace', page: 'Agent workspace', what: 'Watch every queue and agent, and take conversations yourself.' },
      { to: '/whatsapp-templates', page: 'WhatsApp templates', what: 'Read the approved templates the brand\'s handoffs send on WhatsApp.' },
    ],
  },
}
