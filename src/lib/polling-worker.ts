/**
 * What every background worker of an instance is (the outbox dispatcher, the webhook dispatcher,
 * the conversation router): a round now and then (`runOnce`), another at once while the last found
 * work (or someone asked for one meanwhile), and a stop that waits for the round under way so
 * shutdown cuts nothing off. The timer never keeps the process alive.
 */
export abstract class PollingWorker {
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = true
  #kicked = false

  constructor(private readonly loop: { intervalMs: number }) {}

  /** One round; answers how much it handled. Tests call it directly. */
  abstract runOnce(): Promise<number>

  /** Whether a round that handled `handled` leaves work for another at once. */
  protected goOn(_handled: number): boolean {
    return false
  }

  /** A round that threw: the loop goes on after the interval. */
  protected abstract roundFailed(error: unknown): void

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#schedule(0)
  }

  /** Stops polling and waits for the round in progress, so no work is cut off by shutdown. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
  }

  /** Asks for a round now (work was just committed); a round under way is followed by another. */
  kick(): void {
    if (this.#stopped) return
    if (this.#running) this.#kicked = true
    else this.#schedule(0)
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#running = this.#rounds().finally(() => {
        this.#running = undefined
      })
    }, delayMs)
    this.#timer.unref()
  }

  async #rounds(): Promise<void> {
    try {
      let handled: number
      do {
        this.#kicked = false
        handled = await this.runOnce()
      } while (!this.#stopped && (this.goOn(handled) || this.#kicked))
    } catch (error) {
      this.roundFailed(error)
    }
    if (!this.#stopped) this.#schedule(this.loop.intervalMs)
  }
}
