import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { actorOf, actorRef, requireAccess } from '../auth/actor.ts'
import { AccountParams, AUTHENTICATED_ERRORS, ErrorResponse } from '../http/schemas.ts'
import { apiError, invalidFields } from '../shared/errors.ts'
import { type LiveAudienceFilter, audienceOf, isVisibleTo } from './audience.ts'
import { EventStreamResponse, formatEvent } from './event-stream.ts'
import { type LiveEvent, liveLogBounds, visibleLiveEvents } from './live-event.repository.ts'
import { type StartingPoint, startingPoint } from './resume.ts'

/** How a client is asked to wait before reconnecting, in ms (the stream's `retry:` field). */
const RETRY_MS = 3_000
/** A comment line this often keeps proxies and the client from taking a quiet stream for a dead one. */
const HEARTBEAT_MS = 15_000
/**
 * A stream ends after this long and the client reconnects (missing nothing): who may read what
 * (a disabled user, changed skills) is checked again at least this often.
 */
const MAX_STREAM_MS = 15 * 60_000
/** Events read from the log per query while replaying. */
const REPLAY_PAGE = 200
/** Live events held while the replay runs; past it the stream ends and the client resumes from the log. */
const MAX_BACKLOG = 10_000
/** Bytes waiting for a slow client before its stream is ended (it resumes from the log). */
const MAX_BUFFERED_BYTES = 1024 * 1024

export interface StreamLimits {
  /** Open streams per user or API key, on this instance. */
  perOwner: number
  /** Open streams on this instance. */
  perInstance: number
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perOwner: 5, perInstance: 2_000 }

/** Counts the open streams against the limits; `take` answers how to give the place back, or which limit is reached. */
export class StreamSlots {
  #open = 0
  readonly #byOwner = new Map<string, number>()

  constructor(readonly limits: StreamLimits) {}

  take(owner: string): { release: () => void } | { full: 'owner' | 'instance' } {
    const mine = this.#byOwner.get(owner) ?? 0
    if (mine >= this.limits.perOwner) return { full: 'owner' }
    if (this.#open >= this.limits.perInstance) return { full: 'instance' }
    this.#open++
    this.#byOwner.set(owner, mine + 1)
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        this.#open--
        const left = (this.#byOwner.get(owner) ?? 1) - 1
        if (left === 0) this.#byOwner.delete(owner)
        else this.#byOwner.set(owner, left)
      },
    }
  }
}

const LastEventId = Type.String({ pattern: '^\\d{1,16}$', description: 'the `id` of the last event the client received' })

/** A Last-Event-ID as a seq; a number beyond what a seq can be is refused like a malformed one. */
function lastEventIdOf(header: string | undefined, query: string | undefined): number | undefined {
  const raw = header ?? query
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (!Number.isSafeInteger(value)) throw invalidFields([{ field: header === undefined ? 'lastEventId' : 'last-event-id', message: 'must be an event id' }])
  return value
}

/**
 * `GET /events`: the brand's live events that the caller may see, as server-sent events —
 * replayed from the log after the client's Last-Event-ID, then live as they commit.
 */
export function liveRoutes(ctx: AppContext, limits: StreamLimits = DEFAULT_STREAM_LIMITS): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const slots = new StreamSlots(limits)
    const open = new Set<EventStreamResponse>()
    let closing = false
    // Before the server waits for its connections to end: an open stream would hold it for ever.
    app.addHook('preClose', async () => {
      closing = true
      for (const stream of open) stream.end()
    })

    app.get(
      '/events',
      {
        onRequest: requireAccess(ctx, { key: 'conversations', roles: ['agent', 'agent-manager'] }),
        schema: {
          tags: ['conversations'],
          summary: 'Live updates: rings, messages, conversation changes and queue sizes, as server-sent events',
          description: [
            'A `text/event-stream` of the events the caller may see: an agent, those addressed to them, to one of their skills, or to everyone of the brand; an agent manager or an API key, all of the brand\'s.',
            'Each event has `id: <seq>`, `event: ring | message | conversation | queue` and `data: <JSON>`; a comment line every 15 s keeps the connection alive.',
            'Without `Last-Event-ID` the stream starts now. With it (the header, or `lastEventId` for clients that cannot set headers), every event after that id is sent first, in order.',
            'An id older than the log keeps (events are kept `LIVE_RETENTION_HOURS`) or unknown to it gets `event: reset` first: refetch your state, then carry on from the reset\'s id.',
            'At most 5 streams per user or key at a time (429 beyond).',
          ].join('\n\n'),
          params: AccountParams,
          headers: Type.Object({ 'last-event-id': Type.Optional(LastEventId) }),
          querystring: Type.Object({ lastEventId: Type.Optional(LastEventId) }),
          response: {
            200: { description: 'The event stream', content: { 'text/event-stream': { schema: Type.String() } } },
            ...AUTHENTICATED_ERRORS,
            429: ErrorResponse,
          },
        },
      },
      async (request, reply) => {
        const { accountId } = request.params
        const actor = actorOf(request)
        const lastEventId = lastEventIdOf(request.headers['last-event-id'], request.query.lastEventId)
        if (request.method === 'HEAD') return reply.code(200).type('text/event-stream; charset=utf-8').header('cache-control', 'no-store').send('')
        const slot = slots.take(actorRef(actor))
        if ('full' in slot) {
          reply.header('retry-after', String(RETRY_MS / 1000))
          throw apiError('rateLimitHit', slot.full === 'owner' ? `at most ${limits.perOwner} event streams at a time per user or key` : 'this instance serves as many event streams as it can; try again')
        }
        let start: StartingPoint
        try {
          start = startingPoint(lastEventId, await liveLogBounds(ctx.db), ctx.live.horizon)
        } catch (error) {
          slot.release()
          throw error
        }
        reply.hijack()
        const stream = new EventStreamResponse(reply.raw, MAX_BUFFERED_BYTES)
        open.add(stream)
        stream.onClose(() => {
          open.delete(stream)
          slot.release()
        })
        await serveStream(ctx, request, stream, accountId, audienceOf(actor), start, () => closing)
      },
    )
  }
}

/** Replays the log from the starting point, then sends events as the hub hands them over, until either side ends the stream. */
async function serveStream(
  ctx: AppContext,
  request: FastifyRequest,
  stream: EventStreamResponse,
  accountId: string,
  audience: LiveAudienceFilter,
  start: StartingPoint,
  closing: () => boolean,
): Promise<void> {
  const log = request.log.child({ accountId })
  const openedAt = Date.now()
  let cursor = start.cursor
  let sent = 0
  const send = (event: LiveEvent) => {
    if (event.seq <= cursor) return
    cursor = event.seq
    sent++
    stream.write(formatEvent(event.seq, event.type, event.data))
  }

  // Subscribed, then the horizon read, in one turn: every event past `upTo` comes through the listener.
  let backlog: LiveEvent[] | undefined = []
  const unsubscribe = ctx.live.subscribe(accountId, (event) => {
    if (!isVisibleTo(audience, event)) return
    if (!backlog) return send(event)
    backlog.push(event)
    if (backlog.length > MAX_BACKLOG) stream.end()
  })
  const upTo = ctx.live.horizon
  const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), HEARTBEAT_MS).unref()
  const lifetime = setTimeout(() => stream.end(), MAX_STREAM_MS).unref()
  // The response's close, not the request's: that one may come as soon as the request is read.
  stream.onClose(() => {
    clearInterval(heartbeat)
    clearTimeout(lifetime)
    unsubscribe()
    log.info({ lastEventId: cursor, sent, durationMs: Date.now() - openedAt }, 'event stream closed')
  })
  // The heartbeat and the lifetime watch the stream; the server's idle timeout would cut a quiet one.
  request.raw.socket.setTimeout(0)

  stream.open({ 'x-content-type-options': 'nosniff', 'x-request-id': request.id })
  // An id with no data moves the client's Last-Event-ID to where this stream starts: a client that
  // reconnects before its first event still misses nothing.
  stream.write(`retry: ${RETRY_MS}\n` + (start.reset ? formatEvent(cursor, 'reset', JSON.stringify({ reason: start.reset })) : `id: ${cursor}\n\n`))
  log.info({ cursor, reset: start.reset }, 'event stream opened')
  // Opened while the app began closing (the request was under way): the client reconnects to another instance.
  if (closing()) return stream.end()

  try {
    while (!stream.ended && cursor < upTo) {
      const page = await visibleLiveEvents(ctx.db, accountId, audience, cursor, upTo, REPLAY_PAGE)
      for (const event of page) {
        send(event)
        // A replay goes at the client's pace; only live events can outrun it (and cut it off).
        await stream.drained()
      }
      if (page.length < REPLAY_PAGE) break
    }
  } catch (error) {
    // The client reconnects and resumes from what it got.
    log.warn({ err: error }, 'replaying live events failed; ending the stream')
    stream.end()
    return
  }
  const held = backlog
  backlog = undefined
  for (const event of held) send(event)
}
