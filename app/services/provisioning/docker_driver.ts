import type Docker from 'dockerode'
import logger from '@adonisjs/core/services/logger'
import provisioningConfig from '#config/provisioning'
import { assertResourceLimits, nonRootIdentity } from '#services/provisioning/spec_guards'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import type { MountMode } from '#domain/dataset_mounts'
import DockerEngines, {
  type DockerConnection,
  type DockerEngine,
} from '#services/provisioning/docker_client'
import { dockerErrorReader, engineReason } from '#services/provisioning/docker_errors'
import { DriverErrors } from '#services/provisioning/driver_errors'
import { LoopbackPorts } from '#services/provisioning/free_port'
import { ConcurrencyLimit } from '#services/provisioning/concurrency_limit'
import ImagePuller, { type ImagePullSettings } from '#services/provisioning/image_puller'
import {
  createEnvironmentNetwork,
  environmentNetworkName,
  ISOLATED_NETWORK,
  listEnvironmentNetworks,
  removeEnvironmentNetworks,
} from '#services/provisioning/docker_networks'
import type {
  Endpoint,
  EnvironmentSpec,
  InstanceState,
  ProgressReporter,
  ProvisioningDriver,
} from '#services/provisioning/provisioning_driver'
import { waitForTcp } from '#services/provisioning/tcp_readiness'
import { probeEngine } from '#services/provisioning/docker_engine_probe'
import { observeCall, observed } from '#services/metrics/outside_calls'

/** Labels on every container of the portal; reconciliation reads them back. */
export const DOCKER_LABELS = {
  instance: 'facility-portal.instance',
  environment: 'facility-portal.environment',
  owner: 'facility-portal.owner',
  /** The service port the container was told (PORTAL_SERVICE_PORT), kept for restarts. */
  port: 'facility-portal.port',
} as const

/** Time a stopping environment gets before the engine kills it. */
const STOP_GRACE_SECONDS = 10

/** Everything the driver reads from config/provisioning.ts (tests override parts). */
export type DockerDriverOptions = {
  instanceId: string
  /**
   * "isolated" (a network per environment, see docker_networks.ts), "host",
   * "none" or the name of a user-defined network shared by all.
   */
  network: string
  connection: DockerConnection
  defaultUser: { uid: number; gid: number }
  pidsLimit: number
  siteMounts: { hostPath: string; containerPath: string; mode: MountMode }[]
  /** Registry login and pull timeout (config/provisioning.ts `images`). */
  images: ImagePullSettings
  /** Most container creates and starts sent to the engine at once; the rest queue. */
  maxParallelStarts: number
}

function configuredOptions(): DockerDriverOptions {
  const { instanceId, docker, images } = provisioningConfig
  return {
    instanceId,
    network: docker.network,
    connection: {
      socketPath: docker.socketPath,
      hostUrl: docker.hostUrl,
      tls: docker.tls,
      timeoutMs: docker.timeoutMs,
    },
    defaultUser: docker.defaultUser,
    pidsLimit: docker.pidsLimit,
    siteMounts: docker.siteMounts,
    images,
    maxParallelStarts: docker.maxParallelStarts,
  }
}

/** dockerode's failures as the portal's coded exceptions (stateless: one for all drivers). */
const errors = new DriverErrors(dockerErrorReader)

/** The environment id an engine object is labelled with; undefined when absent or malformed. */
function environmentIdOf(labels: Record<string, string> | undefined) {
  const environmentId = Number(labels?.[DOCKER_LABELS.environment])
  return Number.isSafeInteger(environmentId) && environmentId > 0 ? environmentId : undefined
}

/** "exited (137)" from the engine's "Exited (137) 5 seconds ago". */
function describeState(container: Docker.ContainerInfo) {
  const exitCode = /\((-?\d+)\)/.exec(container.Status)?.[1]
  return exitCode === undefined ? container.State : `${container.State} (${exitCode})`
}

/** Docker's "uid:gid" form of the (non-root) identity. */
function userOf(spec: EnvironmentSpec, fallback: { uid: number; gid: number }) {
  const { uid, gid } = nonRootIdentity(spec, fallback)
  return `${uid}:${gid}`
}

/** Bounds the containers watched for readiness (create/start without a wait). */
const MAX_WATCHED = 1000

/**
 * Runs environments as containers of one Docker engine. Containers are
 * labelled with the instance id and never run as root, privileged or with
 * capabilities; limits come from the quota reservation. Images are pulled
 * by their policy (image_puller.ts).
 */
export default class DockerDriver implements ProvisioningDriver {
  readonly name = 'docker' as const
  #options: DockerDriverOptions
  #engines: DockerEngines
  /**
   * Containers by the endpoint create/start handed out, so that
   * waitUntilReady tells a service that died from a slow one.
   */
  #watched = new Map<string, { engineId: string; environmentId: number }>()
  #hostPorts = new LoopbackPorts()
  /** Container creates and starts under way on the engine (DOCKER_MAX_PARALLEL_STARTS). */
  #starts: ConcurrencyLimit
  /** The ping under way, which callers arriving meanwhile share. */
  #pinging: Promise<void> | null = null

  /**
   * Options default to config/provisioning.ts; tests override some. The
   * container's one (providers/provisioning_provider.ts) shares the
   * process's engines.
   */
  constructor(options: Partial<DockerDriverOptions> = {}, engines = new DockerEngines()) {
    this.#options = { ...configuredOptions(), ...options }
    this.#engines = engines
    this.#starts = new ConcurrencyLimit(this.#options.maxParallelStarts)
  }

  @observed('docker', 'create')
  async create(spec: EnvironmentSpec, progress: ProgressReporter) {
    const user = userOf(spec, this.#options.defaultUser)
    assertResourceLimits(spec)
    const engine = await this.#engine()
    const images = new ImagePuller(engine.client, this.#options.images)
    const { reference, pullPolicy } = spec.image

    // "always" asks the registry first; an image the engine lacks is pulled when the create
    // says so (no inspect before every launch), with its progress as events.
    if (pullPolicy === 'always') {
      await images.ensure(reference, pullPolicy, progress)
    }

    const network = this.#options.network
    const port =
      network === 'host' ? await this.#hostPorts.pick() : network === 'none' ? 0 : spec.image.port
    const networkMode = network === ISOLATED_NETWORK ? environmentNetworkName(spec.name) : network
    if (network === ISOLATED_NETWORK) {
      await this.#call(
        () =>
          this.#claimingName(
            () =>
              createEnvironmentNetwork(engine.client, {
                instanceId: this.#options.instanceId,
                environmentId: spec.environmentId,
                ownerId: spec.owner.id,
                name: networkMode,
              }),
            () => this.remove(spec.environmentId)
          ),
        "The container engine could not create the environment's network"
      )
    }
    let container: Docker.Container | undefined
    try {
      const options = this.#containerOptions(spec, engine, user, port, networkMode)
      // A pull, when one is needed, waits outside the queue of creates and starts.
      const createContainer = () =>
        this.#starts.run(() =>
          this.#claimingName(
            () => this.#createContainer(engine, options),
            () => this.#removeContainers(engine, spec.environmentId)
          )
        )
      container = await this.#call(
        () =>
          pullPolicy === 'always'
            ? createContainer()
            : images.pullingWhenMissing(reference, progress, createContainer),
        'The container engine refused to create the environment'
      )
      progress('created', `Container ${spec.name} created`)
      await this.#call(
        () => this.#starts.run(() => container!.start()),
        'The container engine could not start the environment'
      )
      const endpoint =
        this.#knownEndpoint(network, port) ?? (await this.#runningEndpoint(container))
      this.#watch(endpoint, container.id, spec.environmentId)
      return { engineId: container.id, endpoint }
    } catch (error) {
      // Never leave an orphan (container or network) behind a failed create.
      await this.#discard(engine, spec.environmentId, container)
      throw error
    }
  }

  async waitUntilReady(endpoint: Endpoint, timeoutMs: number) {
    if (!endpoint.port) {
      return
    }
    const key = this.#endpointKey(endpoint)
    const target = this.#watched.get(key)
    try {
      const answered = await waitForTcp(
        endpoint.host,
        endpoint.port,
        timeoutMs,
        target ? () => this.#stillRunning(target.engineId) : undefined
      )
      if (!answered) {
        throw new ProvisioningFailedException(
          `The environment did not answer on its port within ${Math.round(timeoutMs / 1000)} s`
        )
      }
    } finally {
      this.#watched.delete(key)
    }
  }

  @observed('docker', 'stop')
  async stop(spec: EnvironmentSpec) {
    this.#unwatch(spec.environmentId)
    const engine = await this.#engine()
    // The call must outlive the grace period.
    const grace = Math.max(
      1,
      Math.min(STOP_GRACE_SECONDS, Math.floor(this.#options.connection.timeoutMs / 2000))
    )
    for (const found of await this.#find(engine, spec.environmentId)) {
      await this.#call(
        () => errors.unless([304, 404], engine.client.getContainer(found.Id).stop({ t: grace })),
        'The container engine could not stop the environment'
      )
    }
  }

  @observed('docker', 'start')
  async start(spec: EnvironmentSpec, progress: ProgressReporter) {
    const engine = await this.#engine()
    const [found] = await this.#find(engine, spec.environmentId)
    if (!found) {
      progress('recreate', 'The container was gone: creating it again')
      return this.create(spec, progress)
    }
    const container = engine.client.getContainer(found.Id)
    if (found.State !== 'running') {
      await this.#call(
        () => this.#starts.run(() => errors.unless([304], container.start())),
        'The container engine could not start the environment'
      )
    }
    const endpoint = await this.#runningEndpoint(container)
    this.#watch(endpoint, found.Id, spec.environmentId)
    return { engineId: found.Id, endpoint }
  }

  @observed('docker', 'remove')
  async remove(environmentId: number) {
    this.#unwatch(environmentId)
    const engine = await this.#engine()
    await this.#removeContainers(engine, environmentId)
    // Whatever DOCKER_NETWORK says now: a network of an earlier setting goes too.
    await this.#call(
      () => removeEnvironmentNetworks(engine.client, this.#options.instanceId, environmentId),
      "The container engine could not remove the environment's network"
    )
  }

  /**
   * Containers of this instance, and networks whose container is gone (a
   * create interrupted between the two), so the reconciler removes them.
   */
  @observed('docker', 'list')
  async list(): Promise<InstanceState[]> {
    const engine = await this.#engine()
    const containers = await this.#find(engine)
    const networks = await this.#call(
      () => listEnvironmentNetworks(engine.client, this.#options.instanceId),
      'The container engine could not list environment networks'
    )
    const states: InstanceState[] = []
    const withContainer = new Set<number>()
    for (const container of containers) {
      const environmentId = environmentIdOf(container.Labels)
      if (environmentId !== undefined) {
        withContainer.add(environmentId)
        states.push({
          environmentId,
          engineId: container.Id,
          running: container.State === 'running',
          status: describeState(container),
        })
      }
    }
    for (const network of networks) {
      const environmentId = environmentIdOf(network.Labels)
      if (environmentId !== undefined && !withContainer.has(environmentId)) {
        withContainer.add(environmentId)
        states.push({ environmentId, engineId: network.Id, running: false, status: 'network only' })
      }
    }
    return states
  }

  /**
   * Requests asking at once share one ping: a burst of requisitions each
   * checks the engine before reserving, and each still gets an answer
   * given after it asked.
   */
  ping() {
    this.#pinging ??= observeCall('docker', 'ping', () => this.#ping()).finally(
      () => (this.#pinging = null)
    )
    return this.#pinging
  }

  async #ping() {
    const { connection } = this.#options
    // Until an engine call has loaded dockerode, the readiness check's pings do without it.
    if (!this.#engines.has(connection)) {
      try {
        return await probeEngine(connection)
      } catch (error) {
        throw errors.unavailable(error)
      }
    }
    const engine = await this.#engine()
    try {
      await engine.client.ping()
    } catch (error) {
      throw errors.unavailable(error)
    }
  }

  /**
   * The engine's full view of one container (Docker only: diagnostics and
   * tests). Contains the environment variables, secret included.
   */
  async inspect(engineId: string): Promise<Docker.ContainerInspectInfo> {
    const engine = await this.#engine()
    return this.#call(
      () => engine.client.getContainer(engineId).inspect(),
      'The container engine does not know this environment'
    )
  }

  /** What the engine is and can do (storage limits are only known after one create). */
  async engineInfo() {
    const engine = await this.#engine()
    return {
      apiVersion: engine.apiVersion,
      storageDriver: engine.storageDriver,
      storageLimits: engine.storageLimits,
    }
  }

  /** The negotiated client; an engine that cannot be used is unavailable. */
  async #engine() {
    try {
      return await this.#engines.connect(this.#options.connection)
    } catch (error) {
      throw errors.unavailable(error)
    }
  }

  /** Runs an engine call; a refusal says `refused` unless the engine's reason is a known one. */
  #call<T>(action: () => Promise<T>, refused: string): Promise<T> {
    return errors.call(action, { refused })
  }

  /** Containers of this instance, all states; of one environment when given. */
  #find(engine: DockerEngine, environmentId?: number) {
    const label = [`${DOCKER_LABELS.instance}=${this.#options.instanceId}`]
    if (environmentId !== undefined) {
      label.push(`${DOCKER_LABELS.environment}=${environmentId}`)
    }
    return this.#call(
      () => engine.client.listContainers({ all: true, filters: { label } }),
      'The container engine could not list environments'
    )
  }

  /** Removes the environment's containers (404: already gone; 409: a removal in progress). */
  async #removeContainers(engine: DockerEngine, environmentId: number) {
    for (const found of await this.#find(engine, environmentId)) {
      await this.#call(
        () =>
          errors.unless(
            [404, 409],
            engine.client.getContainer(found.Id).remove({ force: true, v: true })
          ),
        'The container engine could not remove the environment'
      )
    }
  }

  /**
   * Creates an engine object named after the environment. The name is
   * still held (409) only when an earlier, interrupted attempt left its
   * object behind: `clear` removes that, and the create is tried once more.
   * A fresh environment thus costs no look for leftovers.
   */
  async #claimingName<T>(create: () => Promise<T>, clear: () => Promise<void>): Promise<T> {
    try {
      return await create()
    } catch (error) {
      if (errors.status(error) !== 409) {
        throw error
      }
      await clear()
      return create()
    }
  }

  #containerOptions(
    spec: EnvironmentSpec,
    engine: DockerEngine,
    user: string,
    port: number,
    networkMode: string
  ): Docker.ContainerCreateOptions {
    const { resources } = spec
    const environment = {
      ...spec.image.environment,
      PORTAL_SECRET: spec.secret,
      PORTAL_SERVICE_PORT: String(port),
      PORTAL_ENVIRONMENT_ID: String(spec.environmentId),
    }
    const storage = resources.storageBytes > 0
    if (storage && !engine.storageLimits) {
      this.#warnNoStorageLimits(engine)
    }
    return {
      name: spec.name,
      Image: spec.image.reference,
      Cmd: spec.image.command?.length ? spec.image.command : undefined,
      Env: Object.entries(environment).map(([key, value]) => `${key}=${value}`),
      User: user,
      // Never the secret: labels are readable by anyone who can list containers.
      Labels: {
        [DOCKER_LABELS.instance]: this.#options.instanceId,
        [DOCKER_LABELS.environment]: String(spec.environmentId),
        [DOCKER_LABELS.owner]: String(spec.owner.id),
        [DOCKER_LABELS.port]: String(port),
      },
      HostConfig: {
        // An init as PID 1 forwards signals: stop does not wait out its timeout.
        Init: true,
        Memory: resources.memoryBytes,
        // Equal to Memory: no swap on top of the memory limit.
        MemorySwap: resources.memoryBytes,
        NanoCpus: resources.cpuMillicores * 1_000_000,
        PidsLimit: this.#options.pidsLimit,
        Privileged: false,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        // Per image (the catalogue's readOnlyRootFilesystem); /tmp stays writable.
        ReadonlyRootfs: Boolean(spec.image.readOnlyRootFilesystem),
        ...(spec.image.readOnlyRootFilesystem
          ? { Tmpfs: { '/tmp': 'rw,nosuid,nodev,mode=1777' } }
          : {}),
        RestartPolicy: { Name: 'no' },
        NetworkMode: networkMode,
        Mounts: [...spec.mounts, ...this.#options.siteMounts].map((mount) => ({
          Type: 'bind' as const,
          Source: mount.hostPath,
          Target: mount.containerPath,
          ReadOnly: mount.mode === 'ro',
        })),
        ...(storage && engine.storageLimits
          ? { StorageOpt: { size: String(resources.storageBytes) } }
          : {}),
        ...(resources.gpus > 0
          ? {
              DeviceRequests: [
                { Driver: 'nvidia', Count: resources.gpus, Capabilities: [['gpu']] },
              ],
            }
          : {}),
      },
    }
  }

  /** Creates; drops the storage limit when the engine turns out not to support it. */
  async #createContainer(engine: DockerEngine, options: Docker.ContainerCreateOptions) {
    try {
      return await engine.client.createContainer(options)
    } catch (error) {
      const { StorageOpt: storageOpt, ...hostConfig } = options.HostConfig ?? {}
      if (!storageOpt || !/storage-opt/i.test(engineReason(error))) {
        throw error
      }
      engine.storageLimits = false
      this.#warnNoStorageLimits(engine)
      return engine.client.createContainer({ ...options, HostConfig: hostConfig })
    }
  }

  /** Removes what a failed create made; logged, never thrown (the create's error matters). */
  async #discard(engine: DockerEngine, environmentId: number, container?: Docker.Container) {
    if (container) {
      await container.remove({ force: true, v: true }).catch((removal: unknown) => {
        logger.warn({ err: removal, engineId: container.id }, 'Could not remove a failed container')
      })
    }
    await removeEnvironmentNetworks(engine.client, this.#options.instanceId, environmentId).catch(
      (removal: unknown) => {
        logger.warn({ err: removal, environmentId }, 'Could not remove a failed network')
      }
    )
  }

  #warnNoStorageLimits(engine: DockerEngine) {
    if (!engine.storageLimitsWarned) {
      engine.storageLimitsWarned = true
      logger.warn(
        { docker: { storageDriver: engine.storageDriver } },
        'The Docker engine cannot limit container storage: storage quotas are not enforced'
      )
    }
  }

  #endpointKey(endpoint: Endpoint) {
    return `${this.#options.instanceId}|${endpoint.host}:${endpoint.port}`
  }

  #watch(endpoint: Endpoint, engineId: string, environmentId: number) {
    if (!endpoint.port) {
      return
    }
    if (this.#watched.size >= MAX_WATCHED) {
      this.#watched.delete(this.#watched.keys().next().value!)
    }
    this.#watched.set(this.#endpointKey(endpoint), { engineId, environmentId })
  }

  #unwatch(environmentId: number) {
    const prefix = `${this.#options.instanceId}|`
    for (const [key, target] of this.#watched) {
      if (key.startsWith(prefix) && target.environmentId === environmentId) {
        this.#watched.delete(key)
      }
    }
  }

  /**
   * Throws when the container being waited for has stopped or is gone; an
   * engine that does not answer right now is no reason to give up.
   */
  async #stillRunning(engineId: string) {
    let running: boolean
    let exitCode: number
    try {
      const { client } = await this.#engines.connect(this.#options.connection)
      const info = await client.getContainer(engineId).inspect()
      running = info.State.Running
      exitCode = info.State.ExitCode
    } catch (error) {
      if (errors.status(error) === 404) {
        throw new ProvisioningFailedException('The environment was removed before it answered')
      }
      return
    }
    if (!running) {
      throw new ProvisioningFailedException(
        `The environment stopped before answering on its port (exit code ${exitCode})`
      )
    }
  }

  /**
   * Where a container this driver just created on the host network answers:
   * the port it picked, known without asking the engine (an inspect, a round
   * trip to a busy engine on the way to "running"). One that stopped at once
   * is found by the readiness probe instead, which asks the engine while the
   * port does not answer (waitUntilReady, within a second). Undefined on
   * other networks: the address is the engine's to give, and a container
   * without network has no port for a probe to find it dead.
   */
  #knownEndpoint(network: string, port: number): Endpoint | undefined {
    return network === 'host' ? { host: '127.0.0.1', port } : undefined
  }

  /** Where a just-started container answers; one that already stopped is a failure. */
  async #runningEndpoint(container: Docker.Container): Promise<Endpoint> {
    const info = await this.#call(
      () => container.inspect(),
      'The container engine lost the environment'
    )
    if (!info.State.Running) {
      throw new ProvisioningFailedException(
        `The environment stopped at once (exit code ${info.State.ExitCode})`
      )
    }
    const mode = info.HostConfig.NetworkMode ?? this.#options.network
    const port = Number(info.Config.Labels?.[DOCKER_LABELS.port] ?? 0)
    if (mode === 'none') {
      return { host: '', port: 0 }
    }
    if (mode === 'host') {
      return { host: '127.0.0.1', port }
    }
    const network = mode === 'default' ? 'bridge' : mode
    const host = info.NetworkSettings.Networks[network]?.IPAddress
    if (!host) {
      throw new ProvisioningFailedException(
        `The environment has no address on the network "${network}"`
      )
    }
    return { host, port }
  }
}
