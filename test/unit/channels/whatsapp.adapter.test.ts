import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { DeliveryStatus } from '../../../src/channels/channel-adapter.ts'
import { type WhatsAppMessageStatus, mapWhatsAppStatus } from '../../../src/channels/whatsapp/whatsapp.adapter.ts'

// The statuses of the Cloud API's `statuses` webhook, as ours.
describe('mapWhatsAppStatus', () => {
  const rows: Array<[WhatsAppMessageStatus, DeliveryStatus]> = [
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['failed', 'failed'],
  ]
  for (const [meta, ours] of rows) test(`${meta} → ${ours}`, () => assert.equal(mapWhatsAppStatus(meta), ours))
})
