import type { ApplicationService } from '@adonisjs/core/types'
import provisioningConfig from '#config/provisioning'
import EngineWork from '#services/environments/engine_work'
import DockerEngines from '#services/provisioning/docker_client'
import DockerDriver from '#services/provisioning/docker_driver'
import ProvisioningDrivers from '#services/provisioning/provisioning_drivers'

/** The Kubernetes driver's module: imported only on a portal that enables it. */
function kubernetesDriverModule() {
  return import('#services/provisioning/kubernetes_driver')
}

/**
 * The engine side's state for the whole process, as container singletons
 * so that every consumer shares it and tests can swap it
 * (`app.container.swap`): the engine work in flight (awaited on shutdown
 * by providers/background_jobs_provider.ts), the negotiated Docker engines
 * and Kubernetes clients, and the drivers holding them.
 *
 * The Kubernetes side is registered only when KUBERNETES_ENABLED:
 * @kubernetes/client-node is about 900 modules and 80 MiB resident that a
 * Docker-only portal never uses (docs/deployment.md, "Memory").
 */
export default class ProvisioningProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    const container = this.app.container
    container.singleton(EngineWork, () => new EngineWork())
    container.singleton(DockerEngines, () => new DockerEngines())
    container.singleton(
      DockerDriver,
      async (resolver) => new DockerDriver({}, await resolver.make(DockerEngines))
    )
    container.bind(ProvisioningDrivers, async (resolver) => {
      const docker = await resolver.make(DockerDriver)
      if (!provisioningConfig.kubernetes.enabled) {
        return new ProvisioningDrivers(docker, null)
      }
      const { default: KubernetesDriver } = await kubernetesDriverModule()
      return new ProvisioningDrivers(docker, await resolver.make(KubernetesDriver))
    })
  }

  async boot() {
    if (!provisioningConfig.kubernetes.enabled) {
      return
    }
    const container = this.app.container
    const [{ default: KubernetesClusters }, { default: KubernetesDriver }] = await Promise.all([
      import('#services/provisioning/kubernetes_client'),
      kubernetesDriverModule(),
    ])
    container.singleton(KubernetesClusters, () => new KubernetesClusters())
    container.singleton(
      KubernetesDriver,
      async (resolver) => new KubernetesDriver({}, await resolver.make(KubernetesClusters))
    )
  }
}
