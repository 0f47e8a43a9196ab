import { Type } from 'typebox'

/** Every route under /api/account/{accountId}/ takes the brand's site id. */
export const AccountParams = Type.Object({ accountId: Type.String({ pattern: '^\\d{1,20}$', description: 'the brand\'s site id' }) })

export const ErrorResponse = Type.Object(
  {
    errorCode: Type.Integer(),
    errorMessage: Type.String(),
    detail: Type.Optional(Type.String()),
    fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { description: 'C2M error' },
)

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const AUTHENTICATED_ERRORS = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 405: ErrorResponse, 415: ErrorResponse, 500: ErrorResponse } as const
