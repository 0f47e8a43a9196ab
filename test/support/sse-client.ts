import http, { type IncomingHttpHeaders } from 'node:http'

// A server-sent-events client over real HTTP, parsing the stream as a browser's EventSource does
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation),
// for tests and the benchmark (inject cannot stream). It never reconnects by itself: tests
// reconnect on purpose, with the Last-Event-ID they choose.

export interface SseEvent {
  /** The last event id when the event was dispatched (as `MessageEvent.lastEventId`). */
  id: string
  event: string
  data: string
  /** `performance.now()` when the event was parsed. */
  receivedAt: number
}

export class SseStream {
  readonly events: SseEvent[] = []
  /** The id a reconnecting EventSource would send as Last-Event-ID. */
  lastEventId = ''
  retryMs: number | undefined
  comments = 0
  /** Resolves when the server ends the stream (or the connection fails). */
  readonly ended: Promise<void>
  #ended = false
  #read = 0
  #buffer = ''
  #waiters = new Set<() => void>()
  #data: string[] = []
  #type = ''

  constructor(
    private readonly request: http.ClientRequest,
    private readonly response: http.IncomingMessage,
  ) {
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => this.#parse(chunk))
    this.ended = new Promise<void>((resolve) => {
      const end = () => {
        this.#ended = true
        this.#wake()
        resolve()
      }
      response.once('end', end)
      response.once('close', end)
      response.once('error', end)
    })
  }

  get status(): number {
    return this.response.statusCode ?? 0
  }

  get headers(): IncomingHttpHeaders {
    return this.response.headers
  }

  get isEnded(): boolean {
    return this.#ended
  }

  /** The next event not yet taken by `next`, waiting up to `timeoutMs` for it. */
  async next(timeoutMs = 5_000): Promise<SseEvent> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const event = this.events[this.#read]
      if (event) {
        this.#read++
        return event
      }
      if (this.#ended) throw new Error(`the stream ended; events so far: ${JSON.stringify(this.events.map((e) => `${e.id} ${e.event}`))}`)
      const left = deadline - performance.now()
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms; events so far: ${JSON.stringify(this.events.map((e) => `${e.id} ${e.event}`))}`)
      await this.#wait(left)
    }
  }

  /** The next `count` events. */
  async take(count: number, timeoutMs = 5_000): Promise<SseEvent[]> {
    const taken: SseEvent[] = []
    for (let i = 0; i < count; i++) taken.push(await this.next(timeoutMs))
    return taken
  }

  /** True when no new event arrived (and the stream stayed open) for `ms`. */
  async quietFor(ms: number): Promise<boolean> {
    const before = this.events.length
    await new Promise((resolve) => setTimeout(resolve, ms))
    return this.events.length === before && !this.#ended
  }

  /** Waits until the parser has seen `predicate` hold (e.g. the opening id), up to `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = performance.now() + timeoutMs
    while (!predicate()) {
      const left = deadline - performance.now()
      if (left <= 0 || this.#ended) throw new Error('the stream did not reach the expected state')
      await this.#wait(left)
    }
  }

  /** Stops reading, as a client that hangs does (the server's writes pile up). */
  pause(): void {
    this.response.pause()
  }

  /** Goes away as a client does: the connection is destroyed. */
  close(): void {
    this.request.destroy()
  }

  #wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#waiters.add(done)
    })
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }

  #parse(chunk: string): void {
    this.#buffer += chunk
    const lines = this.#buffer.split(/\r\n|\r|\n/)
    this.#buffer = lines.pop() ?? ''
    for (const line of lines) this.#line(line)
    this.#wake()
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch()
    if (line.startsWith(':')) {
      this.comments++
      return
    }
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.#data.push(value)
    else if (field === 'event') this.#type = value
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value)
  }

  #dispatch(): void {
    const data = this.#data
    const type = this.#type
    this.#data = []
    this.#type = ''
    if (data.length === 0) return
    this.events.push({ id: this.lastEventId, event: type || 'message', data: data.join('\n'), receivedAt: performance.now() })
  }
}

/**
 * Opens `url` (GET, or HEAD) and answers once the response's headers arrived: a stream for a 200,
 * or the status and body of a refusal.
 */
export function openEventStream(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET'): Promise<SseStream | { status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers: { accept: 'text/event-stream', ...headers }, agent: false }, (response) => {
      if (response.statusCode === 200 && method === 'GET') return resolve(new SseStream(request, response))
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end()
  })
}
