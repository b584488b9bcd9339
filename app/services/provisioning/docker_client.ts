import { readFile } from 'node:fs/promises'
import type Docker from 'dockerode'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'

/** How to reach one Docker engine. */
export type DockerConnection = {
  /** Unix socket of the engine; ignored when hostUrl is set. */
  socketPath: string
  /** tcp://host:port (or http://, https://); TLS when the three files are given. */
  hostUrl?: string
  /** PEM file paths: CA, client certificate and key. */
  tls: { ca?: string; cert?: string; key?: string }
  /** Limit of every call to the engine. */
  timeoutMs: number
}

/** A client speaking the engine's own API version, and what the engine can do. */
export type DockerEngine = {
  client: Docker
  /** e.g. "1.41". */
  apiVersion: string
  /** e.g. "overlay2". */
  storageDriver: string
  /**
   * Whether containers can get a root file-system size limit
   * (`StorageOpt.size`). Set to false when the engine refuses it.
   */
  storageLimits: boolean
  /** Whether the missing storage limits were logged already (once per engine). */
  storageLimitsWarned: boolean
}

/** DeviceRequests (GPUs) appeared in API 1.40 (Docker 19.03). */
const MIN_API_VERSION = [1, 40]

/**
 * Storage drivers that honour `StorageOpt.size`. overlay2 needs xfs mounted
 * with pquota, which `info()` cannot tell: it is tried, and dropped when refused.
 */
function supportsStorageLimits(driver: string, backingFilesystem: string | undefined) {
  if (driver === 'overlay2') {
    return backingFilesystem === 'xfs'
  }
  return ['btrfs', 'zfs', 'devicemapper', 'windowsfilter'].includes(driver)
}

function parseVersion(version: string) {
  return version.split('.').map((part) => Number.parseInt(part, 10))
}

function isOlder(version: number[], than: number[]) {
  return version[0] < than[0] || (version[0] === than[0] && version[1] < than[1])
}

/** Refuses an engine older than the portal needs. */
export function assertSupportedApiVersion(apiVersion: string) {
  if (isOlder(parseVersion(apiVersion), MIN_API_VERSION)) {
    throw new ProvisioningUnavailableException(
      `The Docker engine is too old (API ${apiVersion}, 1.40 or later is needed)`
    )
  }
}

/**
 * Constructor options for one connection. Every key is given, undefined
 * included: docker-modem would otherwise fill them from DOCKER_HOST and
 * DOCKER_CERT_PATH of the process environment.
 */
export async function clientOptions(connection: DockerConnection): Promise<Docker.DockerOptions> {
  const base = { timeout: connection.timeoutMs, ca: undefined, cert: undefined, key: undefined }
  if (!connection.hostUrl) {
    return {
      ...base,
      socketPath: connection.socketPath,
      host: undefined,
      port: undefined,
      protocol: 'http',
    }
  }
  const url = new URL(connection.hostUrl)
  const { ca, cert, key } = connection.tls
  const tls = ca && cert && key
  return {
    ...base,
    socketPath: undefined,
    host: url.hostname,
    port: url.port || (tls ? 2376 : 2375),
    protocol: tls || url.protocol === 'https:' ? 'https' : 'http',
    ...(tls
      ? {
          ca: await readFile(ca, 'utf8'),
          cert: await readFile(cert, 'utf8'),
          key: await readFile(key, 'utf8'),
        }
      : {}),
  }
}

async function negotiate(connection: DockerConnection): Promise<DockerEngine> {
  // Loaded on the first engine call: dockerode brings grpc-js, protobufjs and
  // ssh2 (about 150 modules, 8 MiB of heap) that an idle portal does not need.
  const { default: Docker } = await import('dockerode')
  const options = await clientOptions(connection)
  // dockerode does not negotiate: ask unversioned, then pin what the engine speaks.
  const probe = new Docker(options)
  const { ApiVersion: apiVersion } = await probe.version()
  assertSupportedApiVersion(apiVersion)
  const client = new Docker({ ...options, version: `v${apiVersion}` })
  const info = await client.info()
  const backing = (info.DriverStatus as [string, string][] | undefined)?.find(
    ([name]) => name === 'Backing Filesystem'
  )?.[1]
  return {
    client,
    apiVersion,
    storageDriver: info.Driver,
    storageLimits: supportsStorageLimits(info.Driver, backing),
    storageLimitsWarned: false,
  }
}

/**
 * The engines behind connections, negotiated once and shared by every
 * driver: one per process as a container singleton
 * (providers/provisioning_provider.ts). A failed attempt is forgotten, so
 * the next call tries again (the engine may be back).
 */
export default class DockerEngines {
  #engines = new Map<string, Promise<DockerEngine>>()

  /** Whether an engine behind this connection was negotiated or is being negotiated. */
  has(connection: DockerConnection) {
    return this.#engines.has(JSON.stringify(connection))
  }

  connect(connection: DockerConnection): Promise<DockerEngine> {
    const key = JSON.stringify(connection)
    let engine = this.#engines.get(key)
    if (!engine) {
      engine = negotiate(connection)
      this.#engines.set(key, engine)
      engine.catch(() => this.#engines.delete(key))
    }
    return engine
  }
}
