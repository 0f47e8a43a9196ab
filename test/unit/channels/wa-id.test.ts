import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { consumerNumberOfWaId } from '../../../src/channels/whatsapp/wa-id.ts'

describe('consumerNumberOfWaId', () => {
  const rows: Array<[string, string, string]> = [
    ['a US number is its own id', '14259549855', '+14259549855'],
    ['a UK mobile', '447911123456', '+447911123456'],
    ['an Argentinian mobile keeps its 9 (it is part of E.164)', '5491123456789', '+5491123456789'],
    ['Mexico, an id with the old 1 after 52', '5215512345678', '+525512345678'],
    ['Mexico, an id already in the new form', '525512345678', '+525512345678'],
    ['Brazil, an older id without the ninth digit', '551187654321', '+5511987654321'],
    ['Brazil, an id with the ninth digit', '5511987654321', '+5511987654321'],
    ['Brazil, a landline is left alone (the ninth digit would not make it valid)', '551132654321', '+551132654321'],
    ['an id that is no number stays as it is', '999', '+999'],
  ]
  for (const [name, waId, expected] of rows) test(name, () => assert.equal(consumerNumberOfWaId(waId), expected))
})
