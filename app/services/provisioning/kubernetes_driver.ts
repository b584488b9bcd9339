import { setTimeout as sleep } from 'node:timers/promises'
import type { CoreV1Api, CoreV1Event, V1Pod } from '@kubernetes/client-node'
import logger from '@adonisjs/core/services/logger'
import experimentsConfig from '#config/experiments'
import provisioningConfig from '#config/provisioning'
import { assertResourceLimits, nonRootIdentity } from '#services/provisioning/spec_guards'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import ImagePullFailedException from '#exceptions/image_pull_failed_exception'
import type { MountMode } from '#domain/dataset_mounts'
import KubernetesClusters, {
  type KubernetesCluster,
  type KubernetesConnection,
} from '#services/provisioning/kubernetes_client'
import { isDenied, kubernetesErrorReader } from '#services/provisioning/kubernetes_errors'
import { DriverErrors } from '#services/provisioning/driver_errors'
import {
  environmentManifests,
  type EnvironmentManifests,
  type KubernetesVolumes,
} from '#services/provisioning/kubernetes_manifests'
import type { NetworkPolicyOptions } from '#services/provisioning/kubernetes_network_policy'
import {
  environmentLabels,
  instanceLabel,
  KUBERNETES_LABELS,
  labelSelector,
  parseServiceHost,
  serviceHost,
} from '#services/provisioning/kubernetes_names'
import {
  describePod,
  failureMessage,
  isHopeless,
  pendingMessage,
  viewPod,
  type PodView,
} from '#services/provisioning/kubernetes_pod_status'
import type {
  Endpoint,
  EnvironmentSpec,
  InstanceState,
  ProgressReporter,
  ProvisioningDriver,
} from '#services/provisioning/provisioning_driver'
import { observed } from '#services/metrics/outside_calls'

/** Time a stopping environment's processes get before the kubelet kills them. */
const STOP_GRACE_SECONDS = 10

/** Everything the driver reads from config/provisioning.ts (tests override parts). */
export type KubernetesDriverOptions = {
  instanceId: string
  /** The workload namespace: pods, services and secrets of environments. */
  namespace: string
  connection: KubernetesConnection
  volumes: KubernetesVolumes
  defaultUser: { uid: number; gid: number }
  siteMounts: { hostPath: string; containerPath: string; mode: MountMode }[]
  /** The NetworkPolicy of every environment: who may connect to it, where it may connect to. */
  network: NetworkPolicyOptions
  /** Registry logins of the namespace (kubernetes.io/dockerconfigjson secrets) every pod names. */
  imagePullSecrets: string[]
  /** How long a pod may take to run: scheduling, image pull, a predecessor terminating. */
  startTimeoutMs: number
  /** Between two looks at a pod. */
  pollMs: number
}

function configuredOptions(): KubernetesDriverOptions {
  const { instanceId, kubernetes, readyTimeoutMs, egressAllow } = provisioningConfig
  const { datasetsRoot, outputRoot } = experimentsConfig.mountPolicy
  return {
    instanceId,
    namespace: kubernetes.namespace,
    connection: {
      mode: kubernetes.mode,
      kubeconfig: kubernetes.kubeconfig,
      server: kubernetes.server,
      token: kubernetes.token?.release(),
      caFile: kubernetes.caFile,
      timeoutMs: kubernetes.timeoutMs,
    },
    volumes:
      kubernetes.volumeMode === 'pvc'
        ? {
            mode: 'pvc',
            datasetsClaim: kubernetes.datasetsPvc!,
            outputClaim: kubernetes.outputPvc!,
            datasetsRoot,
            outputRoot,
          }
        : { mode: 'hostPath' },
    defaultUser: kubernetes.defaultUser,
    siteMounts: kubernetes.siteMounts,
    network: { access: kubernetes.access, egressAllow, apiServer: kubernetes.apiServerCidrs },
    imagePullSecrets: kubernetes.imagePullSecrets,
    startTimeoutMs: readyTimeoutMs,
    pollMs: 500,
  }
}

/** The four kinds of object an environment owns. */
type Kind = 'pods' | 'services' | 'secrets' | 'networkpolicies'

/** In removal order: the pod first, its NetworkPolicy last, so no pod runs without it. */
const KINDS = ['pods', 'services', 'secrets', 'networkpolicies'] as const

/** What the driver reads of a listed object. */
type Listed = { metadata?: { name?: string; uid?: string; labels?: Record<string, string> } }

/**
 * Runs environments as Pods of one namespace, each with a ClusterIP
 * Service for its access port, a Secret for its per-environment secret
 * and a NetworkPolicy (kubernetes_network_policy.ts) created before the
 * pod and deleted after it.
 * Objects are labelled with the instance id, never run as root or with
 * capabilities, and get the quota reservation as requests and limits.
 * The portal is the pods' controller (see kubernetes_manifests.ts).
 */
export default class KubernetesDriver implements ProvisioningDriver {
  readonly name = 'kubernetes' as const
  #options: KubernetesDriverOptions
  #errors: DriverErrors
  #clusters: KubernetesClusters

  /**
   * Options default to config/provisioning.ts; tests override some. The
   * container's one (providers/provisioning_provider.ts) shares the
   * process's clients.
   */
  constructor(options: Partial<KubernetesDriverOptions> = {}, clusters = new KubernetesClusters()) {
    this.#options = { ...configuredOptions(), ...options }
    this.#clusters = clusters
    this.#errors = new DriverErrors(kubernetesErrorReader(this.#options.namespace))
  }

  /** The namespace environments run in. */
  get namespace() {
    return this.#options.namespace
  }

  @observed('kubernetes', 'create')
  async create(spec: EnvironmentSpec, progress: ProgressReporter) {
    const manifests = this.#manifests(spec)
    const { core } = this.#cluster()
    const namespace = this.namespace
    const name = manifests.pod.metadata!.name!

    // Objects left by an earlier, interrupted attempt would hold the names.
    await this.remove(spec.environmentId)
    try {
      await this.#createNetworkPolicy(manifests)
      await this.#call(
        () => core.createNamespacedSecret({ namespace, body: manifests.secret }),
        'The cluster refused the secret of the environment',
        'create secrets'
      )
      await this.#call(
        () => core.createNamespacedService({ namespace, body: manifests.service }),
        'The cluster refused the service of the environment',
        'create services'
      )
      return await this.#runPod(core, manifests, this.#endpoint(spec), progress)
    } catch (error) {
      // Never leave an orphan behind a failed create.
      await this.remove(spec.environmentId).catch((removal: unknown) => {
        logger.warn({ err: removal, name }, 'Could not remove a failed environment')
      })
      throw error
    }
  }

  async waitUntilReady(endpoint: Endpoint, timeoutMs: number) {
    const target = parseServiceHost(endpoint.host)
    if (!endpoint.port || !target || target.namespace !== this.namespace) {
      return
    }
    const { core } = this.#cluster()
    const deadline = Date.now() + timeoutMs
    // The kubelet's readiness probe checks the port; the portal only reads the condition.
    while (Date.now() < deadline) {
      let pod: V1Pod | undefined
      try {
        pod = await core.readNamespacedPod({ name: target.name, namespace: this.namespace })
      } catch (error) {
        if (this.#errors.status(error) === 404) {
          throw new ProvisioningFailedException('The environment was removed before it answered')
        }
        // An API server that does not answer right now is no reason to give up.
      }
      if (pod) {
        const view = viewPod(pod)
        if (view.ready && view.phase === 'Running') {
          return
        }
        if (view.phase === 'Failed' || view.phase === 'Succeeded' || view.terminating) {
          const exitCode = view.terminated?.exitCode ?? 'unknown'
          throw new ProvisioningFailedException(
            `The environment stopped before answering on its port (exit code ${exitCode})`
          )
        }
      }
      await sleep(Math.min(this.#options.pollMs, Math.max(0, deadline - Date.now())))
    }
    throw new ProvisioningFailedException(
      `The environment did not answer on its port within ${Math.round(timeoutMs / 1000)} s`
    )
  }

  @observed('kubernetes', 'stop')
  async stop(spec: EnvironmentSpec) {
    // The service and the secret stay: start only recreates the pod.
    await this.#deleteAll('pods', spec.environmentId)
  }

  @observed('kubernetes', 'start')
  async start(spec: EnvironmentSpec, progress: ProgressReporter) {
    const manifests = this.#manifests(spec)
    const { core } = this.#cluster()
    const namespace = this.namespace
    const name = manifests.pod.metadata!.name!

    const existing = await this.#readPod(core, name)
    if (existing) {
      const view = viewPod(existing)
      if (view.phase === 'Running' && !view.terminating) {
        return { engineId: existing.metadata!.uid!, endpoint: this.#endpoint(spec) }
      }
      // Ended or ending: it is replaced.
      await this.#deleteAll('pods', spec.environmentId)
    }
    // Made anew: the settings may have changed since the environment was created.
    await this.#deleteAll('networkpolicies', spec.environmentId)
    await this.#createNetworkPolicy(manifests)
    // Both are kept by stop; either may have been lost meanwhile.
    await this.#ensure(
      () => core.createNamespacedSecret({ namespace, body: manifests.secret }),
      'The cluster refused the secret of the environment',
      'create secrets'
    )
    await this.#ensure(
      () => core.createNamespacedService({ namespace, body: manifests.service }),
      'The cluster refused the service of the environment',
      'create services'
    )
    try {
      return await this.#runPod(core, manifests, this.#endpoint(spec), progress)
    } catch (error) {
      await this.#deleteAll('pods', spec.environmentId).catch(() => {})
      throw error
    }
  }

  @observed('kubernetes', 'remove')
  async remove(environmentId: number) {
    for (const kind of KINDS) {
      await this.#deleteAll(kind, environmentId)
    }
  }

  @observed('kubernetes', 'list')
  async list(): Promise<InstanceState[]> {
    const selector = this.#selector()
    const [pods, services, secrets, policies] = await Promise.all(
      KINDS.map((kind) => this.#list(kind, selector))
    )
    const states = new Map<number, InstanceState>()
    for (const pod of pods as V1Pod[]) {
      const environmentId = this.#environmentOf(pod.metadata?.labels)
      if (environmentId) {
        const view = viewPod(pod)
        states.set(environmentId, {
          environmentId,
          engineId: pod.metadata!.uid!,
          running: view.phase === 'Running' && !view.terminating,
          status: describePod(view),
        })
      }
    }
    // A stopped environment (or a half-removed one) has no pod: still ours.
    for (const object of [...services, ...secrets, ...policies]) {
      const environmentId = this.#environmentOf(object.metadata?.labels)
      if (environmentId && !states.has(environmentId)) {
        states.set(environmentId, {
          environmentId,
          engineId: object.metadata!.uid!,
          running: false,
          status: 'stopped (no pod)',
        })
      }
    }
    return [...states.values()]
  }

  @observed('kubernetes', 'ping')
  async ping() {
    const { core } = this.#cluster()
    // In the workload namespace: proves the credentials and the RBAC, not only the network.
    await this.#call(
      () =>
        core.listNamespacedPod({
          namespace: this.namespace,
          labelSelector: this.#selector(),
          limit: 1,
        }),
      'The Kubernetes API server refused to list pods',
      'list pods'
    ).catch((error) => {
      throw this.#errors.unavailable(error)
    })
  }

  /** The manifests of an environment, after the checks no cluster should have to make. */
  #manifests(spec: EnvironmentSpec): EnvironmentManifests {
    const user = nonRootIdentity(spec, this.#options.defaultUser)
    assertResourceLimits(spec)
    return environmentManifests(spec, {
      instanceId: this.#options.instanceId,
      namespace: this.namespace,
      volumes: this.#options.volumes,
      siteMounts: this.#options.siteMounts,
      user,
      network: this.#options.network,
      imagePullSecrets: this.#options.imagePullSecrets,
    })
  }

  #endpoint(spec: EnvironmentSpec): Endpoint {
    return { host: serviceHost(spec.name, this.namespace), port: spec.image.port }
  }

  /** The environment's NetworkPolicy; always before its pod. */
  async #createNetworkPolicy(manifests: EnvironmentManifests) {
    const { networking } = this.#cluster()
    await this.#call(
      () =>
        networking.createNamespacedNetworkPolicy({
          namespace: this.namespace,
          body: manifests.networkPolicy,
        }),
      'The cluster refused the network policy of the environment',
      'create networkpolicies'
    )
  }

  /** Creates the pod (after a predecessor finished terminating) and waits until it runs. */
  async #runPod(
    core: CoreV1Api,
    manifests: EnvironmentManifests,
    endpoint: Endpoint,
    progress: ProgressReporter
  ) {
    const name = manifests.pod.metadata!.name!
    const deadline = Date.now() + this.#options.startTimeoutMs
    for (;;) {
      try {
        await core.createNamespacedPod({ namespace: this.namespace, body: manifests.pod })
        break
      } catch (error) {
        // 409: the previous pod of this environment is still terminating.
        if (this.#errors.status(error) !== 409 || Date.now() >= deadline) {
          throw this.#errors.translate(error, {
            refused: 'The cluster refused the pod of the environment',
            permission: 'create pods',
          })
        }
        await sleep(this.#options.pollMs)
      }
    }
    progress('created', `Pod ${name} created in namespace ${this.namespace}`)
    const pod = await this.#waitRunning(core, name, deadline, progress)
    return { engineId: pod.metadata!.uid!, endpoint }
  }

  /** Polls the pod until it runs; reports what Kubernetes says on the way. */
  async #waitRunning(
    core: CoreV1Api,
    name: string,
    deadline: number,
    progress: ProgressReporter
  ): Promise<V1Pod> {
    let said = ''
    const events = new PodEvents(core, this.namespace, name)
    for (;;) {
      const pod = await this.#readPod(core, name)
      if (!pod) {
        throw new ProvisioningFailedException('The pod of the environment was deleted')
      }
      const view = viewPod(pod)
      if (view.phase === 'Running' && !view.terminating) {
        return pod
      }
      const seen = await events.fresh()
      for (const event of seen) {
        progress('event', `${event.reason}: ${event.message ?? ''}`.slice(0, 500))
      }
      if (isHopeless(view)) {
        // ErrImagePull, ImagePullBackOff…: audited as a failed pull by the provisioner.
        const Failure = /Image/.test(view.waiting?.reason ?? '')
          ? ImagePullFailedException
          : ProvisioningFailedException
        throw new Failure(failureMessage(view, events.all))
      }
      const now = describeProgress(view)
      if (now !== said) {
        progress('pod', now)
        said = now
      }
      if (Date.now() >= deadline) {
        const seconds = Math.round(this.#options.startTimeoutMs / 1000)
        throw new ProvisioningFailedException(pendingMessage(view, seconds, events.all))
      }
      await sleep(Math.min(this.#options.pollMs, Math.max(0, deadline - Date.now())))
    }
  }

  async #readPod(core: CoreV1Api, name: string) {
    return this.#call(
      () => this.#errors.unless([404], core.readNamespacedPod({ name, namespace: this.namespace })),
      'The cluster could not read the pod of the environment',
      'get pods'
    )
  }

  /** Creates an object that may already exist (then it is kept as it is). */
  async #ensure(action: () => Promise<unknown>, refused: string, permission: string) {
    await this.#call(() => this.#errors.unless([409], action()), refused, permission)
  }

  /** Objects of one kind labelled as this instance's (of one environment when given). */
  async #list(kind: Kind, selector: string) {
    const { core, networking } = this.#cluster()
    const request = { namespace: this.namespace, labelSelector: selector }
    const listed = await this.#call(
      (): Promise<{ items: Listed[] }> =>
        kind === 'pods'
          ? core.listNamespacedPod(request)
          : kind === 'services'
            ? core.listNamespacedService(request)
            : kind === 'secrets'
              ? core.listNamespacedSecret(request)
              : networking.listNamespacedNetworkPolicy(request),
      `The cluster could not list the ${kind} of environments`,
      `list ${kind}`
    )
    return listed.items
  }

  /** Deletes every object of one kind of an environment; none is fine. */
  async #deleteAll(kind: Kind, environmentId: number) {
    const { core, networking } = this.#cluster()
    const objects = await this.#list(kind, this.#selector(environmentId))
    for (const object of objects) {
      const request = { name: object.metadata!.name!, namespace: this.namespace }
      await this.#call(
        () =>
          this.#errors.unless<unknown>(
            [404],
            kind === 'pods'
              ? core.deleteNamespacedPod({ ...request, gracePeriodSeconds: STOP_GRACE_SECONDS })
              : kind === 'services'
                ? core.deleteNamespacedService(request)
                : kind === 'secrets'
                  ? core.deleteNamespacedSecret(request)
                  : networking.deleteNamespacedNetworkPolicy(request)
          ),
        `The cluster could not delete the ${kind} of the environment`,
        `delete ${kind}`
      )
    }
  }

  #selector(environmentId?: number) {
    if (environmentId === undefined) {
      return labelSelector({
        [KUBERNETES_LABELS.instance]: instanceLabel(this.#options.instanceId),
      })
    }
    return labelSelector(environmentLabels(this.#options.instanceId, environmentId))
  }

  #environmentOf(labels: Record<string, string> | undefined) {
    const value = labels?.[KUBERNETES_LABELS.environment]
    const environmentId = Number(value)
    return Number.isSafeInteger(environmentId) && environmentId > 0 ? environmentId : null
  }

  /** The client; a configuration that cannot be loaded is unavailable. */
  #cluster(): KubernetesCluster {
    return this.#clusters.connect(this.#options.connection)
  }

  /**
   * Runs an API call: unreachable, overloaded, or refusing the portal's
   * identity or permissions (`permission`) → unavailable; any other
   * refusal → failed, with Kubernetes' reason.
   */
  #call<T>(action: () => Promise<T>, refused: string, permission: string): Promise<T> {
    return this.#errors.call(action, { refused, permission })
  }
}

/** "Pending: ContainerCreating", "Pending: Unschedulable — 0/3 nodes are available…". */
function describeProgress(view: PodView) {
  if (view.unschedulable) {
    return `Pod ${view.phase}: ${view.unschedulable.reason} — ${view.unschedulable.message}`.slice(
      0,
      500
    )
  }
  return view.waiting ? `Pod ${view.phase}: ${view.waiting.reason}` : `Pod ${view.phase}`
}

/**
 * The namespace's Events about one pod, when the portal may read them
 * (they explain a pending pod better than its status): each reported once.
 */
class PodEvents {
  all: CoreV1Event[] = []
  #seen = new Set<string>()
  #available = true

  constructor(
    protected core: CoreV1Api,
    protected namespace: string,
    protected pod: string
  ) {}

  async fresh(): Promise<CoreV1Event[]> {
    if (!this.#available) {
      return []
    }
    try {
      const { items } = await this.core.listNamespacedEvent({
        namespace: this.namespace,
        fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${this.pod}`,
      })
      const fresh = items.filter((event) => {
        const key = `${event.metadata?.uid}|${event.count ?? 1}`
        if (this.#seen.has(key)) {
          return false
        }
        this.#seen.add(key)
        return true
      })
      this.all.push(...fresh)
      return fresh
    } catch (error) {
      // Events are a nicety: without the permission (403), go on without them.
      if (isDenied(error)) {
        this.#available = false
      }
      return []
    }
  }
}
