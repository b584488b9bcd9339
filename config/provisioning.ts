import env from '#start/env'

/** "host:container" pairs, comma-separated, mounted read-only into every environment. */
function siteMounts(value: string | undefined) {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [hostPath, containerPath] = entry.split(':')
      if (!hostPath?.startsWith('/') || !containerPath?.startsWith('/')) {
        throw new Error(
          `Invalid environment variable "DOCKER_SITE_MOUNTS": "${entry}" is not /host:/container`
        )
      }
      return { hostPath, containerPath, mode: 'ro' as const }
    })
}

/** tcp://host:port (or http://, https://): the engine's TCP endpoint. */
function engineUrl(value: string | undefined) {
  if (!value) {
    return undefined
  }
  const url = URL.canParse(value) ? new URL(value) : null
  if (!url || !['tcp:', 'http:', 'https:'].includes(url.protocol) || !url.hostname) {
    throw new Error(
      `Invalid environment variable "DOCKER_HOST_URL": "${value}" is not tcp://host:port`
    )
  }
  return value
}

/**
 * Where environments run. Engine objects carry the label
 * `facility-portal.instance=<PORTAL_INSTANCE_ID>`: reconciliation only ever
 * touches objects of this installation.
 */
const provisioningConfig = {
  instanceId: env.get('PORTAL_INSTANCE_ID', 'facility-portal'),
  /** How long an environment may take to answer on its service port. */
  readyTimeoutMs: env.get('ENVIRONMENT_READY_TIMEOUT', 120) * 1000,

  docker: {
    socketPath: env.get('DOCKER_SOCKET', '/var/run/docker.sock'),
    /** tcp://host:2376 instead of the socket; TLS when the three files are set. */
    hostUrl: engineUrl(env.get('DOCKER_HOST_URL')),
    tls: {
      ca: env.get('DOCKER_TLS_CA'),
      cert: env.get('DOCKER_TLS_CERT'),
      key: env.get('DOCKER_TLS_KEY'),
    },
    /**
     * A user-defined network shared with guacd (production), "host"
     * (development and tests: each environment gets a free loopback port,
     * told to it as PORTAL_SERVICE_PORT), or "none" (no network).
     */
    network: env.get('DOCKER_NETWORK', 'portal-workloads'),
    timeoutMs: env.get('DOCKER_TIMEOUT', 30) * 1000,
    /** Identity of environments without an experiment uid/gid: never root. */
    defaultUser: {
      uid: env.get('DOCKER_DEFAULT_UID', 1000),
      gid: env.get('DOCKER_DEFAULT_GID', 1000),
    },
    pidsLimit: env.get('DOCKER_PIDS_LIMIT', 1024),
    siteMounts: siteMounts(env.get('DOCKER_SITE_MOUNTS')),
  },
}

export default provisioningConfig
