import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorObject } from 'ajv'
import { ApiError, apiError, invalidFields } from '../shared/errors.ts'
import { fieldErrors } from './validation.ts'

/**
 * Renders every failure as `{errorCode, errorMessage}`: our own `ApiError`s as they are, the
 * framework's errors mapped onto the catalogue, anything else as a 5000 without internals.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { validation?: ErrorObject[]; validationContext?: string }, request, reply) => {
    const apiErr = toApiError(error)
    if (apiErr.status >= 500) request.log.error({ err: error }, 'request failed')
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
  send(reply.header('x-request-id', request.id), apiErr)
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
  // Any other client error the framework raises (malformed JSON, bad Content-Length, bad URL)
  // stays a 400 in our shape; only genuine failures become a 5000.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return apiError('invalidRequest', error instanceof SyntaxError ? 'the body is not valid JSON' : undefined)
  }
  return apiError('internal')
}

