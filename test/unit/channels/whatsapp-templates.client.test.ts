import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { mapMetaTemplateStatus } from '../../../src/channels/whatsapp/whatsapp-templates.client.ts'
import type { WaTemplateStatus } from '../../../src/whatsapp-templates/template.ts'

// Meta's template statuses and status-update events: what changes whether a template can be sent maps
// to ours; the rest (undefined) leaves the template's status as it is.
describe('mapMetaTemplateStatus', () => {
  const rows: Array<[string, WaTemplateStatus | undefined]> = [
    ['APPROVED', 'APPROVED'],
    ['REINSTATED', 'APPROVED'],
    ['REJECTED', 'REJECTED'],
    ['PENDING', 'PENDING'],
    ['IN_APPEAL', 'PENDING'],
    ['PAUSED', 'PAUSED'],
    ['DISABLED', 'DISABLED'],
    ['PENDING_DELETION', 'DISABLED'],
    ['DELETED', 'DISABLED'],
    ['FLAGGED', undefined],
    ['LOCKED', undefined],
    ['UNLOCKED', undefined],
    ['ARCHIVED', undefined],
    ['UNARCHIVED', undefined],
    ['approved', undefined],
    [' APPROVED', undefined],
    ['', undefined],
    ['SOMETHING_NEW', undefined],
  ]
  for (const [event, ours] of rows) test(`${JSON.stringify(event)} → ${ours ?? 'unchanged'}`, () => assert.equal(mapMetaTemplateStatus(event), ours))
})
