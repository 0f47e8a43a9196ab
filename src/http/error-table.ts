import { ERRORS } from '../shared/errors.ts'

/**
 * The error catalogue as a Markdown table for the OpenAPI document, so the document cannot say
 * other than what the service answers. With `statuses` (a route's documented error responses),
 * only the rows that route can answer. Messages are code spans: 1300's `<<skill>>` would
 * otherwise be read as markup.
 */
export function errorTable(statuses?: Iterable<number | string>): string {
  const keep = statuses === undefined ? undefined : new Set([...statuses].map(Number))
  const rows = Object.values(ERRORS)
    .filter((error) => keep === undefined || keep.has(error.status))
    .sort((a, b) => a.status - b.status || a.code - b.code)
    .map((error) => `| ${error.status} | ${error.code} | \`${error.message}\` |`)
  return ['| HTTP status | errorCode | errorMessage |', '| --- | --- | --- |', ...rows].join('\n')
}
