import { Webhook } from 'standardwebhooks'
import { LoopbackServer } from './loopback.ts'

// A brand's own agent desk on 127.0.0.1, receiving the desk connector's webhooks as any HTTP
// receiver would: it records each request as it came, and answers as scripted (200 by default).
// Verification is the standardwebhooks library's own (`verify`), never ours.

/** One POST the desk received, raw. */
export interface DeskRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string
}

/** How the desk answers one request. */
export interface DeskAnswer {
  /** Never answers (the sender's timeout must fire) when set. */
  hang?: true
  status: number
  headers?: Record<string, string>
  body?: string
}

export class FakeDesk {
  readonly requests: DeskRequest[] = []
  /** Answers by request path (and, for some, a text the body holds), each used once, in turn; a request none matches is answered 200. */
  readonly #script: Array<{ path: string; holding?: string; answer: DeskAnswer }> = []

  private constructor(private readonly http: LoopbackServer) {}

  static async start(): Promise<FakeDesk> {
    let desk: FakeDesk | undefined
    const server = await LoopbackServer.start((request, response, body) => {
      const path = request.url ?? '/'
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value
      desk!.requests.push({ method: request.method ?? '', path, headers, body: body.toString('utf8') })
      const text = body.toString('utf8')
      const at = desk!.#script.findIndex((entry) => entry.path === path.split('?')[0] && (entry.holding === undefined || text.includes(entry.holding)))
      const answer = at === -1 ? { status: 200 } : desk!.#script.splice(at, 1)[0]!.answer
      if (answer.hang) return
      response.writeHead(answer.status, answer.headers ?? {})
      response.end(answer.body ?? '')
    })
    desk = new FakeDesk(server)
    return desk
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return this.http.origin
  }

  /** The next answers to requests for `path` (without its query), in order. */
  answer(path: string, ...answers: DeskAnswer[]): void {
    for (const answer of answers) this.#script.push({ path, answer })
  }

  /** As `answer`, only to requests whose body holds `text` (one conversation's, when several are sent at once). */
  answerHolding(path: string, text: string, ...answers: DeskAnswer[]): void {
    for (const answer of answers) this.#script.push({ path, holding: text, answer })
  }

  /** The requests made to `path` (without its query). */
  received(path: string): DeskRequest[] {
    return this.requests.filter((request) => request.path.split('?')[0] === path)
  }

  /** The event of a request, verified as a receiver verifies it with the brand's secret; throws when it does not verify. */
  static verify(secret: string, request: DeskRequest): { type: string; timestamp: string; data: unknown } {
    return new Webhook(secret).verify(request.body, request.headers) as { type: string; timestamp: string; data: unknown }
  }

  close(): Promise<void> {
    return this.http.close()
  }
}
