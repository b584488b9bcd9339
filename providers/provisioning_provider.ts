import type { ApplicationService } from '@adonisjs/core/types'
import EngineWork from '#services/environments/engine_work'
import DockerEngines from '#services/provisioning/docker_client'
import DockerDriver from '#services/provisioning/docker_driver'
import KubernetesClusters from '#services/provisioning/kubernetes_client'
import KubernetesDriver from '#services/provisioning/kubernetes_driver'

/**
 * The engine side's state for the whole process, as container singletons
 * so that every consumer shares it and tests can swap it
 * (`app.container.swap`): the engine work in flight (awaited on shutdown
 * by providers/background_jobs_provider.ts), the negotiated Docker engines
 * and Kubernetes clients, and the drivers holding them.
 */
export default class ProvisioningProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    const container = this.app.container
    container.singleton(EngineWork, () => new EngineWork())
    container.singleton(DockerEngines, () => new DockerEngines())
    container.singleton(KubernetesClusters, () => new KubernetesClusters())
    container.singleton(
      DockerDriver,
      async (resolver) => new DockerDriver({}, await resolver.make(DockerEngines))
    )
    container.singleton(
      KubernetesDriver,
      async (resolver) => new KubernetesDriver({}, await resolver.make(KubernetesClusters))
    )
  }
}
