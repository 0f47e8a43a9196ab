import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { dialects } from '../helper.ts'
import { insertAccount } from '../../src/accounts/account.repository.ts'
import { insertHandoff } from '../../src/handoffs/handoff.repository.ts'
import { openDatabase } from '../../src/store/database.ts'
import { MIGRATIONS, migrateTo, migrateToLatest } from '../../src/store/migrate.ts'
import { findTemplate, isTemplateApproved, listTemplates } from '../../src/whatsapp-templates/template.repository.ts'
import { knownParameterCount } from '../../src/whatsapp-templates/template.ts'

// Upgrading a store whose handoffs named WhatsApp templates freely, before templates existed:
// those names become approved templates of unknown text, so the handoffs keep offering WhatsApp.

for (const dialect of dialects) {
  describe(`migration 0004 imports the templates older handoffs name (${dialect.name})`, () => {
    test('one approved template per brand and name, text unknown; handoffs without wa import nothing', async () => {
      const store = await dialect.create()
      const db = openDatabase(store.database, { schema: store.schema })
      try {
        await migrateTo(db, '0003-provider-channels')
        const at = '2026-11-01T12:00:00.000Z'
        for (const id of ['9101', '9102']) await insertAccount(db, { id, name: `Brand ${id}`, zone: 'z1', createdAt: at })
        const base = { lookbackMinutes: 120, skills: [], createdAt: at, updatedAt: at }
        const wa = (templateName: string) => ({ fromNumber: '+18005550102', templateName, language: 'en_US', variables: { '1': 'Ana', '2': 'Seattle' } })
        await insertHandoff(db, '9101', { ...base, id: 'H100000000000001', title: 'One', channels: ['wa'], wa: wa('ivr_followup') })
        await insertHandoff(db, '9101', { ...base, id: 'H100000000000002', title: 'Two', channels: ['wa', 'sms'], wa: wa('ivr_followup'), sms: { fromNumber: '+18005550101', message: 'Hi', optOutText: 'Reply STOP to opt out' } })
        await insertHandoff(db, '9102', { ...base, id: 'H100000000000003', title: 'Other', channels: ['wa'], wa: wa('Legacy Name') })
        await insertHandoff(db, '9102', { ...base, id: 'H100000000000004', title: 'SMS', channels: ['sms'], sms: { fromNumber: '+18005550101', message: 'Hi', optOutText: 'Reply STOP to opt out' } })

        assert.deepEqual(await migrateToLatest(db), Object.keys(MIGRATIONS).filter((name) => name > '0003-provider-channels'))
        assert.deepEqual((await listTemplates(db, '9101')).map((x) => [x.name, x.status, x.language, x.phoneNumber, x.body]), [['ivr_followup', 'APPROVED', 'en_US', '+18005550102', '']])
        // A name the new rules would refuse is imported as it was: the handoff used it with Meta.
        assert.deepEqual((await listTemplates(db, '9102')).map((x) => x.name), ['Legacy Name'])
        assert.equal(await isTemplateApproved(db, '9102', 'Legacy Name'), true)
        const imported = await findTemplate(db, '9101', 'ivr_followup')
        assert.equal(knownParameterCount(imported!), undefined, 'the text, so the placeholder count, is unknown')
      } finally {
        await db.destroy()
        await store.drop()
      }
    })
  })
}
