import type { MountMode } from '#domain/dataset_mounts'
import type { AccessProtocol, DriverName } from '#domain/compute'
import type { PullPolicy } from '#domain/image_pull_policy'

export type { AccessProtocol } from '#domain/compute'

/** Everything a driver needs to run one environment. */
export type EnvironmentSpec = {
  environmentId: number
  /**
   * The engine objects' name (`engineObjectName`: instance and environment
   * ids, DNS-1123 safe): drivers name what they create with it, nothing else.
   */
  name: string
  owner: { id: number; username: string }
  image: {
    reference: string
    protocol: AccessProtocol
    /** The port the image's service listens on inside the container. */
    port: number
    command: string[] | null
    environment: Record<string, string>
    /** The root file system is read-only; /tmp is a scratch volume. */
    readOnlyRootFilesystem?: boolean
    /** When to pull it from its registry; "if-not-present" when absent. */
    pullPolicy?: PullPolicy
  }
  /** Hard limits, from the quota reservation. */
  resources: { cpuMillicores: number; memoryBytes: number; storageBytes: number; gpus: number }
  /** POSIX identity to run as (the experiment's); null means the site's non-root default. */
  runAs: { uid: number; gid: number } | null
  /** Confined mounts (host paths already resolved and checked). */
  mounts: { hostPath: string; containerPath: string; mode: MountMode }[]
  /** Per-environment random secret (e.g. the VNC password), passed to the container. */
  secret: string
}

/** Where a running environment can be reached (from the portal / guacd). */
export type Endpoint = { host: string; port: number }

/** An engine object this portal instance owns, as the engine reports it. */
export type InstanceState = {
  environmentId: number
  engineId: string
  running: boolean
  /** Engine's own words, e.g. "exited (137)". */
  status: string
}

/** An image the engine fetched from its registry for a launch. */
export type PulledImage = { reference: string; seconds: number }

/**
 * A step of provisioning, streamed to the user as progress. `facts` tells
 * the provisioner what the step did that it records beyond the stream
 * (a pulled image is audited). The steps lead up to running: that the
 * environment runs is told by create or start resolving, and the lifecycle
 * journals it ("started"), so a driver never reports it as a step.
 */
export type ProgressReporter = (
  step: string,
  message: string,
  facts?: { pulledImage?: PulledImage }
) => void

/**
 * A back end that runs environments: Docker (one engine) or Kubernetes.
 * Every method is idempotent where it can be (remove of a missing object
 * succeeds) and throws ProvisioningUnavailableException (503) when the
 * engine cannot be reached, ProvisioningFailedException when it refuses.
 */
export interface ProvisioningDriver {
  readonly name: DriverName
  /** Creates and starts the environment; resolves once it runs (not yet necessarily ready). */
  create(
    spec: EnvironmentSpec,
    progress: ProgressReporter
  ): Promise<{ engineId: string; endpoint: Endpoint }>
  /** Resolves when the service port answers, or throws after timeoutMs. */
  waitUntilReady(endpoint: Endpoint, timeoutMs: number): Promise<void>
  /** Stops it, keeping what is needed to start it again. */
  stop(spec: EnvironmentSpec): Promise<void>
  /** Starts a stopped environment again. */
  start(
    spec: EnvironmentSpec,
    progress: ProgressReporter
  ): Promise<{ engineId: string; endpoint: Endpoint }>
  /** Removes every engine object of the environment; succeeds when there is none. */
  remove(environmentId: number): Promise<void>
  /** Every object labelled as this portal instance's, for reconciliation. */
  list(): Promise<InstanceState[]>
  /** Throws when the engine is unreachable (readiness check). */
  ping(): Promise<void>
}
