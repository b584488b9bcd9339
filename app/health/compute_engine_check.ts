import { BaseCheck, Result } from '@adonisjs/core/health'
import app from '@adonisjs/core/services/app'
import Image from '#models/image'
import ProvisioningDrivers from '#services/provisioning/provisioning_drivers'

/**
 * Readiness of the compute back ends the catalogue uses: an unreachable
 * engine that enabled images need makes the portal not ready; one no
 * enabled image uses is only a warning.
 */
export class ComputeEngineCheck extends BaseCheck {
  name = 'compute'

  async run() {
    const drivers = await app.container.make(ProvisioningDrivers)
    const used = await this.#driversInUse(drivers)
    const problems: string[] = []
    let blocking = false
    for (const driver of drivers.all()) {
      try {
        await driver.ping()
      } catch (error) {
        problems.push(`${driver.name}: ${(error as Error).message}`)
        blocking ||= used.has(driver.name)
      }
    }
    if (problems.length === 0) {
      return Result.ok('Compute engines answer')
    }
    return blocking ? Result.failed(problems.join('; ')) : Result.warning(problems.join('; '))
  }

  /** Drivers enabled images use; all of them when the catalogue cannot be read (the database check reports why). */
  async #driversInUse(drivers: ProvisioningDrivers) {
    try {
      const enabled = await Image.query().where('enabled', true).distinct('driver')
      return new Set<string>(enabled.map((image) => image.driver))
    } catch {
      return new Set<string>(drivers.all().map((driver) => driver.name))
    }
  }
}
