import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import type { Config } from './config.ts'
import { openRuntime } from './runtime.ts'
import { formatDemoCredentials, seedDemoBrand } from './demo/seed.ts'

/** The only process code: open the store, seed the demo brand once, listen, close gracefully. */
export async function serve(config: Config): Promise<void> {
  const runtime = await openRuntime(config)
  const app = await buildApp(runtime)
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an unexpected error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
    await runtime.close()
  })
  const demo = config.demo ? await seedDemoBrand(runtime) : null
  await app.listen({ port: config.port, host: config.host })
  if (demo) process.stdout.write(formatDemoCredentials(demo, config.publicUrl ?? `http://localhost:${config.port}`))
}
