import { inject } from '@adonisjs/core'
import DockerDriver from '#services/provisioning/docker_driver'
import type { ProvisioningDriver } from '#services/provisioning/provisioning_driver'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'

/**
 * The driver an image names. Kubernetes joins when its driver exists.
 */
@inject()
export default class ProvisioningDrivers {
  constructor(protected docker: DockerDriver) {}

  for(name: string): ProvisioningDriver {
    if (name === 'docker') {
      return this.docker
    }
    throw new ProvisioningUnavailableException(
      `The "${name}" driver is not available on this portal`
    )
  }

  all(): ProvisioningDriver[] {
    return [this.docker]
  }
}
