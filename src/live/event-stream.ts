import type { ServerResponse } from 'node:http'

/**
 * One server-sent event in the wire format (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * `id`, `event`, then the data, one `data:` line per line of it (a client joins them with newlines).
 */
export function formatEvent(id: number, type: string, data: string): string {
  return `id: ${id}\nevent: ${type}\n${data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join('')}\n`
}

/**
 * An open text/event-stream response, written to directly (the route has hijacked it from Fastify).
 * Writing never waits: a client that reads slower than events come is cut off once `maxBufferedBytes`
 * are waiting for it, and catches up by reconnecting with its Last-Event-ID.
 */
export class EventStreamResponse {
  #ended = false

  constructor(
    private readonly res: ServerResponse,
    private readonly maxBufferedBytes: number,
  ) {
    res.once('close', () => (this.#ended = true))
  }

  get ended(): boolean {
    return this.#ended || this.res.destroyed || this.res.writableEnded
  }

  /** Calls `listener` once the response is over: ended by us, or the connection closed by the client. */
  onClose(listener: () => void): void {
    // A client may have gone before the stream opened, and 'close' is emitted once.
    if (this.res.closed) queueMicrotask(listener)
    else this.res.once('close', listener)
  }

  /** Sends the status line and headers; `headers` adds to the stream's own. */
  open(headers: Record<string, string>): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx and others buffer proxied responses unless told not to; an event must go out at once.
      'x-accel-buffering': 'no',
      ...headers,
    })
    // Sends the headers now, not with the first event (which may be minutes away).
    this.res.flushHeaders()
  }

  /** Writes raw stream text; false when the stream has ended (or was just ended for a slow client). */
  write(text: string): boolean {
    if (this.ended) return false
    this.res.write(text)
    if (this.res.writableLength > this.maxBufferedBytes) {
      // Ending would wait for the client to read what is queued: it is cut off instead.
      this.res.destroy()
      return false
    }
    return true
  }

  /** Resolves once what was written has gone to the socket, or the stream has ended. */
  async drained(): Promise<void> {
    if (this.ended || !this.res.writableNeedDrain) return
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done)
        this.res.off('close', done)
        resolve()
      }
      this.res.on('drain', done)
      this.res.on('close', done)
    })
  }

  /** Ends the stream; a client that has not read what was sent within `graceMs` is cut off, so no close waits on it. */
  end(graceMs = 1_000): void {
    if (this.#ended) return
    this.#ended = true
    this.res.end()
    const cut = setTimeout(() => this.res.destroy(), graceMs).unref()
    this.res.once('close', () => clearTimeout(cut))
  }
}
