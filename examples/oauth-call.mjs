#!/usr/bin/env node
// Calls the configuration API with an OAuth 1.0a header made exactly as the C2M spec's Node
// snippet makes it (the oauth-1.0a package, HMAC-SHA1, the four values of an API key).
//
//   C2M_URL=http://localhost:8080 C2M_ACCOUNT=12345678 \
//   C2M_APP_KEY=… C2M_SECRET=… C2M_ACCESS_TOKEN=… C2M_ACCESS_TOKEN_SECRET=… \
//   node examples/oauth-call.mjs GET /handoffs
//
//   … node examples/oauth-call.mjs POST /skills '{"name":"vip"}'
import crypto from 'node:crypto'
import OAuth from 'oauth-1.0a'

const [method = 'GET', path = '/settings', body] = process.argv.slice(2)
const env = (name) => {
  const value = process.env[name]
  if (!value) {
    console.error(`oauth-call: set ${name}`)
    process.exit(2)
  }
  return value
}
const url = `${env('C2M_URL').replace(/\/$/, '')}/api/account/${env('C2M_ACCOUNT')}${path}`
const oauth = OAuth({
  consumer: { key: env('C2M_APP_KEY'), secret: env('C2M_SECRET') },
  signature_method: 'HMAC-SHA1',
  hash_function: (base, key) => crypto.createHmac('sha1', key).update(base).digest('base64'),
})
const token = { key: env('C2M_ACCESS_TOKEN'), secret: env('C2M_ACCESS_TOKEN_SECRET') }
const headers = { ...oauth.toHeader(oauth.authorize({ url, method }, token)) }
if (body !== undefined) headers['Content-Type'] = 'application/json'

const response = await fetch(url, { method, headers, body })
const text = await response.text()
console.log(`${response.status} ${text}`)
process.exitCode = response.ok ? 0 : 1
