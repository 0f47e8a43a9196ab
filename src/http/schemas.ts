import { Type } from 'typebox'
import { MAX_FIELD_ERRORS } from './validation.ts'

/** Every route under /api/account/{accountId}/ takes the brand's site id. */
export const AccountParams = Type.Object({ accountId: Type.String({ pattern: '^\\d{1,20}$', description: 'the brand\'s site id' }) })

/** A call's id: a UUID in any letter case, read in lower case (as issued and stored). */
export const CallId = (options: { description?: string } = {}) =>
  Type.String({ format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', 'x-lowercase': true, ...options })

export const ErrorResponse = Type.Object(
  {
    errorCode: Type.Integer(),
    errorMessage: Type.String(),
    detail: Type.Optional(Type.String()),
    fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), { maxItems: MAX_FIELD_ERRORS })),
  },
  { description: 'C2M error' },
)

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const AUTHENTICATED_ERRORS = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 405: ErrorResponse, 415: ErrorResponse, 500: ErrorResponse, 503: ErrorResponse } as const
