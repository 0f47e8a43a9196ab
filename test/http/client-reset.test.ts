import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { App } from '../../src/app.ts'
import { isStoreUnavailable } from '../../src/store/unavailable.ts'
import { appWithCapturedLog, startApp, type TestApp } from '../helper.ts'

// A client that goes away mid-request is the client's business: it must never be reported as a
// store outage (an error-level line anyone could provoke, unauthenticated, to fill logs and alerts).

/** Sends the headers and part of the body of a POST, waits until `started` (the server has begun the request), then resets the connection. */
async function resetMidBody(port: number, path: string, type: string, started: () => Promise<void>): Promise<void> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 1000\r\n\r\n{"object":`)
  await started()
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve())
    socket.resetAndDestroy()
  })
}

describe('a client that resets its connection mid-body', () => {
  let t: TestApp
  let logged: { app: App; lines: string[] }
  let port: number

  before(async () => {
    t = await startApp()
    logged = await appWithCapturedLog(t)
    await logged.app.listen({ port: 0, host: '127.0.0.1' })
    port = (logged.app.server.address() as net.AddressInfo).port
  })
  after(async () => {
    await logged.app.close()
    await t.close()
  })

  // Public routes that read the body before anything else: a JSON one and a form one.
  for (const [path, type] of [
    ['/webhooks/whatsapp/1', 'application/json'],
    ['/webhooks/twilio/1/status', 'application/x-www-form-urlencoded'],
  ] as const) {
    // A server that never logs the request fails the test instead of hanging the suite.
    test(`POST ${path}: logged as the client's, no "store unavailable", nothing at warn or above`, { timeout: 10_000 }, async () => {
      const from = logged.lines.length
      const entries = () => logged.lines.slice(from).map((line) => JSON.parse(line) as { level: number; msg: string; reqId?: string })
      // The reset is sent once the request is under way, so it lands while its body is being read.
      await resetMidBody(port, path, type, () => until(() => entries().some((line) => line.msg === 'incoming request')))
      await until(() => entries().some((line) => line.msg !== 'incoming request'))
      const seen = entries()
      assert.deepEqual(seen.filter((line) => line.msg === 'store unavailable' || line.level >= 40), [], JSON.stringify(seen))
      assert.ok(seen.some((line) => line.msg === 'client went away' && line.level === 30), JSON.stringify(seen))
    })
  }
})

describe('what counts as the store being unavailable', () => {
  test('the errors a client causes do not; a driver\'s socket failing does', () => {
    // Node's error for a request whose client reset the connection, as Fastify hands it on (statusCode 400).
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 })
    assert.equal(isStoreUnavailable(aborted), false)
    assert.equal(isStoreUnavailable(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })), false)
    // What Node raises for a socket of the driver's (pg's mid-query reset): a system error naming its syscall.
    assert.equal(isStoreUnavailable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' })), true)
  })
})

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10))
}
