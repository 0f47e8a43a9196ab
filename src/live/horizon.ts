/**
 * How far the live log can be read without missing an event: every seq up to `value` has either
 * committed or been given up on. On PostgreSQL a sequence hands out numbers in one order and
 * transactions commit in another (seq 11 may commit while 10 is still in flight), so a reader that
 * moved past a missing number could never go back for it. A missing number holds the horizon for
 * `graceMs` from when it was first seen missing: its transaction commits in that time, or it rolled
 * back (or its process died) and the number stays a hole for ever, and is skipped.
 *
 * Plain state and arithmetic: the caller reads the log and gives the time (a monotonic clock, in ms).
 */
export class Horizon {
  #value: number
  /** When each hole was first seen, keyed by the committed seq just after it (that seq does not move when part of the hole fills). */
  readonly #holes = new Map<number, number>()

  constructor(
    start: number,
    readonly graceMs: number,
  ) {
    this.#value = start
  }

  get value(): number {
    return this.#value
  }

  /**
   * Moves the horizon over `seqs` (committed numbers beyond it, ascending) as far as no hole still
   * in its grace period stands in the way. Answers how many of `seqs` it passed, and when the
   * first hole it stopped at (if any) runs out of grace.
   */
  advance(seqs: readonly number[], now: number): { passed: number; retryAt: number | undefined } {
    let passed = 0
    let blocked = false
    let previous = this.#value
    for (const seq of seqs) {
      if (seq > previous + 1) {
        const since = this.#holes.get(seq) ?? now
        this.#holes.set(seq, since)
        // Holes beyond the first blocking one are still noted, so they age together, not one after another.
        if (now - since < this.graceMs) blocked = true
      }
      if (!blocked) {
        this.#value = seq
        passed++
      }
      previous = seq
    }
    let retryAt: number | undefined
    for (const [after, since] of this.#holes) {
      if (after <= this.#value) this.#holes.delete(after)
      else if (retryAt === undefined || since + this.graceMs < retryAt) retryAt = since + this.graceMs
    }
    return { passed, retryAt }
  }
}
