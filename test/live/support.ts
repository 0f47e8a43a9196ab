import assert from 'node:assert/strict'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { type LiveEventInput, appendLiveEvent } from '../../src/live/live-event.repository.ts'
import { PUBLIC_ORIGIN, signAt, type TestApp } from '../helper.ts'
import { openEventStream, SseStream } from '../support/sse-client.ts'

/** What the live tests share: streams opened over real HTTP, signed with a brand's key, and events published as the services will. */
export class LiveClient {
  readonly #streams: SseStream[] = []

  constructor(
    private readonly t: TestApp,
    /** The origin `t.app` listens on, e.g. `http://127.0.0.1:40123`. */
    readonly origin: string,
  ) {}

  /** Opens `GET /api/account/{account}/events{query}` signed with `key`; the stream, or the refusal's status and body. */
  async open(key: IssuedApiKey, account: string, options: { lastEventId?: string; query?: string; method?: 'GET' | 'HEAD' } = {}) {
    const path = `/api/account/${account}/events${options.query ?? ''}`
    const method = options.method ?? 'GET'
    const authorization = signAt(key, method, PUBLIC_ORIGIN + path, Math.floor(this.t.clock.now().getTime() / 1000))
    const headers: Record<string, string> = { authorization, ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }) }
    const answer = await openEventStream(this.origin + path, headers, method)
    if (answer instanceof SseStream) {
      this.#streams.push(answer)
      // The opening `id:` line: from here on the stream is subscribed.
      await answer.until(() => answer.lastEventId !== '')
    }
    return answer
  }

  /** As `open`, asserting a stream was opened. */
  async stream(key: IssuedApiKey, account: string, options: { lastEventId?: string; query?: string } = {}): Promise<SseStream> {
    const answer = await this.open(key, account, options)
    if (!(answer instanceof SseStream)) assert.fail(`no stream: ${answer.status} ${answer.body}`)
    return answer
  }

  /** Closes every stream this client opened and waits for the server to have let go of them. */
  async closeAll(): Promise<void> {
    for (const stream of this.#streams.splice(0)) {
      stream.close()
      await stream.ended
    }
  }
}

/** Appends an event as the conversation service does (in its own transaction), then notifies after the commit; answers its seq. */
export async function publish(t: TestApp, event: Omit<LiveEventInput, 'at'>): Promise<number> {
  await appendLiveEvent(t.runtime.db, { ...event, at: t.clock.now().toISOString() })
  const seq = await lastSeq(t)
  t.app.live.notify(event.accountId)
  return seq
}

export async function lastSeq(t: TestApp): Promise<number> {
  const row = await t.runtime.db.selectFrom('live_events').select((eb) => eb.fn.max('seq').as('last')).executeTakeFirstOrThrow()
  return Number(row.last ?? 0)
}

/** Waits until `t`'s hub has handed out every event of the log (so a new stream starts after them). */
export async function settled(t: TestApp, timeoutMs = 5_000): Promise<void> {
  const target = await lastSeq(t)
  const deadline = Date.now() + timeoutMs
  while (t.app.live.horizon < target) {
    assert.ok(Date.now() < deadline, `the hub's horizon stayed at ${t.app.live.horizon}, below ${target}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
