import closeWithGrace from 'close-with-grace'
import { type App, buildApp } from './app.ts'
import type { Config } from './config.ts'
import { providerTimeoutFor } from './channels/http-errors.ts'
import { openRuntime } from './runtime.ts'
import { formatDemoCredentials, seedDemoBrand } from './demo/seed.ts'

/** The only process code: open the store, seed the demo brand once, listen, close gracefully. */
export async function serve(config: Config): Promise<void> {
  const runtime = await openRuntime(config)
  let app: App | undefined
  let grace: ReturnType<typeof closeWithGrace> | undefined
  try {
    const started = await buildApp(runtime)
    app = started
    // Long enough for the sends in flight to finish and be recorded (two provider calls at most,
    // then a commit): a graceful stop never leaves a message the provider accepted unrecorded.
    grace = closeWithGrace({ delay: Math.max(10_000, 2 * providerTimeoutFor(config.deliveryLeaseSeconds) + 5_000) }, async ({ signal, err }) => {
      if (err) started.log.error({ err }, 'closing after an unexpected error')
      else started.log.info({ signal }, 'shutting down')
      await started.close()
      await runtime.close()
    })
    // Printed before listening: a port that turns out to be taken must not swallow credentials shown only once.
    if (config.demo) await seedDemoBrand(runtime, (demo) => process.stdout.write(formatDemoCredentials(demo, config.publicUrl ?? `http://localhost:${config.port}`, config.webDir !== undefined)))
    await started.listen({ port: config.port, host: config.host })
  } catch (error) {
    // Left installed, close-with-grace would end the failed start with exit code 0 once the loop drains.
    grace?.uninstall()
    await app?.close()
    await runtime.close()
    throw error
  }
}
