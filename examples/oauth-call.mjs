#!/usr/bin/env node
// Calls any API of the service with an OAuth 1.0a header (see c2m-client.mjs):
//
//   node examples/oauth-call.mjs GET /handoffs
//   node examples/oauth-call.mjs POST /skills '{"name":"vip"}'
import { c2m } from './c2m-client.mjs'

const [method = 'GET', path = '/settings', body] = process.argv.slice(2)
const { status, text } = await c2m(method, path, body === undefined ? undefined : JSON.parse(body))
console.log(`${status} ${text}`)
process.exitCode = status < 400 ? 0 : 1
