/** Where a stream starts, and whether the client must be told to refetch its state first. */
export interface StartingPoint {
  /** The stream sends the visible events after this seq. */
  cursor: number
  /**
   * `expired`: events after the client's id may have been pruned; `unknown`: the id is beyond
   * the log's end, so it is not one of this log's (a restored store, another deployment).
   */
  reset?: 'expired' | 'unknown'
}

/**
 * Where a stream resumes: after the client's last event id when the log still holds every event
 * after it; else (and without an id) at the end the streams have reached, the hub's horizon.
 * `first` and `last` are the log's bounds (the log is pruned from its start, never emptied).
 */
export function startingPoint(lastEventId: number | undefined, log: { first: number | null; last: number | null }, horizon: number): StartingPoint {
  if (lastEventId === undefined) return { cursor: horizon }
  if (log.last === null) return lastEventId === 0 ? { cursor: horizon } : { cursor: horizon, reset: 'unknown' }
  if (lastEventId > log.last) return { cursor: horizon, reset: 'unknown' }
  // Seqs between the id and the first one left were pruned, or never committed: the client cannot
  // be told which, so it refetches.
  if (log.first !== null && lastEventId < log.first - 1) return { cursor: horizon, reset: 'expired' }
  return { cursor: lastEventId }
}
