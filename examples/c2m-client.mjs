// A minimal C2M client: OAuth 1.0a headers made exactly as the C2M spec's Node snippet makes them
// (the oauth-1.0a package, HMAC-SHA1, the four values of an API key), read from the environment.
import crypto from 'node:crypto'
import OAuth from 'oauth-1.0a'

function env(name) {
  const value = process.env[name]
  if (!value) {
    console.error(`set ${name} (see the README, "Calling the API")`)
    process.exit(2)
  }
  return value
}

const oauth = OAuth({
  consumer: { key: env('C2M_APP_KEY'), secret: env('C2M_SECRET') },
  signature_method: 'HMAC-SHA1',
  hash_function: (base, key) => crypto.createHmac('sha1', key).update(base).digest('base64'),
})
const token = { key: env('C2M_ACCESS_TOKEN'), secret: env('C2M_ACCESS_TOKEN_SECRET') }
const base = `${env('C2M_URL').replace(/\/$/, '')}/api/account/${env('C2M_ACCOUNT')}`

/** Calls `path` under /api/account/{C2M_ACCOUNT}; resolves to the status and the parsed body. */
export async function c2m(method, path, body) {
  const url = base + path
  const headers = { ...oauth.toHeader(oauth.authorize({ url, method }, token)) }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await response.text()
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined }
}
