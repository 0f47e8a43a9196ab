import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { PROVIDER_TIMEOUT_MS, isTransientStatus, providerTimeoutFor, retryAfterMs } from '../../../src/channels/http-errors.ts'

describe('isTransientStatus', () => {
  const rows: Array<[number, boolean]> = [
    [200, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [408, false],
    [428, false],
    [429, true],
    [430, false],
    [499, false],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [599, true],
  ]
  for (const [status, transient] of rows) test(`${status} → ${transient ? 'transient' : 'final'}`, () => assert.equal(isTransientStatus(status), transient))
})

describe('retryAfterMs', () => {
  const NOW = Date.parse('2026-11-21T12:00:00.000Z')
  const rows: Array<{ header: string | null; expected: number | undefined }> = [
    { header: null, expected: undefined },
    { header: '', expected: undefined },
    { header: '0', expected: 0 },
    { header: '1', expected: 1000 },
    { header: ' 30 ', expected: 30_000 },
    { header: '3600', expected: 3_600_000 },
    { header: 'soon', expected: undefined },
    { header: 'Sat, 21 Nov 2026 12:00:10 GMT', expected: 10_000 },
    { header: 'Sat, 21 Nov 2026 11:59:00 GMT', expected: 0 },
  ]
  for (const row of rows) test(`${JSON.stringify(row.header)} → ${row.expected}`, () => assert.equal(retryAfterMs(row.header, NOW), row.expected))
})

describe('providerTimeoutFor', () => {
  const rows: Array<[number, number]> = [
    [30, PROVIDER_TIMEOUT_MS],
    [60, PROVIDER_TIMEOUT_MS],
    [29, 9666],
    [9, 3000],
    [1, 333],
  ]
  for (const [lease, timeout] of rows) test(`a ${lease} s lease → ${timeout} ms`, () => assert.equal(providerTimeoutFor(lease), timeout))
})
