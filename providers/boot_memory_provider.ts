import type { ApplicationService } from '@adonisjs/core/types'
import { releaseBootMemory } from '#services/runtime/boot_memory_release'

/**
 * Once the web server listens, returns the memory its start no longer
 * needs (app/services/runtime/boot_memory_release.ts). Registered last, so
 * that every other provider has finished starting.
 */
export default class BootMemoryProvider {
  constructor(protected app: ApplicationService) {}

  async ready() {
    const released = releaseBootMemory()
    const logger = await this.app.container.make('logger')
    logger.debug(released, 'released the memory of the start')
  }
}
