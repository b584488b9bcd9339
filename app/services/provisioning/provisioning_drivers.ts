import { inject } from '@adonisjs/core'
import provisioningConfig from '#config/provisioning'
import DockerDriver from '#services/provisioning/docker_driver'
import KubernetesDriver from '#services/provisioning/kubernetes_driver'
import type { ProvisioningDriver } from '#services/provisioning/provisioning_driver'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'

/**
 * The driver an image names. Kubernetes only when configured
 * (KUBERNETES_ENABLED): otherwise its images are unavailable and the
 * reconciler leaves it out.
 */
@inject()
export default class ProvisioningDrivers {
  constructor(
    protected docker: DockerDriver,
    protected kubernetes: KubernetesDriver
  ) {}

  for(name: string): ProvisioningDriver {
    if (name === 'docker') {
      return this.docker
    }
    if (name === 'kubernetes' && provisioningConfig.kubernetes.enabled) {
      return this.kubernetes
    }
    throw new ProvisioningUnavailableException(
      `The "${name}" driver is not available on this portal`
    )
  }

  all(): ProvisioningDriver[] {
    return provisioningConfig.kubernetes.enabled ? [this.docker, this.kubernetes] : [this.docker]
  }
}
