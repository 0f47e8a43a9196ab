#!/usr/bin/env node
// What an IVR does when the caller presses "1 to continue by text": Eligibility, then Invite,
// then (sandbox only) a look at what the consumer received.
//
//   node examples/ivr-call.mjs +14259549855 <handoffId> [skill]
import { c2m } from './c2m-client.mjs'

const [phone = '+14259549855', handoffId, skill = 'sales'] = process.argv.slice(2)
if (!handoffId) {
  console.error('usage: node examples/ivr-call.mjs <consumer phone> <handoffId> [skill]')
  process.exit(2)
}

const eligibility = await c2m('POST', '/eligibility?v=2.0', { consumerPhoneNumber: phone, handoffId, skill, templateVariables: { 1: 'Jane' } })
console.log('eligibility', eligibility.status, eligibility.text)
if (eligibility.status !== 200 || !eligibility.json.eligible) process.exit(1)

const invite = await c2m('POST', '/invite?v=2.0', { callId: eligibility.json.callId })
console.log('invite', invite.status, invite.text)
if (invite.status !== 200) process.exit(1)

// Delivery happens just after the invite commits; the sandbox inbox shows it within moments.
for (let i = 0; i < 50; i++) {
  const inbox = await c2m('GET', `/sandbox/messages?consumer=${encodeURIComponent(phone)}`)
  const sent = inbox.json?.items?.find((m) => m.callId === eligibility.json.callId)
  if (sent) {
    console.log(`sandbox ${sent.channel} from ${sent.from}: ${JSON.stringify(sent.text)}`)
    process.exit(0)
  }
  await new Promise((resolve) => setTimeout(resolve, 100))
}
console.error('the message did not reach the sandbox inbox')
process.exit(1)
