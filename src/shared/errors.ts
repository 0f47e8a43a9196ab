/**
 * The one error catalogue: every code the service answers with, its HTTP status and its exact
 * message. The C2M codes are those of the public C2M 2.0 API table; handlers throw `ApiError`
 * and the error handler renders `{errorCode, errorMessage}` (plus `detail` / `fields`).
 */
export const ERRORS = {
  invalidRequest: { status: 400, code: 1000, message: 'Invalid request' },
  invalidPhoneNumber: { status: 400, code: 1001, message: 'Invalid customerPhoneNumber' },
  invalidVersion: { status: 400, code: 1002, message: 'Invalid version' },
  noInternalUser: { status: 400, code: 1200, message: 'No internal user is available' },
  noInternalApp: { status: 400, code: 1201, message: 'No internal app is available' },
  noEngagementForSkill: { status: 400, code: 1300, message: 'No engagement found for skill <<skill>>' },
  messageCannotBeSent: { status: 400, code: 1400, message: 'Message cannot be sent' },
  // Not in the C2M table: an agent's free-form reply on WhatsApp more than 24 hours after the consumer last wrote.
  whatsAppWindowClosed: { status: 400, code: 1401, message: 'WhatsApp accepts free-form text only within 24 hours of the consumer\'s last message: send an approved template instead' },
  noHandoff: { status: 400, code: 1500, message: 'No handoff is available' },
  noHandoffChannel: { status: 400, code: 1501, message: 'No handoff channel is available' },
  noSetting: { status: 400, code: 1600, message: 'No setting is available' },
  overriddenChannelUnavailable: { status: 400, code: 1900, message: 'Overridden channel is not available' },
  noEngagementForOverriddenSkill: { status: 400, code: 1901, message: 'No engagement provided for the overridden skill' },
  invalidBearerToken: { status: 401, code: 1100, message: 'Invalid Bearer token' },
  // Not in the C2M table: a person's sign-in (unknown login and wrong password answer alike).
  invalidCredentials: { status: 401, code: 1102, message: 'Invalid login or password' },
  notEnoughPrivilege: { status: 403, code: 1101, message: 'Not enough privilege to perform this operation' },
  notFound: { status: 404, code: 1004, message: 'Not Found' },
  methodNotAllowed: { status: 405, code: 1005, message: 'Method Not Allowed' },
  // Not in the C2M table: answered by the HTTP server itself, before any route (see error-handler.ts).
  requestTimeout: { status: 408, code: 1008, message: 'Request Timeout' },
  // Not in the C2M table: our configuration API's answer to a duplicate or to deleting what is in use.
  conflict: { status: 409, code: 1009, message: 'Conflict' },
  payloadTooLarge: { status: 413, code: 1013, message: 'Payload Too Large' },
  unsupportedMediaType: { status: 415, code: 1015, message: 'Unsupported Media Type' },
  rateLimitHit: { status: 429, code: 1029, message: 'Rate limit hit' },
  headersTooLarge: { status: 431, code: 1031, message: 'Request Header Fields Too Large' },
  internal: { status: 500, code: 5000, message: 'Internal Server Error' },
  // Not in the C2M table: a provider (e.g. Meta's template API) did not answer a request made on the caller's behalf.
  providerUnavailable: { status: 502, code: 5002, message: 'Bad Gateway' },
  storeUnavailable: { status: 503, code: 5003, message: 'Service Unavailable' },
} as const satisfies Record<string, ErrorDefinition>

export interface ErrorDefinition {
  status: number
  code: number
  message: string
}

export type ErrorName = keyof typeof ERRORS

/** One invalid field of a request, as listed in a 1000 error's `fields`. */
export interface FieldError {
  field: string
  message: string
}

export class ApiError extends Error {
  readonly status: number
  readonly code: number
  readonly errorMessage: string

  constructor(
    readonly definition: ErrorDefinition,
    readonly detail?: string,
    readonly fields?: FieldError[],
    /** Replaces `<<name>>` placeholders of the catalogue message, e.g. the skill of 1300. */
    values: Record<string, string> = {},
  ) {
    const message = definition.message.replace(/<<(\w+)>>/g, (whole, name: string) => values[name] ?? whole)
    super(detail ? `${message}: ${detail}` : message)
    this.status = definition.status
    this.code = definition.code
    this.errorMessage = message
  }

  toBody(): ErrorBody {
    return {
      errorCode: this.code,
      errorMessage: this.errorMessage,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(this.fields ? { fields: this.fields } : {}),
    }
  }
}

export interface ErrorBody {
  errorCode: number
  errorMessage: string
  detail?: string
  fields?: FieldError[]
}

export function apiError(name: ErrorName, detail?: string): ApiError {
  return new ApiError(ERRORS[name], detail)
}

export function invalidFields(fields: FieldError[]): ApiError {
  return new ApiError(ERRORS.invalidRequest, undefined, fields)
}
