import { test } from '@japa/runner'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import ImagePullFailedException from '#exceptions/image_pull_failed_exception'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'
import KubernetesDriver, {
  type KubernetesDriverOptions,
} from '#services/provisioning/kubernetes_driver'
import { KUBERNETES_LABELS } from '#services/provisioning/kubernetes_names'
import { environmentNetworkPolicy } from '#services/provisioning/kubernetes_network_policy'
import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'
import { driverSpec, type Cleanup, type SpecChanges } from '#tests/helpers/driver_contract'
import { FakeKubernetesApi } from '#tests/helpers/fake_kubernetes_api'
import { roleAllows, workloadsRbac } from '#tests/helpers/workloads_rbac'

const NAMESPACE = 'portal-workloads'
const ACCESS_DEFAULTS: KubernetesDriverOptions['network'] = {
  access: {
    namespace: 'portal',
    pods: {
      matchExpressions: [
        { key: 'app.kubernetes.io/name', operator: 'In', values: ['facility-portal', 'guacd'] },
      ],
    },
  },
  egressAllow: [],
  apiServer: [],
}
const ALL_KINDS = ['pods', 'services', 'secrets', 'networkpolicies'] as const

/** A spec as the environments service would build it; its name for the driver's instance id. */
function environmentSpec(changes: SpecChanges = {}, instanceId = 'portal-test'): EnvironmentSpec {
  return driverSpec(
    {
      reference: 'registry.test/desktop:1',
      protocol: 'vnc',
      port: 5901,
      command: ['/usr/bin/start-desktop'],
      environment: { GREETING: 'hello' },
    },
    changes,
    instanceId
  )
}

/** A fake API server of its own, and a driver pointed at it; both gone after the test. */
async function cluster(
  cleanup: Cleanup,
  options: Partial<KubernetesDriverOptions> = {},
  startMs = 100
) {
  const api = new FakeKubernetesApi({ startMs })
  await api.start()
  cleanup(() => api.stop())
  const driver = new KubernetesDriver({
    instanceId: 'portal-test',
    namespace: NAMESPACE,
    connection: { mode: 'explicit', server: api.url, token: api.token, timeoutMs: 1000 },
    volumes: { mode: 'hostPath' },
    siteMounts: [],
    defaultUser: { uid: 1000, gid: 1000 },
    network: ACCESS_DEFAULTS,
    startTimeoutMs: 3000,
    pollMs: 50,
    ...options,
  })
  return { api, driver }
}

function pods(api: FakeKubernetesApi) {
  return api.objects('pods', NAMESPACE)
}

// What every driver does (lifecycle, naming, ownership, root, refusals, outages): driver_contract.spec.ts.
test.group('Kubernetes driver | lifecycle', () => {
  test('create → running/ready → stop deletes the pod only → start recreates → remove deletes all', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    const spec = environmentSpec()
    const steps: string[] = []
    const created = await driver.create(spec, (step) => steps.push(step))
    const name = `portal-test-env-${spec.environmentId}`
    assert.deepEqual(created.endpoint, { host: `${name}.${NAMESPACE}.svc`, port: 5901 })
    assert.equal(created.engineId, api.object('pods', NAMESPACE, name)!.metadata.uid)
    assert.includeMembers(steps, ['created', 'pod'])
    assert.notInclude(steps, 'started')

    await driver.waitUntilReady(created.endpoint, 3000)
    assert.deepEqual(await driver.list(), [
      {
        environmentId: spec.environmentId,
        engineId: created.engineId,
        running: true,
        status: 'running',
      },
    ])

    await driver.stop(spec)
    assert.lengthOf(pods(api), 0)
    assert.exists(api.object('services', NAMESPACE, name))
    assert.exists(api.object('secrets', NAMESPACE, name))
    const [stopped] = await driver.list()
    assert.include(stopped, { environmentId: spec.environmentId, running: false })
    await driver.stop(spec)

    const restarted = await driver.start(spec, () => {})
    assert.deepEqual(restarted.endpoint, created.endpoint)
    assert.notEqual(restarted.engineId, created.engineId, 'a new pod')
    await driver.waitUntilReady(restarted.endpoint, 3000)
    assert.deepEqual(
      await driver.start(spec, () => {}),
      restarted,
      'starting a running one is fine'
    )

    await driver.remove(spec.environmentId)
    for (const kind of ALL_KINDS) {
      assert.lengthOf(api.objects(kind), 0, kind)
    }
    await driver.remove(spec.environmentId)
    assert.deepEqual(await driver.list(), [])
    assert.deepEqual(api.invalid, [])

    // Everything the driver did is allowed by deploy/kubernetes/workloads-rbac.yaml.
    const [, role] = await workloadsRbac()
    const denied = api.requests.filter((request) => !roleAllows(role, request))
    assert.deepEqual(denied, [])
  })

  // A pod that never becomes ready: the driver contract (driver_contract.spec.ts).
  test('waitUntilReady gives up early on a pod that crashes', async ({ assert, cleanup }) => {
    // It runs from startMs to twice that: long enough for create to see it run on a busy machine.
    const { driver } = await cluster(cleanup, {}, 500)
    const crashing = await driver.create(
      environmentSpec({ image: { reference: 'registry.test/crash:1' } }),
      () => {}
    )
    const started = Date.now()
    const crashed = await driver.waitUntilReady(crashing.endpoint, 5000).catch((caught) => caught)
    assert.instanceOf(crashed, ProvisioningFailedException)
    assert.equal(
      crashed.message,
      'The environment stopped before answering on its port (exit code 1)'
    )
    assert.isBelow(Date.now() - started, 2000)
  })
})

test.group('Kubernetes driver | manifests', () => {
  test('labels, DNS-safe names whatever the username, ClusterIP service, secret by reference', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup, { instanceId: 'Portal_Test.Site-' })
    const spec = environmentSpec(
      {
        owner: { id: 42, username: 'Jane.Doe_99-' },
        image: {
          environment: { GREETING: 'hello', PORTAL_SECRET: 'spoofed', PORTAL_SERVICE_PORT: '1' },
        },
      },
      'Portal_Test.Site-'
    )
    await driver.create(spec, () => {})
    const [pod] = pods(api)
    const [service] = api.objects('services', NAMESPACE)
    const [secret] = api.objects('secrets', NAMESPACE)
    const name = `portal-test-site-env-${spec.environmentId}`
    for (const object of [pod, service, secret]) {
      assert.equal(object.metadata.name, name)
      assert.match(object.metadata.name, /^[a-z]([-a-z0-9]*[a-z0-9])?$/)
      assert.isAtMost(object.metadata.name.length, 63)
      assert.deepEqual(object.metadata.labels, {
        [KUBERNETES_LABELS.instance]: 'Portal_Test.Site',
        [KUBERNETES_LABELS.environment]: String(spec.environmentId),
        [KUBERNETES_LABELS.owner]: '42',
      })
      assert.notInclude(JSON.stringify(object), 'Jane')
    }

    assert.equal(service.spec.type, 'ClusterIP')
    assert.deepEqual(service.spec.ports, [
      { name: 'service', port: 5901, targetPort: 5901, protocol: 'TCP' },
    ])
    assert.deepEqual(service.spec.selector, {
      [KUBERNETES_LABELS.instance]: 'Portal_Test.Site',
      [KUBERNETES_LABELS.environment]: String(spec.environmentId),
    })

    assert.equal(Buffer.from(secret.data.secret, 'base64').toString(), spec.secret)
    assert.notInclude(JSON.stringify(pod), spec.secret, 'never a literal in the pod spec')
    const [container] = pod.spec.containers
    assert.deepEqual(container.env, [
      { name: 'GREETING', value: 'hello' },
      { name: 'PORTAL_SERVICE_PORT', value: '5901' },
      { name: 'PORTAL_ENVIRONMENT_ID', value: String(spec.environmentId) },
      { name: 'PORTAL_SECRET', valueFrom: { secretKeyRef: { name, key: 'secret' } } },
    ])
    assert.deepEqual(container.command, ['/usr/bin/start-desktop'])
    assert.equal(container.image, 'registry.test/desktop:1')
    assert.deepEqual(api.invalid, [])
  })

  test('names stay valid for a long instance id and a huge environment id', async ({
    assert,
    cleanup,
  }) => {
    const instanceId = `9-${'Very.Long_Instance-'.repeat(6)}`
    const { api, driver } = await cluster(cleanup, { instanceId })
    const spec = environmentSpec({ environmentId: 2 ** 31 }, instanceId)
    await driver.create(spec, () => {})
    const [pod] = pods(api)
    assert.isAtMost(pod.metadata.name.length, 63)
    assert.match(pod.metadata.name, /^[a-z][-a-z0-9]*-env-2147483648$/)
    assert.deepEqual(api.invalid, [])
  })

  test('security context, resources with GPU and ephemeral storage, no service account token', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    const spec = environmentSpec({
      runAs: { uid: 4242, gid: 4343 },
      resources: {
        cpuMillicores: 1500,
        memoryBytes: 2 * 1024 ** 3,
        storageBytes: 10 * 1024 ** 3,
        gpus: 2,
      },
    })
    await driver.create(spec, () => {})
    const [pod] = pods(api)
    assert.include(pod.spec, {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
    })
    assert.deepEqual(pod.spec.securityContext, {
      runAsUser: 4242,
      runAsGroup: 4343,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    })
    const [container] = pod.spec.containers
    assert.deepEqual(container.securityContext, {
      runAsUser: 4242,
      runAsGroup: 4343,
      runAsNonRoot: true,
      privileged: false,
      readOnlyRootFilesystem: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    })
    const amounts = {
      'cpu': '1500m',
      'memory': String(2 * 1024 ** 3),
      'ephemeral-storage': String(10 * 1024 ** 3),
      'nvidia.com/gpu': '2',
    }
    assert.deepEqual(container.resources, { requests: amounts, limits: amounts })
    assert.deepEqual(container.readinessProbe.tcpSocket, { port: 5901 })

    // Without storage or GPUs, neither is asked for; the configured default user.
    await driver.create(environmentSpec({ environmentId: spec.environmentId + 1 }), () => {})
    const plain = api.object('pods', NAMESPACE, `portal-test-env-${spec.environmentId + 1}`)!
    assert.deepEqual(Object.keys(plain.spec.containers[0].resources.limits), ['cpu', 'memory'])
    assert.include(plain.spec.securityContext, { runAsUser: 1000, runAsGroup: 1000 })
    assert.deepEqual(api.invalid, [])
  })

  test("the image's pull policy and the namespace's registry logins are in the pod", async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup, {
      imagePullSecrets: ['registry-login', 'second-registry'],
    })
    const always = environmentSpec({ image: { pullPolicy: 'always' } })
    await driver.create(always, () => {})
    const pod = api.object('pods', NAMESPACE, always.name)!
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'Always')
    assert.deepEqual(pod.spec.imagePullSecrets, [
      { name: 'registry-login' },
      { name: 'second-registry' },
    ])

    // The default policy, and no logins when none are configured.
    const { api: plainApi, driver: plainDriver } = await cluster(cleanup, { imagePullSecrets: [] })
    const plain = environmentSpec()
    await plainDriver.create(plain, () => {})
    const plainPod = plainApi.object('pods', NAMESPACE, plain.name)!
    assert.equal(plainPod.spec.containers[0].imagePullPolicy, 'IfNotPresent')
    assert.notProperty(plainPod.spec, 'imagePullSecrets')
    // Both manifests passed kubernetes-models' validation in the API stand-in.
    assert.deepEqual(api.invalid, [])
    assert.deepEqual(plainApi.invalid, [])
  })

  test('an image flagged read-only runs on a read-only root file system with a scratch /tmp', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    const spec = environmentSpec({ image: { readOnlyRootFilesystem: true } })
    await driver.create(spec, () => {})
    const [pod] = pods(api)
    const [container] = pod.spec.containers
    assert.include(container.securityContext, {
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
    })
    assert.deepEqual(container.securityContext.seccompProfile, { type: 'RuntimeDefault' })
    assert.deepInclude(pod.spec.volumes, { name: 'scratch-tmp', emptyDir: {} })
    assert.deepInclude(container.volumeMounts, { name: 'scratch-tmp', mountPath: '/tmp' })
    assert.deepEqual(api.invalid, [])
  })

  test('refuses to run as root ({label}) without creating anything')
    .with([
      { label: 'uid 0', runAs: { uid: 0, gid: 1000 }, defaultUser: undefined },
      { label: 'gid 0', runAs: { uid: 1000, gid: 0 }, defaultUser: undefined },
      { label: 'a root default user', runAs: null, defaultUser: { uid: 0, gid: 0 } },
    ])
    .run(async ({ assert, cleanup }, row) => {
      const { api, driver } = await cluster(
        cleanup,
        row.defaultUser ? { defaultUser: row.defaultUser } : {}
      )
      const error = await driver
        .create(environmentSpec({ runAs: row.runAs }), () => {})
        .catch((caught) => caught)
      assert.instanceOf(error, ProvisioningFailedException)
      assert.match(error.message, /never run as root/)
      assert.lengthOf(api.requests, 0)
    })

  test('hostPath mode: datasets read-only, output read-write, site folders read-only', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup, {
      siteMounts: [{ hostPath: '/opt/facility', containerPath: '/opt/site', mode: 'ro' }],
    })
    await driver.create(
      environmentSpec({
        mounts: [
          { hostPath: '/srv/datasets/p1/raw', containerPath: '/data/raw', mode: 'ro' },
          { hostPath: '/srv/output/p1', containerPath: '/output', mode: 'rw' },
        ],
      }),
      () => {}
    )
    const [pod] = pods(api)
    assert.deepEqual(pod.spec.volumes, [
      { name: 'mount-0', hostPath: { path: '/srv/datasets/p1/raw', type: 'Directory' } },
      { name: 'mount-1', hostPath: { path: '/srv/output/p1', type: 'Directory' } },
      { name: 'site-0', hostPath: { path: '/opt/facility', type: 'Directory' } },
    ])
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [
      { name: 'mount-0', mountPath: '/data/raw', readOnly: true },
      { name: 'mount-1', mountPath: '/output', readOnly: false },
      { name: 'site-0', mountPath: '/opt/site', readOnly: true },
    ])
    assert.deepEqual(api.invalid, [])
  })

  test('pvc mode: subPaths of the datasets claim (read-only) and the output claim', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup, {
      volumes: {
        mode: 'pvc',
        datasetsClaim: 'facility-datasets',
        outputClaim: 'facility-output',
        datasetsRoot: '/srv/datasets',
        outputRoot: '/srv/output',
      },
    })
    await driver.create(
      environmentSpec({
        mounts: [
          { hostPath: '/srv/datasets/p1/raw', containerPath: '/data/raw', mode: 'ro' },
          { hostPath: '/srv/datasets/p1/processed', containerPath: '/data/processed', mode: 'ro' },
          { hostPath: '/srv/output/p1', containerPath: '/output', mode: 'rw' },
        ],
      }),
      () => {}
    )
    const [pod] = pods(api)
    assert.deepEqual(pod.spec.volumes, [
      {
        name: 'datasets',
        persistentVolumeClaim: { claimName: 'facility-datasets', readOnly: true },
      },
      { name: 'output', persistentVolumeClaim: { claimName: 'facility-output' } },
    ])
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [
      { name: 'datasets', mountPath: '/data/raw', subPath: 'p1/raw', readOnly: true },
      { name: 'datasets', mountPath: '/data/processed', subPath: 'p1/processed', readOnly: true },
      { name: 'output', mountPath: '/output', subPath: 'p1', readOnly: false },
    ])

    const outside = await driver
      .create(
        environmentSpec({
          mounts: [{ hostPath: '/etc', containerPath: '/data/etc', mode: 'ro' }],
        }),
        () => {}
      )
      .catch((caught) => caught)
    assert.instanceOf(outside, ProvisioningFailedException)
    assert.deepEqual(api.invalid, [])
  })
})

test.group('Kubernetes driver | failures', () => {
  test('an image that cannot be pulled fails with ErrImagePull and leaves nothing', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    const spec = environmentSpec({ image: { reference: 'registry.test/fail-pull:1' } })
    const messages: string[] = []
    const error = await driver
      .create(spec, (step, message) => messages.push(`${step}: ${message}`))
      .catch((caught) => caught)
    // Its own class: the provisioner audits it as a failed pull.
    assert.instanceOf(error, ImagePullFailedException)
    assert.include(error.message, 'ErrImagePull')
    assert.include(error.message, 'registry.test/fail-pull:1')
    assert.notInclude(error.message, spec.secret)
    assert.isTrue(messages.some((message) => message.startsWith('event: Failed')))
    for (const kind of ALL_KINDS) {
      assert.lengthOf(api.objects(kind), 0, kind)
    }
    assert.deepEqual(await driver.list(), [])
  })

  test('a pod that cannot be scheduled fails after the start timeout with the reason', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup, { startTimeoutMs: 800 })
    const spec = environmentSpec({
      image: { reference: 'registry.test/unschedulable:1' },
      resources: { cpuMillicores: 100, memoryBytes: 1024 ** 3, storageBytes: 0, gpus: 4 },
    })
    const messages: string[] = []
    const error = await driver
      .create(spec, (step, message) => messages.push(`${step}: ${message}`))
      .catch((caught) => caught)
    assert.instanceOf(error, ProvisioningFailedException)
    assert.match(error.message, /could not be scheduled within 1 s \(Unschedulable: 0\/3 nodes/)
    assert.isTrue(messages.some((message) => message.includes('FailedScheduling')))
    assert.isTrue(messages.some((message) => message.startsWith('pod: Pod Pending: Unschedulable')))
    assert.lengthOf(api.objects('pods'), 0)
  })

  test('without permission to read events (403), a pull failure is still reported', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    api.eventsForbidden = true
    const spec = environmentSpec({ image: { reference: 'registry.test/fail-pull:2' } })
    const error = await driver.create(spec, () => {}).catch((caught) => caught)
    assert.instanceOf(error, ProvisioningFailedException)
    assert.include(error.message, 'ErrImagePull')
  })

  test('an API server that never answers is unavailable after the call timeout', async ({
    assert,
    cleanup,
  }) => {
    const { createServer } = await import('node:http')
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()))
    cleanup(() => {
      silent.closeAllConnections()
      silent.close()
    })
    const { port } = silent.address() as { port: number }
    const { driver } = await cluster(cleanup, {
      connection: {
        mode: 'explicit',
        server: `http://127.0.0.1:${port}`,
        token: 't',
        timeoutMs: 300,
      },
    })
    const started = Date.now()
    const error = await driver.ping().catch((caught) => caught)
    assert.instanceOf(error, ProvisioningUnavailableException)
    assert.isBelow(Date.now() - started, 2000)
  })

  test('a wrong token (401) and missing RBAC (403) are unavailable with a clear message', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    const wrong = new KubernetesDriver({
      instanceId: 'portal-test',
      namespace: NAMESPACE,
      connection: { mode: 'explicit', server: api.url, token: 'wrong', timeoutMs: 1000 },
    })
    const unauthorized = await wrong.ping().catch((caught) => caught)
    assert.instanceOf(unauthorized, ProvisioningUnavailableException)
    assert.include(unauthorized.message, '401')

    api.forbidden = true
    for (const call of [() => driver.ping(), () => driver.create(environmentSpec(), () => {})]) {
      const forbidden = await call().catch((caught) => caught)
      assert.instanceOf(forbidden, ProvisioningUnavailableException)
      assert.include(forbidden.message, '403')
      assert.include(forbidden.message, `"${NAMESPACE}"`)
      assert.include(forbidden.message, 'RBAC')
    }
  })
})

test.group('Kubernetes driver | reconciliation', () => {
  test('lists and removes only the objects labelled as this instance', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    const spec = environmentSpec()
    const ours = await driver.create(spec, () => {})

    const stranger = (name: string, labels: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: { containers: [{ name: 'x', image: 'registry.test/other:1' }] },
    })
    api.seed(
      'pods',
      NAMESPACE,
      stranger('other-env', {
        [KUBERNETES_LABELS.instance]: 'another-portal',
        [KUBERNETES_LABELS.environment]: String(spec.environmentId),
      })
    )
    api.seed(
      'pods',
      NAMESPACE,
      stranger('unlabelled', { [KUBERNETES_LABELS.environment]: String(spec.environmentId) })
    )
    api.seed('services', NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'orphan-svc',
        labels: {
          [KUBERNETES_LABELS.instance]: 'portal-test',
          [KUBERNETES_LABELS.environment]: '999999',
        },
      },
      spec: { type: 'ClusterIP', ports: [{ port: 1 }] },
    })

    const listed = await driver.list()
    assert.sameDeepMembers(
      listed.map(({ environmentId, engineId, running }) => ({ environmentId, engineId, running })),
      [
        { environmentId: spec.environmentId, engineId: ours.engineId, running: true },
        {
          environmentId: 999999,
          engineId: api.object('services', NAMESPACE, 'orphan-svc')!.metadata.uid,
          running: false,
        },
      ]
    )

    api.seed('networkpolicies', NAMESPACE, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'orphan-policy',
        labels: {
          [KUBERNETES_LABELS.instance]: 'portal-test',
          [KUBERNETES_LABELS.environment]: '999998',
        },
      },
      spec: { podSelector: {} },
    })
    assert.deepInclude(
      (await driver.list()).map(({ environmentId, running }) => ({ environmentId, running })),
      { environmentId: 999998, running: false },
      'a policy left alone is still an object of this instance'
    )

    await driver.remove(spec.environmentId)
    await driver.remove(999999)
    await driver.remove(999998)
    assert.lengthOf(api.objects('networkpolicies'), 0)
    assert.sameMembers(
      pods(api).map((pod) => pod.metadata.name),
      ['other-env', 'unlabelled'],
      "another installation's objects are never touched"
    )
    assert.lengthOf(api.objects('services'), 0)
  })

  test('the pod status names the Kubernetes reason', async ({ assert, cleanup }) => {
    const { api, driver } = await cluster(cleanup)
    api.seed('pods', NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'portal-test-env-123',
        labels: {
          [KUBERNETES_LABELS.instance]: 'portal-test',
          [KUBERNETES_LABELS.environment]: '123',
        },
      },
      spec: { containers: [{ name: 'environment', image: 'registry.test/fail-pull:9' }] },
    })
    assert.deepInclude(await driver.list(), {
      environmentId: 123,
      engineId: api.object('pods', NAMESPACE, 'portal-test-env-123')!.metadata.uid,
      running: false,
      status: 'pending (ErrImagePull)',
    })
  })
})

test.group('Kubernetes driver | network policies', () => {
  /** Paths of the write requests, in order, without the namespace prefix. */
  function writes(api: FakeKubernetesApi) {
    return api.requests
      .filter((request) => request.method !== 'GET')
      .map((request) => `${request.method} ${request.path.split('/').slice(-2).join('/')}`)
  }

  test('every environment gets its own policy before its pod: ingress only from guacd and the portal on its port', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    const spec = environmentSpec()
    await driver.create(spec, () => {})
    const name = `portal-test-env-${spec.environmentId}`

    const creates = writes(api).filter((write) => write.startsWith('POST'))
    assert.deepEqual(creates, [
      'POST portal-workloads/networkpolicies',
      'POST portal-workloads/secrets',
      'POST portal-workloads/services',
      'POST portal-workloads/pods',
    ])

    const policy = api.object('networkpolicies', NAMESPACE, name)!
    assert.equal(policy.apiVersion, 'networking.k8s.io/v1')
    assert.deepEqual(policy.metadata.labels, {
      [KUBERNETES_LABELS.instance]: 'portal-test',
      [KUBERNETES_LABELS.environment]: String(spec.environmentId),
      [KUBERNETES_LABELS.owner]: '77',
    })
    // Selects exactly this environment's pod.
    const pod = api.object('pods', NAMESPACE, name)!
    assert.deepEqual(policy.spec.podSelector, {
      matchLabels: {
        [KUBERNETES_LABELS.instance]: 'portal-test',
        [KUBERNETES_LABELS.environment]: String(spec.environmentId),
      },
    })
    for (const [key, value] of Object.entries(policy.spec.podSelector.matchLabels)) {
      assert.equal(pod.metadata.labels![key], value)
    }
    assert.sameMembers(policy.spec.policyTypes, ['Ingress', 'Egress'])
    assert.deepEqual(policy.spec.ingress, [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'portal' } },
            podSelector: ACCESS_DEFAULTS.access.pods,
          },
        ],
        ports: [{ protocol: 'TCP', port: 5901 }],
      },
    ])
    assert.deepEqual(api.invalid, [])
  })

  test('egress: DNS and public addresses only, never private ranges, the metadata server or the API server', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    const spec = environmentSpec()
    await driver.create(spec, () => {})
    const policy = api.object(
      'networkpolicies',
      NAMESPACE,
      `portal-test-env-${spec.environmentId}`
    )!
    const [dns, world, ...rest] = policy.spec.egress
    assert.lengthOf(rest, 0, 'nothing allow-listed')
    assert.deepEqual(dns.ports, [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ])
    assert.deepInclude(dns.to, {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    })
    assert.notProperty(world, 'ports')
    const [v4, v6] = world.to.map((peer: any) => peer.ipBlock)
    assert.equal(v4.cidr, '0.0.0.0/0')
    assert.includeMembers(v4.except, [
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '169.254.0.0/16', // link-local: the cloud metadata server 169.254.169.254
      '100.64.0.0/10',
    ])
    assert.equal(v6.cidr, '::/0')
    assert.includeMembers(v6.except, ['fc00::/7', 'fe80::/10'])
    // The API server's in-cluster address is a private one: denied with them.
    assert.isTrue(v4.except.includes('10.0.0.0/8'))
    assert.deepEqual(api.invalid, [])
  })

  test('allow-listed blocks are reachable, public API server endpoints are not, and a service without port admits nobody', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup, {
      network: {
        ...ACCESS_DEFAULTS,
        access: { namespace: 'guacamole', pods: { matchLabels: { app: 'guacd' } } },
        egressAllow: [
          '10.20.30.40',
          '172.16.5.9/16',
          'fd00:1::/64',
          '169.254.0.0/16',
          '169.254.169.254',
        ],
        apiServer: ['203.0.113.7', '2001:db8::1'],
      },
    })
    const spec = environmentSpec()
    await driver.create(spec, () => {})
    const policy = api.object(
      'networkpolicies',
      NAMESPACE,
      `portal-test-env-${spec.environmentId}`
    )!
    const [, world, allowed] = policy.spec.egress
    assert.deepEqual(allowed.to, [
      { ipBlock: { cidr: '10.20.30.40/32' } },
      { ipBlock: { cidr: '172.16.0.0/16' } },
      { ipBlock: { cidr: 'fd00:1::/64' } },
      // The metadata server stays denied even inside an allowed block.
      { ipBlock: { cidr: '169.254.0.0/16', except: ['169.254.169.254/32'] } },
    ])
    assert.include(world.to[0].ipBlock.except, '203.0.113.7/32')
    assert.include(world.to[1].ipBlock.except, '2001:db8::1/128')
    assert.deepEqual(policy.spec.ingress[0].from, [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'guacamole' } },
        podSelector: { matchLabels: { app: 'guacd' } },
      },
    ])

    assert.deepEqual(api.invalid, [])

    const closed = environmentNetworkPolicy(
      { name: 'x', namespace: NAMESPACE, labels: {} },
      {},
      0,
      ACCESS_DEFAULTS
    )
    assert.deepEqual(closed.spec!.ingress, [], 'no service port: nobody may connect')
  })

  test('a policy the cluster refuses means no pod; stop keeps it, start replaces it, remove deletes it last', async ({
    assert,
    cleanup,
  }) => {
    const { api, driver } = await cluster(cleanup)
    const spec = environmentSpec()
    await driver.create(spec, () => {})
    const name = `portal-test-env-${spec.environmentId}`
    const first = api.object('networkpolicies', NAMESPACE, name)!.metadata.uid

    await driver.stop(spec)
    assert.equal(api.object('networkpolicies', NAMESPACE, name)!.metadata.uid, first)

    api.requests.length = 0
    await driver.start(spec, () => {})
    const second = api.object('networkpolicies', NAMESPACE, name)!.metadata.uid
    assert.notEqual(second, first, 'made anew with the current settings')
    const order = writes(api)
    assert.isBelow(
      order.indexOf('POST portal-workloads/networkpolicies'),
      order.indexOf('POST portal-workloads/pods')
    )

    api.requests.length = 0
    await driver.remove(spec.environmentId)
    const deletes = writes(api).map((write) => write.split(' ')[1].split('/')[0])
    assert.equal(deletes.at(0), 'pods')
    assert.equal(deletes.at(-1), 'networkpolicies')

    // A policy the cluster refuses (its name held by an object not ours) creates nothing else.
    const next = environmentSpec()
    api.seed('networkpolicies', NAMESPACE, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `portal-test-env-${next.environmentId}` },
      spec: { podSelector: {} },
    })
    const error = await driver.create(next, () => {}).catch((caught) => caught)
    assert.instanceOf(error, ProvisioningFailedException)
    assert.include(error.message, 'network policy')
    for (const kind of ['pods', 'services', 'secrets'] as const) {
      assert.lengthOf(api.objects(kind), 0, kind)
    }
  })
})
