import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorObject } from 'ajv'
import { isStoreUnavailable } from '../store/unavailable.ts'
import { ApiError, ERRORS, apiError, invalidFields } from '../shared/errors.ts'
import { fieldErrors } from './validation.ts'

/** How long a caller is told to wait after a 503 5003: the store's pool gives up on a connection within a second. */
export const STORE_RETRY_AFTER_SECONDS = 1

/**
 * Renders every failure as `{errorCode, errorMessage}`: our own `ApiError`s as they are, the
 * framework's errors mapped onto the catalogue, anything else as a 5000 without internals.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { validation?: ErrorObject[]; validationContext?: string }, request, reply) => {
    // A client that reset its connection mid-request has no one left to answer, and is no failure of ours.
    if (isClientError(error) && request.raw.socket?.destroyed === true) {
      request.log.info({ code: error.code }, 'client went away')
      return send(reply, toApiError(error))
    }
    const apiErr = toApiError(error)
    if (apiErr.definition === ERRORS.storeUnavailable) {
      request.log.error({ err: error }, 'store unavailable')
      reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS))
    } else if (apiErr.status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ errorCode: apiErr.code, detail: apiErr.detail }, 'request rejected')
    return send(reply, apiErr)
  })
  app.setNotFoundHandler((request, reply) => send(reply, apiError('notFound')))
}

/**
 * The router's own errors (malformed percent-encoding, an overlong path parameter) come before
 * any route and bypass the error handler; Fastify's `frameworkErrors` option brings them here.
 */
export function renderFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const apiErr = toApiError(error)
  request.log.info({ errorCode: apiErr.code }, 'request rejected')
  send(reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff'), apiErr)
}

/**
 * What Node's HTTP server cannot parse (headers too large, malformed framing, a bad
 * Content-Length) or did not receive in time never reaches Fastify: the server's `clientError`
 * event answers on the raw socket. This is Fastify's `clientErrorHandler`, answering in our shape.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const apiErr =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? apiError('requestTimeout') : error.code === 'HPE_HEADER_OVERFLOW' ? apiError('headersTooLarge') : apiError('invalidRequest', 'the request is not valid HTTP/1.1')
  this.log.debug({ errorCode: apiErr.code, code: error.code }, 'connection rejected')
  // As Node does: a response already under way on this socket must not be corrupted by a second one.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(apiErr.toBody())
    socket.write(
      `HTTP/1.1 ${apiErr.status} ${apiErr.errorMessage}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy(error)
}

export function send(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.toBody())
}

function toApiError(error: FastifyError & { validation?: ErrorObject[]; validationContext?: string }): ApiError {
  if (error instanceof ApiError) return error
  if (error.validation) return invalidFields(fieldErrors(error.validation, error.validationContext ?? 'body'))
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiError('unsupportedMediaType')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError('payloadTooLarge')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return apiError('invalidRequest', 'the body must be a JSON object')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return apiError('invalidRequest', 'the body is not valid JSON')
  }
  // Any other client error the framework raises (malformed JSON, bad Content-Length, bad URL, a
  // body the client aborted) stays a 400 in our shape, whatever code it carries: only what the
  // store itself raised is an outage, and only genuine failures become a 5000.
  if (isClientError(error)) return apiError('invalidRequest', error instanceof SyntaxError ? 'the body is not valid JSON' : undefined)
  if (isStoreUnavailable(error)) return apiError('storeUnavailable')
  return apiError('internal')
}

/** An error the framework marked as the client's with a 4xx status. */
function isClientError(error: FastifyError): boolean {
  return typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
}
