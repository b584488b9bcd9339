import app from '@adonisjs/core/services/app'
import DockerDriver, { DOCKER_LABELS } from '#services/provisioning/docker_driver'
import KubernetesDriver, {
  type KubernetesDriverOptions,
} from '#services/provisioning/kubernetes_driver'
import { instanceLabel, KUBERNETES_LABELS } from '#services/provisioning/kubernetes_names'
import DockerEngines from '#services/provisioning/docker_client'
import { freeLoopbackPort } from '#services/provisioning/free_port'
import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'
import { driverContract, driverSpec } from '#tests/helpers/driver_contract'
import { TEST_IMAGES, testConnection, testEngine } from '#tests/helpers/docker'
import { FakeKubernetesApi } from '#tests/helpers/fake_kubernetes_api'

/*
 * Every driver keeps the one contract (tests/helpers/driver_contract.ts).
 * A new driver adds its factory here; what is particular to one driver
 * stays in its own spec file (docker_driver.spec.ts, kubernetes_driver.spec.ts).
 */

/** The Docker images of the test engine: an HTTP server, by the image's own command. */
const HTTPD_IMAGE: EnvironmentSpec['image'] = {
  reference: TEST_IMAGES.httpd,
  protocol: 'http',
  port: 8080,
  command: null,
  environment: {},
}

/** An image the Kubernetes stand-in runs and reports ready. */
const DESKTOP_IMAGE: EnvironmentSpec['image'] = {
  reference: 'registry.test/desktop:1',
  protocol: 'vnc',
  port: 5901,
  command: ['/usr/bin/start-desktop'],
  environment: { GREETING: 'hello' },
}

/** The real private engine of the test run (scripts/test.sh), on the test configuration. */
driverContract('Docker on the real engine', async () => {
  const engines = await app.container.make(DockerEngines)
  return {
    driver: (options = {}) => new DockerDriver(options, engines),
    spec: (changes) => driverSpec(HTTPD_IMAGE, changes),
    images: {
      silent: { reference: TEST_IMAGES.busybox, command: ['/bin/sh', '-c', 'exec sleep 3600'] },
      missing: { reference: 'portal-test/missing:1' },
    },
    createSteps: ['image', 'created'],
    recreateSteps: ['recreate', 'image', 'created'],
    unreachable: async () => ({
      driver: new DockerDriver({
        connection: { ...testConnection(), socketPath: '/nonexistent/portal/docker.sock' },
      }),
      withinMs: 1000,
    }),
    async objects(environmentId) {
      const client = await testEngine()
      const label = [
        `${DOCKER_LABELS.instance}=portal-test`,
        `${DOCKER_LABELS.environment}=${environmentId}`,
      ]
      const containers = await client.listContainers({ all: true, filters: { label } })
      const networks = await client.listNetworks({ filters: { label } })
      return [
        ...containers.map((container) => `container/${container.Names[0].replace(/^\//, '')}`),
        ...networks.map((network) => `network/${network.Name}`),
      ]
    },
  }
})

const NAMESPACE = 'portal-workloads'
const KINDS = ['pods', 'services', 'secrets', 'networkpolicies'] as const

/** The Kubernetes API stand-in that speaks the real REST paths, one per test. */
driverContract('Kubernetes on the API stand-in', async (cleanup) => {
  const api = new FakeKubernetesApi({ startMs: 100 })
  await api.start()
  cleanup(() => api.stop())
  const options: Partial<KubernetesDriverOptions> = {
    instanceId: 'portal-test',
    namespace: NAMESPACE,
    connection: { mode: 'explicit', server: api.url, token: api.token, timeoutMs: 1000 },
    volumes: { mode: 'hostPath' },
    siteMounts: [],
    defaultUser: { uid: 1000, gid: 1000 },
    network: {
      access: { namespace: 'portal', pods: { matchLabels: { app: 'guacd' } } },
      egressAllow: [],
      apiServer: [],
    },
    startTimeoutMs: 3000,
    pollMs: 50,
  }
  return {
    driver: (changes = {}) => new KubernetesDriver({ ...options, ...changes }),
    spec: (changes) => driverSpec(DESKTOP_IMAGE, changes),
    images: {
      silent: { reference: 'registry.test/never-ready:1' },
      missing: { reference: 'registry.test/fail-pull:1' },
    },
    unreachable: async () => ({
      driver: new KubernetesDriver({
        ...options,
        connection: {
          mode: 'explicit',
          server: `http://127.0.0.1:${await freeLoopbackPort()}`,
          token: 't',
          timeoutMs: 1000,
        },
      }),
      withinMs: 2000,
    }),
    async objects(environmentId) {
      return KINDS.flatMap((kind) =>
        api
          .objects(kind, NAMESPACE)
          .filter(
            ({ metadata: { labels } }) =>
              labels?.[KUBERNETES_LABELS.instance] === instanceLabel('portal-test') &&
              labels?.[KUBERNETES_LABELS.environment] === String(environmentId)
          )
          .map((object) => `${kind}/${object.metadata.name}`)
      )
    },
    verify(assert) {
      assert.deepEqual(api.invalid, [], 'every manifest the driver sent was valid')
    },
  }
})
