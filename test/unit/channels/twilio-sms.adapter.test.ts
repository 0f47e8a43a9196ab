import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { DeliveryStatus } from '../../../src/channels/channel-adapter.ts'
import { type TwilioMessageStatus, mapTwilioStatus } from '../../../src/channels/twilio/twilio-sms.adapter.ts'

// Every status Twilio documents (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values), as ours.
describe('mapTwilioStatus', () => {
  const rows: Array<[TwilioMessageStatus, DeliveryStatus]> = [
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['queued', 'queued'],
    ['sending', 'queued'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['partially_delivered', 'delivered'],
    ['receiving', 'delivered'],
    ['received', 'delivered'],
    ['read', 'read'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
  ]
  for (const [twilio, ours] of rows) test(`${twilio} → ${ours}`, () => assert.equal(mapTwilioStatus(twilio), ours))
})
