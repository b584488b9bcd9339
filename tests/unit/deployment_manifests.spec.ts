import { test } from '@japa/runner'
import { readdir, readFile } from 'node:fs/promises'
import { parseAllDocuments } from 'yaml'
import * as k8s from '@kubernetes/client-node'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Namespace } from 'kubernetes-models/v1/Namespace'
import { Secret } from 'kubernetes-models/v1/Secret'
import { Service } from 'kubernetes-models/v1/Service'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role'
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'
import { schema } from '#start/env'

/*
| deploy/kubernetes as kubectl would see it: every object must pass the
| official OpenAPI schema (kubernetes-models), carry no field the API does
| not know (what `kubectl apply --validate=strict` refuses), and fit the
| portal: routes, variables, names and labels that really exist.
*/

const ROOT = new URL('../../', import.meta.url)
const MANIFESTS = new URL('deploy/kubernetes/', ROOT)
/** Never applied: a Secret with placeholders only (kustomization.yaml leaves it out). */
const SECRET_TEMPLATE = 'secret.template.yaml'

type KubeObject = Record<string, any> & {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
}
type Manifest = { file: string; object: KubeObject }

const MODELS: Record<string, { validate(): void } & any> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
}

async function yamlFiles() {
  return (await readdir(MANIFESTS)).filter((file) => file.endsWith('.yaml')).sort()
}

async function parseFile(file: string): Promise<unknown[]> {
  const documents = parseAllDocuments(await readFile(new URL(file, MANIFESTS), 'utf8'))
  return (Array.isArray(documents) ? documents : [documents]).map((document) => {
    if (document.errors.length > 0) {
      throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`)
    }
    return document.toJS()
  })
}

/** Every Kubernetes object of the folder (kustomization.yaml is kustomize's, not the API's). */
async function manifests(): Promise<Manifest[]> {
  const found: Manifest[] = []
  for (const file of await yamlFiles()) {
    if (file === 'kustomization.yaml') {
      continue
    }
    for (const object of await parseFile(file)) {
      found.push({ file, object: object as KubeObject })
    }
  }
  return found
}

async function kustomization() {
  const [document] = await parseFile('kustomization.yaml')
  return document as { resources: string[]; images?: { name: string }[] }
}

function one(objects: Manifest[], kind: string, name?: string) {
  const found = objects.filter(
    ({ object }) => object.kind === kind && (!name || object.metadata.name === name)
  )
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` "${name}"` : ''}, found ${found.length}`)
  }
  return found[0].object
}

/** Fields the API server does not know, found through the client's type map. */
function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined || typeof value !== 'object') {
    return []
  }
  const array = /^Array<(.+)>$/.exec(type)
  if (array) {
    return (value as unknown[]).flatMap((item, index) =>
      unknownFields(item, array[1], `${path}[${index}]`)
    )
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type)
  if (map) {
    return Object.entries(value).flatMap(([key, item]) =>
      unknownFields(item, map[1], `${path}.${key}`)
    )
  }
  const model = (k8s as Record<string, any>)[type]
  if (typeof model?.getAttributeTypeMap !== 'function') {
    return []
  }
  const attributes = model.getAttributeTypeMap() as { baseName: string; type: string }[]
  return Object.entries(value).flatMap(([key, item]) => {
    const attribute = attributes.find(({ baseName }) => baseName === key)
    return attribute ? unknownFields(item, attribute.type, `${path}.${key}`) : [`${path}.${key}`]
  })
}

/** The variables start/env.ts declares. */
async function declaredVariables() {
  return new Set(Object.keys(schema))
}

/** The top-level GET routes (probes, metrics) of start/routes/platform.ts. */
async function getRoutes() {
  const source = await readFile(new URL('start/routes/platform.ts', ROOT), 'utf8')
  return new Set([...source.matchAll(/router\.get\('([^']+)'/g)].map((m) => m[1]))
}

function podSpec(objects: Manifest[]) {
  return one(objects, 'Deployment').spec.template.spec
}

function allContainers(objects: Manifest[]): Record<string, any>[] {
  const spec = podSpec(objects)
  return [...(spec.initContainers ?? []), ...spec.containers]
}

function portal(objects: Manifest[]) {
  return podSpec(objects).containers.find((container: any) => container.name === 'portal')
}

function config(objects: Manifest[]): Record<string, string> {
  return one(objects, 'ConfigMap').data
}

function matches(selector: Record<string, string>, labels: Record<string, string>) {
  return Object.entries(selector).every(([key, value]) => labels[key] === value)
}

test.group('Kubernetes deployment manifests', () => {
  test('kustomization.yaml applies every manifest but the Secret template', async ({ assert }) => {
    const { resources, images } = await kustomization()
    const files = (await yamlFiles()).filter((file) => file !== 'kustomization.yaml')
    assert.sameMembers(
      resources,
      files.filter((file) => file !== SECRET_TEMPLATE)
    )
    assert.include(files, SECRET_TEMPLATE)
    assert.deepInclude(
      images?.map(({ name }) => name),
      portal(await manifests()).image.split(':')[0],
      'the image override names the image the Deployment uses'
    )
  })

  test('every object is valid against the Kubernetes OpenAPI schema', async ({ assert }) => {
    const objects = await manifests()
    assert.isAbove(objects.length, 8)
    for (const { file, object } of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`]
      assert.exists(Model, `${file}: no model for ${object.apiVersion} ${object.kind}`)
      try {
        new Model(object).validate()
      } catch (error) {
        throw new Error(`${file} ${object.kind}: ${(error as Error).message}`)
      }
      assert.match(object.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    }
  })

  test('no object has a field the API server does not know', async ({ assert }) => {
    for (const { file, object } of await manifests()) {
      const type = `V1${object.kind}`
      assert.isFunction((k8s as any)[type]?.getAttributeTypeMap, `${type} in client-node`)
      assert.deepEqual(unknownFields(object, type, object.kind), [], file)
    }
  })

  test('catches a misspelt field', async ({ assert }) => {
    const deployment = structuredClone(one(await manifests(), 'Deployment'))
    deployment.spec.template.spec.containers[0].readinesProbe = {}
    assert.deepEqual(unknownFields(deployment, 'V1Deployment', 'Deployment'), [
      'Deployment.spec.template.spec.containers[0].readinesProbe',
    ])
  })

  test('every namespace used is created, and the objects sit in the right one', async ({
    assert,
  }) => {
    const objects = await manifests()
    const namespaces = objects
      .filter(({ object }) => object.kind === 'Namespace')
      .map(({ object }) => object.metadata.name)
    for (const { file, object } of objects.filter((entry) => entry.object.kind !== 'Namespace')) {
      assert.include(namespaces, object.metadata.namespace ?? '(none)', `${file} ${object.kind}`)
    }
    const workloads = config(objects).KUBERNETES_NAMESPACE
    assert.equal(one(objects, 'Role').metadata.namespace, workloads)
    assert.equal(
      one(objects, 'NetworkPolicy', 'facility-portal-environments-default-deny').metadata.namespace,
      workloads
    )
    assert.notEqual(one(objects, 'Deployment').metadata.namespace, workloads)
  })

  test('the Deployment runs two or more replicas, rolling one pod at a time', async ({
    assert,
  }) => {
    const { spec } = one(await manifests(), 'Deployment')
    assert.isAtLeast(spec.replicas, 2)
    assert.equal(spec.strategy.type, 'RollingUpdate')
    assert.equal(spec.strategy.rollingUpdate.maxUnavailable, 0)
    assert.isAtLeast(spec.strategy.rollingUpdate.maxSurge, 1)
    assert.isTrue(matches(spec.selector.matchLabels, spec.template.metadata.labels))
  })

  test('probes ask real routes on the port the portal listens on', async ({ assert }) => {
    const objects = await manifests()
    const container = portal(objects)
    const routes = await getRoutes()
    const port = container.ports.find(({ name }: any) => name === 'http')
    assert.equal(String(port.containerPort), config(objects).PORT)

    assert.equal(container.readinessProbe.httpGet.path, '/health/ready')
    assert.equal(container.livenessProbe.httpGet.path, '/health/live')
    assert.equal(container.startupProbe.httpGet.path, '/health/live')
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      assert.isTrue(routes.has(container[probe].httpGet.path), `${probe} route`)
      assert.equal(container[probe].httpGet.port, 'http')
    }
  })

  test('the Service, the disruption budget and the network policy select the portal pods', async ({
    assert,
  }) => {
    const objects = await manifests()
    const { spec } = one(objects, 'Deployment')
    const labels = spec.template.metadata.labels

    const service = one(objects, 'Service')
    assert.isTrue(matches(service.spec.selector, labels))
    assert.equal(service.spec.type, 'ClusterIP')
    assert.equal(service.spec.ports[0].targetPort, 'http')

    const budget = one(objects, 'PodDisruptionBudget')
    assert.equal(budget.spec.minAvailable, 1)
    assert.deepEqual(budget.spec.selector.matchLabels, spec.selector.matchLabels)
    assert.isBelow(budget.spec.minAvailable, spec.replicas, 'a node drain can proceed')

    const policy = one(objects, 'NetworkPolicy', 'facility-portal-ingress')
    assert.isTrue(matches(policy.spec.podSelector.matchLabels, labels))
    assert.equal(policy.spec.ingress[0].ports[0].port, 'http')
  })

  test('the workload namespace denies everything a per-environment policy does not allow', async ({
    assert,
  }) => {
    const objects = await manifests()
    const policy = one(objects, 'NetworkPolicy', 'facility-portal-environments-default-deny')
    assert.equal(policy.metadata.namespace, config(objects).KUBERNETES_NAMESPACE)
    assert.deepEqual(policy.spec.podSelector, {}, 'every pod of the namespace')
    assert.sameMembers(policy.spec.policyTypes, ['Ingress', 'Egress'])
    assert.notProperty(policy.spec, 'ingress')
    assert.notProperty(policy.spec, 'egress')
    // The per-environment policies admit the portal and guacd of the portal's namespace.
    assert.equal(
      config(objects).KUBERNETES_ACCESS_NAMESPACE,
      one(objects, 'Deployment').metadata.namespace
    )
    assert.include(config(objects).KUBERNETES_ACCESS_PODS, 'guacd')
  })

  test('the pods use the ServiceAccount the workload Role is bound to', async ({ assert }) => {
    const objects = await manifests()
    const deployment = one(objects, 'Deployment')
    const account = one(objects, 'ServiceAccount')
    assert.equal(deployment.spec.template.spec.serviceAccountName, account.metadata.name)
    assert.equal(account.metadata.namespace, deployment.metadata.namespace)
    assert.deepInclude(one(objects, 'RoleBinding').subjects, {
      kind: 'ServiceAccount',
      name: account.metadata.name,
      namespace: account.metadata.namespace,
    })
    assert.equal(config(objects).KUBERNETES_CONFIG, 'in-cluster')
  })

  test('every variable the manifests set is one the portal declares', async ({ assert }) => {
    const objects = await manifests()
    const declared = await declaredVariables()
    assert.isTrue(declared.has('APP_KEY'), 'start/env.ts was parsed')
    const names = [
      ...Object.keys(config(objects)),
      ...Object.keys(one(objects, 'Secret').stringData),
      ...allContainers(objects).flatMap((container) =>
        (container.env ?? []).map(({ name }: { name: string }) => name)
      ),
    ]
    for (const name of names) {
      assert.isTrue(declared.has(name), `${name} is not in start/env.ts`)
    }
  })

  test('every ConfigMap and Secret the pods read is defined, in their namespace', async ({
    assert,
  }) => {
    const objects = await manifests()
    const namespace = one(objects, 'Deployment').metadata.namespace
    for (const container of allContainers(objects)) {
      assert.isNotEmpty(container.envFrom)
      for (const source of container.envFrom) {
        const [kind, reference] = source.configMapRef
          ? ['ConfigMap', source.configMapRef]
          : ['Secret', source.secretRef]
        assert.notProperty(reference, 'optional')
        assert.equal(one(objects, kind, reference.name).metadata.namespace, namespace)
      }
    }
  })

  test('the Secret template holds placeholders only, which the portal refuses', async ({
    assert,
  }) => {
    const objects = await manifests()
    const secret = one(objects, 'Secret')
    assert.equal(objects.find(({ object }) => object === secret)!.file, SECRET_TEMPLATE)
    assert.notProperty(secret, 'data')
    for (const [key, value] of Object.entries<string>(secret.stringData)) {
      assert.match(value, /^(REPLACE.*)?$/, key)
    }
    assert.isBelow(secret.stringData.APP_KEY.length, 32, 'start/env.ts refuses a short APP_KEY')
    for (const key of ['APP_KEY', 'DB_PASSWORD', 'GUACAMOLE_DB_PASSWORD']) {
      assert.notProperty(config(objects), key, `${key} belongs in the Secret`)
    }
  })

  test('every container runs non-root on a read-only root file system, without privileges', async ({
    assert,
  }) => {
    const objects = await manifests()
    const spec = podSpec(objects)
    const dockerfile = await readFile(new URL('Dockerfile', ROOT), 'utf8')
    const [, uid, gid] = /^USER (\d+):(\d+)$/m.exec(dockerfile)!
    assert.isTrue(spec.securityContext.runAsNonRoot)
    assert.equal(spec.securityContext.runAsUser, Number(uid), "the image's user")
    assert.equal(spec.securityContext.runAsGroup, Number(gid))
    assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault')
    for (const container of allContainers(objects)) {
      assert.isTrue(container.securityContext.readOnlyRootFilesystem, container.name)
      assert.isFalse(container.securityContext.allowPrivilegeEscalation, container.name)
      assert.deepEqual(container.securityContext.capabilities.drop, ['ALL'])
      assert.exists(container.resources.requests.cpu, container.name)
      assert.exists(container.resources.requests.memory, container.name)
      assert.exists(container.resources.limits.memory, container.name)
      assert.deepInclude(container.volumeMounts, { name: 'tmp', mountPath: '/tmp' })
    }
  })

  test('pods get longer to stop than the portal takes to shut down', async ({ assert }) => {
    const objects = await manifests()
    const shutdown = await readFile(new URL('config/shutdown.ts', ROOT), 'utf8')
    const fallback = Number(/env\.get\('SHUTDOWN_TIMEOUT', (\d+)\)/.exec(shutdown)?.[1])
    const timeout = Number(config(objects).SHUTDOWN_TIMEOUT ?? fallback)
    const delay = Number(config(objects).SHUTDOWN_DELAY ?? 0)
    assert.isAbove(timeout, 0)
    assert.isBelow(delay, timeout)
    assert.isAtLeast(podSpec(objects).terminationGracePeriodSeconds, timeout + 5)
  })

  test('migrations run once per new pod, before the server, never in the server', async ({
    assert,
  }) => {
    const objects = await manifests()
    const spec = podSpec(objects)
    const [migrate] = spec.initContainers
    assert.deepEqual(migrate.command, ['node', 'ace', 'migration:run', '--force'])
    assert.equal(migrate.image, portal(objects).image)
    assert.deepEqual(migrate.envFrom, portal(objects).envFrom)
    assert.equal(config(objects).DB_MIGRATE_ON_START, 'false')
    assert.equal(config(objects).DB_CONNECTION, 'mysql')
  })

  test('the portal sees the facility file system where the configuration says, read-only', async ({
    assert,
  }) => {
    const objects = await manifests()
    const settings = config(objects)
    const spec = podSpec(objects)
    const claims = {
      [settings.DATASETS_ROOT]: settings.KUBERNETES_DATASETS_PVC,
      [settings.OUTPUT_ROOT]: settings.KUBERNETES_OUTPUT_PVC,
    }
    for (const [mountPath, claimName] of Object.entries(claims)) {
      const mount = portal(objects).volumeMounts.find((entry: any) => entry.mountPath === mountPath)
      assert.exists(mount, mountPath)
      assert.isTrue(mount.readOnly)
      const volume = spec.volumes.find(({ name }: any) => name === mount.name)
      assert.deepEqual(volume.persistentVolumeClaim, { claimName, readOnly: true })
    }
    assert.equal(settings.KUBERNETES_VOLUME_MODE, 'pvc')
  })
})
