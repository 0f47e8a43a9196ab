import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { DataValidationCxt } from 'ajv/dist/types/index.js'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import type { FieldError } from '../shared/errors.ts'

/** At most this many fields are named in one error: enough to fix a request, small whatever was sent. */
export const MAX_FIELD_ERRORS = 10
/** Field names and messages are cut to this many characters (a property name is the client's text). */
const MAX_TEXT = 120
/**
 * Only a request of at most this many values is checked for every error; a larger one that fails
 * is reported by its first error, found without reading the rest, so a huge invalid array costs
 * no more than its first bad item.
 */
const FULL_REPORT_MAX_VALUES = 1_000

function createAjv(coerceTypes: boolean, allErrors: boolean): Ajv {
  const ajv = new Ajv({ allErrors, coerceTypes, removeAdditional: false, useDefaults: true, strict: false })
  addFormats.default(ajv)
  // `x-lowercase: true` normalises a string in place, so case-insensitive ids (UUIDs) are looked up as stored.
  ajv.addKeyword({
    keyword: 'x-lowercase',
    type: 'string',
    modifying: true,
    errors: false,
    validate(enabled: boolean, data: string, _schema?: unknown, context?: DataValidationCxt) {
      if (enabled && context?.parentData !== undefined) (context.parentData as Record<string | number, unknown>)[context.parentDataProperty] = data.toLowerCase()
      return true
    },
  })
  return ajv
}

// Bodies are JSON and validated strictly ("60" is not a number); query strings and path
// parameters are text by nature, so those are coerced to the declared types. Each comes as a
// validator that stops at the first error and one that lists them all (see FULL_REPORT_MAX_VALUES).
const strict = { first: createAjv(false, false), all: createAjv(false, true) }
const coercing = { first: createAjv(true, false), all: createAjv(true, true) }

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing
  const first = ajv.first.compile(schema as object)
  // Compiled on the first failure only: most routes of a process never see one.
  let all: ValidateFunction | undefined
  return (data: unknown) => {
    if (first(data)) return { value: data }
    let errors = first.errors
    if (hasAtMostValues(data, FULL_REPORT_MAX_VALUES)) {
      all ??= ajv.all.compile(schema as object)
      if (!all(data)) errors = all.errors
    }
    return { error: Object.assign(new Error('validation failed'), { validation: errors ?? [] }) }
  }
}

/** Counts the values of a JSON document, giving up past `max`: bounded work whatever its size. */
function hasAtMostValues(data: unknown, max: number): boolean {
  const pending: unknown[] = [data]
  let seen = 0
  while (pending.length > 0) {
    if (++seen > max) return false
    const value = pending.pop()
    if (typeof value !== 'object' || value === null) continue
    for (const child of Array.isArray(value) ? value : Object.values(value)) pending.push(child)
    if (pending.length > max) return false
  }
  return true
}

/** Ajv's errors as the `fields` of a 1000 error, one entry per field, named by its dotted path; bounded in count and length. */
export function fieldErrors(errors: readonly ErrorObject[], part: string): FieldError[] {
  const byField = new Map<string, string>()
  for (const error of errors) {
    if (byField.size >= MAX_FIELD_ERRORS) break
    let path = error.instancePath.split('/').slice(1).map(decodePointer)
    if (error.keyword === 'required') path = [...path, String(error.params.missingProperty)]
    if (error.keyword === 'additionalProperties') path = [...path, String(error.params.additionalProperty)]
    if (error.keyword === 'propertyNames' && error.params.propertyName !== undefined) path = [...path, String(error.params.propertyName)]
    const field = bounded(path.join('.') || part)
    if (byField.has(field)) continue
    byField.set(field, bounded(describe(error)))
  }
  return [...byField].map(([field, message]) => ({ field, message }))
}

function bounded(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`
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
    case 'propertyNames':
      return 'is not an accepted name'
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`
    default:
      return error.message ?? 'is invalid'
  }
}
