/**
 * The loop every background worker of an instance runs (the outbox dispatcher, the webhook
 * dispatcher, the conversation router): a round now and then, another at once while the last
 * found work (or someone asked for one meanwhile), and a stop that waits for the round under way
 * so shutdown cuts nothing off. The timer never keeps the process alive.
 */
export class PollingLoop {
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = true
  #kicked = false

  constructor(
    /** One round; answers how much it handled. */
    private readonly round: () => Promise<number>,
    private readonly options: {
      intervalMs: number
      /** Whether a round that handled `handled` leaves work for another at once. */
      goOn: (handled: number) => boolean
      /** A round that threw: the loop goes on after the interval. */
      onError: (error: unknown) => void
    },
  ) {}

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#schedule(0)
  }

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
        handled = await this.round()
      } while (!this.#stopped && (this.options.goOn(handled) || this.#kicked))
    } catch (error) {
      this.options.onError(error)
    }
    if (!this.#stopped) this.#schedule(this.options.intervalMs)
  }
}
