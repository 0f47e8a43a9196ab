import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import { startApp, type TestApp } from '../helper.ts'

// A client that keeps its connection open and says nothing must not hold the socket for long:
// an idle keep-alive connection is closed once silent for twice REQUEST_TIMEOUT_MS, as the README says.

const REQUEST_TIMEOUT_MS = 300

describe('an idle keep-alive connection', () => {
  let t: TestApp
  let port: number
  before(async () => {
    t = await startApp(undefined, { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    port = (t.app.server.address() as net.AddressInfo).port
  })
  after(() => t.close())

  test('the server keeps it idle no longer than twice REQUEST_TIMEOUT_MS', () => {
    assert.ok(t.app.server.keepAliveTimeout > 0 && t.app.server.keepAliveTimeout <= 2 * REQUEST_TIMEOUT_MS, String(t.app.server.keepAliveTimeout))
  })

  test('is closed by the server after two keep-alive requests and then silence', async () => {
    const socket = net.connect(port, '127.0.0.1')
    socket.setEncoding('utf8')
    socket.on('error', () => {})
    let received = ''
    const closed = new Promise<void>((resolve, reject) => {
      // Fastify's default (72 s) would keep it far past this guard.
      const guard = setTimeout(() => {
        socket.destroy()
        reject(new Error('the server kept the idle connection open'))
      }, 10_000)
      socket.on('close', () => {
        clearTimeout(guard)
        resolve()
      })
    })
    const answers = () => received.match(/HTTP\/1\.1 200 /g)?.length ?? 0
    const answered = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => (answers() >= count && received.endsWith('}') ? resolve() : socket.once('data', check))
        check()
      })
    socket.on('data', (data: string) => (received += data))
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    await answered(1)
    // Still open after the first answer: the second request is served on the same connection.
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    await answered(2)
    assert.doesNotMatch(received, /connection: close/i)
    await closed
    assert.equal(answers(), 2, received)
  })
})
