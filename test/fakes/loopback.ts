import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** Answers one request to a fake, given its whole body. */
export type FakeHandler = (request: http.IncomingMessage, response: http.ServerResponse, body: Buffer) => void | Promise<void>

/**
 * The HTTP server every fake of a third-party API runs on: 127.0.0.1, a free port, each request's
 * body read whole before the fake sees it. Closing cuts the requests a fake holds unanswered
 * (scripted hangs), which would otherwise keep the server open.
 */
export class LoopbackServer {
  private constructor(
    private readonly server: http.Server,
    /** `http://127.0.0.1:<port>`. */
    readonly origin: string,
  ) {}

  static async start(handle: FakeHandler): Promise<LoopbackServer> {
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => void handle(request, response, Buffer.concat(chunks)))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return new LoopbackServer(server, `http://127.0.0.1:${port}`)
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())))
  }
}
