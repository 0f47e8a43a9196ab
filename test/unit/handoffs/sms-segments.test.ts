import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type SmsSize, smsSize } from '../../../web/src/features/handoffs/sms-segments.ts'

// The webtool's live count beside an SMS text: the encoding a carrier picks and how many
// messages the text becomes.
describe('smsSize: encoding, length and segments of an SMS text', () => {
  const rows: Array<{ name: string; text: string; size: SmsSize }> = [
    { name: 'an empty text', text: '', size: { encoding: 'GSM-7', characters: 0, units: 0, segments: 0, unitsPerSegment: 160, unitsLeft: 160 } },
    { name: 'plain ASCII', text: 'Hello', size: { encoding: 'GSM-7', characters: 5, units: 5, segments: 1, unitsPerSegment: 160, unitsLeft: 155 } },
    { name: 'GSM accents and a line break', text: 'Café Ñ\nÅß', size: { encoding: 'GSM-7', characters: 9, units: 9, segments: 1, unitsPerSegment: 160, unitsLeft: 151 } },
    { name: '160 septets: one full message', text: 'a'.repeat(160), size: { encoding: 'GSM-7', characters: 160, units: 160, segments: 1, unitsPerSegment: 160, unitsLeft: 0 } },
    { name: '161 septets: two segments of 153', text: 'a'.repeat(161), size: { encoding: 'GSM-7', characters: 161, units: 161, segments: 2, unitsPerSegment: 153, unitsLeft: 145 } },
    { name: '306 septets: two full segments', text: 'a'.repeat(306), size: { encoding: 'GSM-7', characters: 306, units: 306, segments: 2, unitsPerSegment: 153, unitsLeft: 0 } },
    { name: '307 septets: three segments', text: 'a'.repeat(307), size: { encoding: 'GSM-7', characters: 307, units: 307, segments: 3, unitsPerSegment: 153, unitsLeft: 152 } },
    { name: 'the euro sign takes two septets', text: '€5', size: { encoding: 'GSM-7', characters: 2, units: 3, segments: 1, unitsPerSegment: 160, unitsLeft: 157 } },
    { name: 'extension characters', text: '{}[]~|^\\', size: { encoding: 'GSM-7', characters: 8, units: 16, segments: 1, unitsPerSegment: 160, unitsLeft: 144 } },
    { name: '80 euro signs fill one message', text: '€'.repeat(80), size: { encoding: 'GSM-7', characters: 80, units: 160, segments: 1, unitsPerSegment: 160, unitsLeft: 0 } },
    {
      name: 'an escape sequence is not cut across segments',
      text: 'a'.repeat(152) + '€'.repeat(5),
      size: { encoding: 'GSM-7', characters: 157, units: 162, segments: 2, unitsPerSegment: 153, unitsLeft: 143 },
    },
    { name: 'a lower-case ç is not GSM', text: 'ça va', size: { encoding: 'UCS-2', characters: 5, units: 5, segments: 1, unitsPerSegment: 70, unitsLeft: 65 } },
    { name: 'curly quotes are not GSM', text: 'It’s', size: { encoding: 'UCS-2', characters: 4, units: 4, segments: 1, unitsPerSegment: 70, unitsLeft: 66 } },
    { name: 'an emoji takes two UCS-2 units', text: 'Hi 😀', size: { encoding: 'UCS-2', characters: 4, units: 5, segments: 1, unitsPerSegment: 70, unitsLeft: 65 } },
    { name: '70 Cyrillic letters: one message', text: 'й'.repeat(70), size: { encoding: 'UCS-2', characters: 70, units: 70, segments: 1, unitsPerSegment: 70, unitsLeft: 0 } },
    { name: '71 Cyrillic letters: two segments of 67', text: 'й'.repeat(71), size: { encoding: 'UCS-2', characters: 71, units: 71, segments: 2, unitsPerSegment: 67, unitsLeft: 63 } },
    {
      name: 'a surrogate pair is not cut across segments',
      text: 'й'.repeat(66) + '😀' + 'й'.repeat(3),
      size: { encoding: 'UCS-2', characters: 70, units: 71, segments: 2, unitsPerSegment: 67, unitsLeft: 62 },
    },
    {
      name: 'one non-GSM character makes the whole text UCS-2',
      text: 'a'.repeat(100) + 'ç',
      size: { encoding: 'UCS-2', characters: 101, units: 101, segments: 2, unitsPerSegment: 67, unitsLeft: 33 },
    },
  ]
  for (const row of rows) {
    test(row.name, () => assert.deepEqual(smsSize(row.text), row.size))
  }
})
