import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import type { FieldError } from '../shared/errors.ts'

function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes, removeAdditional: false, useDefaults: true, strict: false })
  addFormats.default(ajv)
  return ajv
}

// Bodies are JSON and validated strictly ("60" is not a number); query strings and path
// parameters are text by nature, so those are coerced to the declared types.
const strict = createAjv(false)
const coercing = createAjv(true)

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const validate = (httpPart === 'body' ? strict : coercing).compile(schema as object)
  return (data: unknown) => (validate(data) ? { value: data } : { error: Object.assign(new Error('validation failed'), { validation: validate.errors ?? [] }) })
}

/** Ajv's errors as the `fields` of a 1000 error, one entry per field, named by its dotted path. */
export function fieldErrors(errors: readonly ErrorObject[], part: string): FieldError[] {
  const byField = new Map<string, string>()
  for (const error of errors) {
    let path = error.instancePath.split('/').slice(1).map(decodePointer)
    if (error.keyword === 'required') path = [...path, String(error.params.missingProperty)]
    if (error.keyword === 'additionalProperties') path = [...path, String(error.params.additionalProperty)]
    const field = path.join('.') || part
    if (byField.has(field)) continue
    byField.set(field, describe(error))
  }
  return [...byField].map(([field, message]) => ({ field, message }))
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~')
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required'
    case 'additionalProperties':
      return 'is not a known field'
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`
    default:
      return error.message ?? 'is invalid'
  }
}
