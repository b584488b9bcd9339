import env from '#start/env'
import { parseLabelSelector } from '#domain/label_selectors'

/** The pods that may connect to environments by default: the portal and guacd. */
const DEFAULT_ACCESS_PODS = 'app.kubernetes.io/name in (facility-portal,guacd)'

/** "host:container" pairs, comma-separated, mounted read-only into every environment. */
function siteMounts(value: string | undefined, variable = 'DOCKER_SITE_MOUNTS') {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [hostPath, containerPath] = entry.split(':')
      if (!hostPath?.startsWith('/') || !containerPath?.startsWith('/')) {
        throw new Error(
          `Invalid environment variable "${variable}": "${entry}" is not /host:/container`
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
 * The three TLS files for a tcp:// engine, all or none: one or two of
 * them would silently fall back to plain TCP, which carries root on the
 * engine's host to anyone on the path.
 */
function dockerTls() {
  const files = {
    DOCKER_TLS_CA: env.get('DOCKER_TLS_CA'),
    DOCKER_TLS_CERT: env.get('DOCKER_TLS_CERT'),
    DOCKER_TLS_KEY: env.get('DOCKER_TLS_KEY'),
  }
  const missing = Object.entries(files).filter(([, value]) => !value)
  if (missing.length > 0 && missing.length < 3) {
    throw new Error(
      `Missing environment variable "${missing[0][0]}": Docker TLS needs DOCKER_TLS_CA, DOCKER_TLS_CERT and DOCKER_TLS_KEY together`
    )
  }
  return { ca: files.DOCKER_TLS_CA, cert: files.DOCKER_TLS_CERT, key: files.DOCKER_TLS_KEY }
}

/**
 * Where environments are attached: "isolated" (default: a network per
 * environment), "host", "none" or a shared network's name. "host" gives
 * every environment the host's loopback and interfaces, with guacd and the
 * portal on them: refused in production.
 */
function dockerNetwork() {
  const network = env.get('DOCKER_NETWORK', 'isolated')
  if (network === 'host' && env.get('NODE_ENV') === 'production') {
    throw new Error(
      'Invalid environment variable "DOCKER_NETWORK": "host" is refused in production (environments would reach the host, guacd and the portal); use "isolated"'
    )
  }
  return network
}

/** Private ranges environments may reach despite the egress denial (CIDRs, firewall script). */
function egressAllow() {
  return (env.get('ENVIRONMENT_EGRESS_ALLOW') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
}

/**
 * The registry login images are pulled with, all three settings or none
 * (a username without its password would only surface as failed pulls).
 * Sent to REGISTRY_SERVER alone, never logged or shown.
 */
function registryCredentials() {
  const settings = {
    REGISTRY_SERVER: env.get('REGISTRY_SERVER'),
    REGISTRY_USERNAME: env.get('REGISTRY_USERNAME'),
    REGISTRY_PASSWORD: env.get('REGISTRY_PASSWORD')?.release(),
  }
  const missing = Object.entries(settings).filter(([, value]) => !value)
  if (missing.length === 3) {
    return null
  }
  if (missing.length > 0) {
    throw new Error(
      `Missing environment variable "${missing[0][0]}": registry credentials need REGISTRY_SERVER, REGISTRY_USERNAME and REGISTRY_PASSWORD together`
    )
  }
  return {
    server: settings.REGISTRY_SERVER!,
    username: settings.REGISTRY_USERNAME!,
    password: settings.REGISTRY_PASSWORD!,
  }
}

/** The pods allowed to connect to environments (guacd, the portal), as a label selector. */
function accessPods() {
  const text = env.get('KUBERNETES_ACCESS_PODS') || DEFAULT_ACCESS_PODS
  try {
    return parseLabelSelector(text)
  } catch (error) {
    throw new Error(
      `Invalid environment variable "KUBERNETES_ACCESS_PODS": ${(error as Error).message}`
    )
  }
}

/** What the Kubernetes driver needs for its configuration mode; refuses to boot otherwise. */
function kubernetesSettings() {
  const enabled = env.get('KUBERNETES_ENABLED', false)
  const mode = env.get('KUBERNETES_CONFIG', 'in-cluster')
  const server = env.get('KUBERNETES_SERVER')
  const volumeMode = env.get('KUBERNETES_VOLUME_MODE', 'hostPath')
  const datasetsPvc = env.get('KUBERNETES_DATASETS_PVC')
  const outputPvc = env.get('KUBERNETES_OUTPUT_PVC')
  if (enabled && mode === 'explicit' && !server) {
    throw new Error(
      'Missing environment variable "KUBERNETES_SERVER": KUBERNETES_CONFIG=explicit needs it'
    )
  }
  if (enabled && volumeMode === 'pvc' && (!datasetsPvc || !outputPvc)) {
    throw new Error(
      'Missing environment variable "KUBERNETES_DATASETS_PVC" or "KUBERNETES_OUTPUT_PVC": KUBERNETES_VOLUME_MODE=pvc needs both'
    )
  }
  return {
    enabled,
    /** in-cluster (service account), kubeconfig (file), explicit (server + token + CA). */
    mode,
    kubeconfig: env.get('KUBERNETES_KUBECONFIG'),
    server,
    token: env.get('KUBERNETES_TOKEN'),
    caFile: env.get('KUBERNETES_CA_FILE'),
    /** Where environment pods, services and secrets live (not the portal's own namespace). */
    namespace: env.get('KUBERNETES_NAMESPACE', 'portal-workloads'),
    /** hostPath: the nodes see DATASETS_ROOT / OUTPUT_ROOT; pvc: two claims hold them. */
    volumeMode,
    datasetsPvc,
    outputPvc,
    timeoutMs: env.get('KUBERNETES_TIMEOUT', 30) * 1000,
    defaultUser: {
      uid: env.get('KUBERNETES_DEFAULT_UID', 1000),
      gid: env.get('KUBERNETES_DEFAULT_GID', 1000),
    },
    siteMounts: siteMounts(env.get('KUBERNETES_SITE_MOUNTS'), 'KUBERNETES_SITE_MOUNTS'),
    /** Who may connect to an environment's service port (NetworkPolicy ingress). */
    access: {
      namespace: env.get('KUBERNETES_ACCESS_NAMESPACE', 'portal'),
      pods: accessPods(),
    },
    /** Secrets of the namespace holding registry logins, named in every pod's imagePullSecrets. */
    imagePullSecrets: (env.get('KUBERNETES_IMAGE_PULL_SECRETS') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
    /** API server endpoints environments may not reach even when public (NetworkPolicy egress). */
    apiServerCidrs: (env.get('KUBERNETES_API_SERVER_CIDRS') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  }
}

/**
 * Where environments run. Engine objects carry the label
 * `facility-portal.instance=<PORTAL_INSTANCE_ID>`: reconciliation only ever
 * touches objects of this installation.
 */
const provisioningConfig = {
  instanceId: env.get('PORTAL_INSTANCE_ID', 'facility-portal'),
  /** Private ranges (CIDRs) environments may reach; everything else private is denied. */
  egressAllow: egressAllow(),
  /** Whether environments may reach public addresses (firewall script). */
  egressPublic: env.get('ENVIRONMENT_EGRESS_PUBLIC', 'allow'),
  /** How long an environment may take to answer on its service port. */
  readyTimeoutMs: env.get('ENVIRONMENT_READY_TIMEOUT', 120) * 1000,

  /** Images the engine has to pull from a registry (Docker driver). */
  images: {
    /** Login for one registry; null pulls anonymously. */
    registry: registryCredentials(),
    /** The longest a pull may take before the launch fails. */
    pullTimeoutMs: env.get('IMAGE_PULL_TIMEOUT', 600) * 1000,
  },

  docker: {
    socketPath: env.get('DOCKER_SOCKET', '/var/run/docker.sock'),
    /** tcp://host:2376 instead of the socket; TLS when the three files are set. */
    hostUrl: engineUrl(env.get('DOCKER_HOST_URL')),
    tls: dockerTls(),
    /**
     * "isolated" (production: a bridge network per environment, reachable
     * only through the host firewall of deploy/docker/environment_firewall.sh),
     * "host" (development and tests: each environment gets a free loopback
     * port, told to it as PORTAL_SERVICE_PORT), "none" (no network), or the
     * name of a user-defined network all environments share (flat: not isolated).
     */
    network: dockerNetwork(),
    timeoutMs: env.get('DOCKER_TIMEOUT', 30) * 1000,
    /**
     * Container creates and starts sent to the engine at once; more wait
     * in the portal, so a burst of launches does not run every engine call
     * past DOCKER_TIMEOUT.
     */
    maxParallelStarts: env.get('DOCKER_MAX_PARALLEL_STARTS', 8),
    /** Identity of environments without an experiment uid/gid: never root. */
    defaultUser: {
      uid: env.get('DOCKER_DEFAULT_UID', 1000),
      gid: env.get('DOCKER_DEFAULT_GID', 1000),
    },
    pidsLimit: env.get('DOCKER_PIDS_LIMIT', 1024),
    siteMounts: siteMounts(env.get('DOCKER_SITE_MOUNTS')),
  },

  /** Environments as pods of one namespace; only used when KUBERNETES_ENABLED. */
  kubernetes: kubernetesSettings(),
}

export default provisioningConfig
