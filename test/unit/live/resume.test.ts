import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type StartingPoint, startingPoint } from '../../../src/live/resume.ts'

describe('where a stream starts', () => {
  const log = { first: 40, last: 90 }
  const table: Array<[string, number | undefined, { first: number | null; last: number | null }, number, StartingPoint]> = [
    ['no id: at the horizon, nothing old', undefined, log, 88, { cursor: 88 }],
    ['no id, empty log', undefined, { first: null, last: null }, 0, { cursor: 0 }],
    ['an id inside the log: after it', 50, log, 88, { cursor: 50 }],
    ['the log\'s last id', 90, log, 88, { cursor: 90 }],
    ['an id beyond this instance\'s horizon but in the log (another instance is ahead): after it', 89, log, 88, { cursor: 89 }],
    ['the id just before the first kept: nothing was pruned after it', 39, log, 88, { cursor: 39 }],
    ['an id older than that: events after it were pruned, reset', 38, log, 88, { cursor: 88, reset: 'expired' }],
    ['0 while the log starts at 1: everything', 0, { first: 1, last: 5 }, 5, { cursor: 0 }],
    ['0 after pruning: reset', 0, log, 88, { cursor: 88, reset: 'expired' }],
    ['an id past the log\'s end: not this log\'s, reset', 91, log, 88, { cursor: 88, reset: 'unknown' }],
    ['any id but 0 on an empty log: reset', 7, { first: null, last: null }, 0, { cursor: 0, reset: 'unknown' }],
    ['0 on an empty log', 0, { first: null, last: null }, 0, { cursor: 0 }],
  ]
  for (const [name, lastEventId, bounds, horizon, expected] of table) {
    test(name, () => assert.deepEqual(startingPoint(lastEventId, bounds, horizon), expected))
  }
})
