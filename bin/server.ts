/*
|--------------------------------------------------------------------------
| HTTP server entrypoint
|--------------------------------------------------------------------------
|
| Boots the application and starts the HTTP server. On the embedded
| (SQLite) defaults the database provider migrates the schema and the
| bootstrap provider creates the first admin before the server listens.
| Just before it listens, the memory the start no longer needs is given
| back, and again whenever it comes to rest after serving
| (app/services/runtime/memory_release.ts, idle_memory_release.ts).
| A termination signal drains the process (app/services/graceful_shutdown.ts).
|
*/
await import('reflect-metadata')
const { Ignitor, prettyPrintError } = await import('@adonisjs/core')
const { createServer } = await import('node:http')
const { releaseUnusedMemory } = await import('#services/runtime/memory_release')
const { default: IdleMemoryRelease } = await import('#services/runtime/idle_memory_release')

const APP_ROOT = new URL('../', import.meta.url)

const IMPORTER = (filePath: string) => {
  if (filePath.startsWith('./') || filePath.startsWith('../')) {
    return import(new URL(filePath, APP_ROOT).href)
  }
  return import(filePath)
}

/** What releasing the start's memory took and gave back (docs/deployment.md, "Memory"). */
let released: ReturnType<typeof releaseUnusedMemory> | undefined

new Ignitor(APP_ROOT, { importer: IMPORTER })
  .tap((app) => {
    app.booting(async () => {
      await import('#start/env')
    })
    app.ready(async () => {
      const logger = await app.container.make('logger')
      logger.debug(released, 'released the memory of the start')
    })
    /*
     * SIGTERM (Kubernetes, Docker, systemd) and SIGINT (Ctrl-C) shut the
     * portal down gracefully within SHUTDOWN_TIMEOUT (docs/deployment.md,
     * "Shutdown and replicas"); a second signal ends it at once.
     */
    const shutDown = async (signal: NodeJS.Signals) => {
      const { default: gracefulShutdown } = await import('#services/graceful_shutdown')
      await gracefulShutdown.run(app, signal)
    }
    app.listenOnce('SIGTERM', shutDown)
    app.listenOnce('SIGINT', shutDown)
  })
  .httpServer()
  .start((handler) => {
    // Booted, not yet listening: no request waits for this collection.
    released = releaseUnusedMemory()
    if (released) {
      new IdleMemoryRelease().start()
    }
    return createServer(handler)
  })
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
