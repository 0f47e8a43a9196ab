import type { ServerOptions } from 'node:http'
import type { FastifyServerOptions } from 'fastify'
import { clientErrorHandler } from './error-handler.ts'

/**
 * How long a client may hold a connection: the whole request (headers and body) must arrive
 * within `requestTimeoutMs`, so no client holds a socket open by sending slowly, and a connection
 * silent twice as long is closed — idle between two requests (Fastify's keep-alive default of
 * 72 s would let any client hold sockets longer), or with a request in flight and a client that
 * stopped reading. The longer silence limit lets the request timeout answer first: those cut, or
 * sending what Node cannot parse, are answered in our error shape by `clientErrorHandler`.
 */
export function connectionOptions(requestTimeoutMs: number): Pick<FastifyServerOptions, 'requestTimeout' | 'connectionTimeout' | 'keepAliveTimeout' | 'clientErrorHandler'> & { http: ServerOptions } {
  return {
    requestTimeout: requestTimeoutMs,
    connectionTimeout: 2 * requestTimeoutMs,
    keepAliveTimeout: 2 * requestTimeoutMs,
    http: {
      headersTimeout: requestTimeoutMs,
      // Node looks for expired requests every 30 s by default, which would let a short timeout run twice as long.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
    },
    clientErrorHandler,
  }
}
