import type { ProvisioningDriver } from '#services/provisioning/provisioning_driver'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'

/**
 * The driver an image names. Kubernetes only when configured
 * (KUBERNETES_ENABLED): otherwise its images are unavailable and the
 * reconciler leaves it out. Made by providers/provisioning_provider.ts,
 * which loads the Kubernetes driver only then.
 */
export default class ProvisioningDrivers {
  constructor(
    protected docker: ProvisioningDriver,
    protected kubernetes: ProvisioningDriver | null
  ) {}

  for(name: string): ProvisioningDriver {
    if (name === 'docker') {
      return this.docker
    }
    if (name === 'kubernetes' && this.kubernetes) {
      return this.kubernetes
    }
    throw new ProvisioningUnavailableException(
      `The "${name}" driver is not available on this portal`
    )
  }

  /** The only driver an image can name here, when Kubernetes is not configured. */
  sole(): ProvisioningDriver | null {
    return this.kubernetes ? null : this.docker
  }

  all(): ProvisioningDriver[] {
    return this.kubernetes ? [this.docker, this.kubernetes] : [this.docker]
  }
}
