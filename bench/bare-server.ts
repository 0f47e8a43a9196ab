// The benchmark's yardstick: the same Fastify as the service, with nothing of the service in it
// (no logger, hooks, auth, validation or store). `bench/run.ts` starts it as its own process and
// loads it beside the real service, so the ratio to this route shows what the service's own work costs.
//
//   PORT=0 HOST=127.0.0.1 node --import tsx bench/bare-server.ts   → prints "listening <port>"
import Fastify from 'fastify'

const app = Fastify({ logger: false })

// Same shape of work as the C2M endpoints at the HTTP layer: a JSON body parsed, a small JSON object back.
app.post('/bare', async (request) => {
  const body = request.body as { consumerPhoneNumber?: unknown } | null
  return { ok: true, echoed: typeof body?.consumerPhoneNumber === 'string' }
})

const port = Number(process.env.PORT ?? 0)
const host = process.env.HOST ?? '127.0.0.1'
await app.listen({ port, host })
const address = app.server.address()
const actualPort = typeof address === 'object' && address ? address.port : port
process.stdout.write(`listening ${actualPort} fastify ${app.version}\n`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().finally(() => process.exit(0))
  })
}
