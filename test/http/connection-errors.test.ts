import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import { PUBLIC_ORIGIN, provisionBrand, signAt, startApp, type TestApp } from '../helper.ts'

// What Node's HTTP server answers itself, before any route: requests it cannot parse and
// requests that arrive too slowly. Both over a raw socket, as a hostile client sends them.

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Writes `chunks` on a new connection and reads until the server closes it; a hang fails after 5 s. */
function exchange(port: number, chunks: string[]): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let received = ''
    const guard = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the server kept the connection open; received so far: ${JSON.stringify(received)}`))
    }, 5_000)
    socket.setEncoding('utf8')
    socket.on('data', (data: string) => (received += data))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(guard)
      resolve(parse(received))
    })
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk)
    })
  })
}

function parse(raw: string): RawResponse {
  const [head = '', ...rest] = raw.split('\r\n\r\n')
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const at = line.indexOf(':')
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') }
}

function assertOurShape(res: RawResponse, status: number, errorCode: number): void {
  assert.equal(res.status, status, JSON.stringify(res))
  assert.match(res.headers['content-type'] ?? '', /^application\/json/)
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  const body = JSON.parse(res.body)
  assert.equal(body.errorCode, errorCode, res.body)
  assert.equal(typeof body.errorMessage, 'string')
  assert.deepEqual(Object.keys(body).filter((k) => !['errorCode', 'errorMessage', 'detail'].includes(k)), [], res.body)
}

describe('connection-level errors', () => {
  let t: TestApp
  let port: number
  before(async () => {
    // A short request timeout, so the slow client below is cut quickly.
    t = await startApp(undefined, { REQUEST_TIMEOUT_MS: '300' })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    port = (t.app.server.address() as net.AddressInfo).port
  })
  after(() => t.close())

  test('headers too large: 431 1031 in our shape', async () => {
    const res = await exchange(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`])
    assertOurShape(res, 431, 1031)
  })

  test('malformed framing, a bad Content-Length, a bad chunk, a request line that is not HTTP: 400 1000 in our shape', async () => {
    for (const request of [
      'HELLO\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      'POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
    ]) {
      assertOurShape(await exchange(port, [request]), 400, 1000)
    }
  })

  test('a body that stalls is cut after REQUEST_TIMEOUT_MS with 408 1008, even from an authenticated client', async () => {
    const key = await provisionBrand(t.runtime, '6201')
    const url = '/api/account/6201/skills'
    const authorization = signAt(key, 'POST', PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000))
    const res = await exchange(port, [`POST ${url} HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`])
    assertOurShape(res, 408, 1008)
    // Nothing half-sent was stored.
    assert.deepEqual(await t.runtime.db.selectFrom('skills').selectAll().where('account_id', '=', '6201').execute(), [])
  })

  test('headers that never end are cut the same way', async () => {
    const res = await exchange(port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n'])
    assertOurShape(res, 408, 1008)
  })

  test('every answer of the application carries nosniff: success, router, framework and our own errors', async () => {
    const key = await provisionBrand(t.runtime, '6202')
    const url = '/api/account/6202/skills'
    const signed = (payload: string, type: string) =>
      t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': type, authorization: signAt(key, 'POST', PUBLIC_ORIGIN + url, Math.floor(t.clock.now().getTime() / 1000)) } })
    const answers = [
      await t.app.inject({ method: 'GET', url: '/healthz' }),
      await t.app.inject({ method: 'GET', url: '/nope' }),
      await t.app.inject({ method: 'GET', url }),
      await t.app.inject({ method: 'PATCH', url }),
      await t.app.inject({ method: 'DELETE', url: `${url}/%E0%A4%A` }),
      await signed('{"name":', 'application/json'),
      await signed('name=x', 'text/plain'),
      await signed(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }), 'application/json'),
      await signed(JSON.stringify({ name: 'nosniff' }), 'application/json'),
    ]
    assert.deepEqual(answers.map((res) => res.statusCode), [200, 404, 401, 405, 400, 400, 415, 413, 201])
    for (const res of answers) assert.equal(res.headers['x-content-type-options'], 'nosniff', `${res.statusCode} ${res.body}`)
  })

  test('a well-formed request on the same server is answered, with nosniff', async () => {
    const res = await exchange(port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'])
    assert.equal(res.status, 200)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
  })
})
