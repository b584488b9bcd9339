import {
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  NetworkingV1Api,
  ServerConfiguration,
  type Middleware,
} from '@kubernetes/client-node'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'

/** How to reach the cluster's API server. */
export type KubernetesConnection = {
  /** in-cluster: the pod's service account; kubeconfig: a file; explicit: server + token + CA. */
  mode: 'in-cluster' | 'kubeconfig' | 'explicit'
  /** kubeconfig mode: the file (its current context); the usual lookup when empty. */
  kubeconfig?: string
  /** explicit mode: https://api.cluster:6443 */
  server?: string
  /** explicit mode: a bearer token (a service account token). */
  token?: string
  /** explicit mode: PEM of the CA that signed the API server's certificate. */
  caFile?: string
  /** Limit of every call to the API server. */
  timeoutMs: number
}

/** An API client of one cluster. */
export type KubernetesCluster = { core: CoreV1Api; networking: NetworkingV1Api; server: string }

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost'])

/**
 * Whether the explicit server is plain http: only on loopback (kubectl
 * proxy, tests), where the token never crosses a network.
 */
function plainHttp(server: string | undefined) {
  const url = server && URL.canParse(server) ? new URL(server) : null
  if (url?.protocol !== 'http:') {
    return false
  }
  if (!LOOPBACK.has(url.hostname)) {
    throw new Error(`Plain http is only allowed to a loopback API server, not ${url.hostname}`)
  }
  return true
}

function loadConfig(connection: KubernetesConnection) {
  const config = new KubeConfig()
  if (connection.mode === 'in-cluster') {
    config.loadFromCluster()
  } else if (connection.mode === 'kubeconfig') {
    if (connection.kubeconfig) {
      config.loadFromFile(connection.kubeconfig)
    } else {
      config.loadFromDefault()
    }
  } else {
    config.loadFromOptions({
      clusters: [
        {
          name: 'portal',
          server: connection.server,
          caFile: connection.caFile,
          // Never for https: a token sent to an unverified server is a token given away.
          // The client wants it set for plain http (no TLS at all), which plainHttp confines to loopback.
          skipTLSVerify: plainHttp(connection.server),
        },
      ],
      users: [{ name: 'portal', token: connection.token }],
      contexts: [{ name: 'portal', cluster: 'portal', user: 'portal' }],
      currentContext: 'portal',
    })
  }
  return config
}

/** Gives every request an abort signal: a cluster that does not answer is unavailable, not hung. */
function timeoutMiddleware(timeoutMs: number): Middleware {
  return {
    pre: async (context) => {
      context.setSignal(AbortSignal.timeout(timeoutMs))
      return context
    },
    post: async (context) => context,
  }
}

function connect(connection: KubernetesConnection): KubernetesCluster {
  let config: KubeConfig
  try {
    config = loadConfig(connection)
  } catch (error) {
    throw new ProvisioningUnavailableException(
      `The Kubernetes configuration (${connection.mode}) cannot be loaded`,
      { cause: error }
    )
  }
  const cluster = config.getCurrentCluster()
  if (!cluster?.server) {
    throw new ProvisioningUnavailableException(
      `The Kubernetes configuration (${connection.mode}) names no API server`
    )
  }
  // makeApiClient, plus the timeout on every call.
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: config },
    promiseMiddleware: [timeoutMiddleware(connection.timeoutMs)],
  })
  return {
    core: new CoreV1Api(configuration),
    networking: new NetworkingV1Api(configuration),
    server: cluster.server,
  }
}

/**
 * The clients of connections, made once and shared by every driver: one
 * per process as a container singleton (providers/provisioning_provider.ts).
 * A configuration that cannot be loaded is not kept: the next call tries
 * again (the mounted token may appear).
 */
export default class KubernetesClusters {
  #clusters = new Map<string, KubernetesCluster>()

  connect(connection: KubernetesConnection): KubernetesCluster {
    const key = JSON.stringify(connection)
    let cluster = this.#clusters.get(key)
    if (!cluster) {
      cluster = connect(connection)
      this.#clusters.set(key, cluster)
    }
    return cluster
  }
}
