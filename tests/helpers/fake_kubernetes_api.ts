import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { BlockList, isIP, SocketAddress } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { Pod } from 'kubernetes-models/v1/Pod'
import { Secret } from 'kubernetes-models/v1/Secret'
import { Service } from 'kubernetes-models/v1/Service'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'

/**
 * A fake Kubernetes API server speaking the real REST paths and JSON of
 * the core/v1 and networking.k8s.io/v1 objects the portal's driver uses, over real HTTP on
 * 127.0.0.1, so @kubernetes/client-node is exercised end to end. Every
 * object it receives is validated against the official OpenAPI schema
 * (kubernetes-models) and the API server's name rules; a failure answers
 * 422 Invalid and is recorded, so tests can assert that the driver never
 * sends an invalid manifest.
 *
 * Pods follow a script chosen by their image reference:
 * - `…fail-pull…`: Pending, container waiting ErrImagePull (and a Warning event);
 * - `…unschedulable…`: Pending, PodScheduled=False Unschedulable (FailedScheduling event);
 * - `…crash…`: Running, then Failed (Error, exit code 1);
 * - `…never-ready…`: Running, never Ready;
 * - anything else: Pending (ContainerCreating), then Running and Ready after `startMs`.
 */

type Kind = 'pods' | 'services' | 'secrets' | 'networkpolicies'

type KubeObject = {
  apiVersion?: string
  kind?: string
  metadata: {
    name: string
    namespace: string
    uid: string
    resourceVersion: string
    creationTimestamp: string
    labels?: Record<string, string>
    deletionTimestamp?: string
    [key: string]: unknown
  }
  [key: string]: any
}

/** A manifest the fake refused as the real API server would (422). */
export type InvalidManifest = { kind: string; name: string; errors: string }

/** One request as the fake received it. */
export type KubeRequest = { method: string; path: string; query: Record<string, string> }

/** Constructor options of {@link FakeKubernetesApi}. */
export type FakeKubernetesOptions = {
  /** The bearer token clients must present (401 otherwise). */
  token?: string
  /** How long a normal pod stays Pending before it runs and is Ready. */
  startMs?: number
}

const KINDS: Record<Kind, { kind: string; listKind: string; group: string; apiVersion: string }> = {
  pods: { kind: 'Pod', listKind: 'PodList', group: '', apiVersion: 'v1' },
  services: { kind: 'Service', listKind: 'ServiceList', group: '', apiVersion: 'v1' },
  secrets: { kind: 'Secret', listKind: 'SecretList', group: '', apiVersion: 'v1' },
  networkpolicies: {
    kind: 'NetworkPolicy',
    listKind: 'NetworkPolicyList',
    group: 'networking.k8s.io',
    apiVersion: 'networking.k8s.io/v1',
  },
}

/** Whether `inner` is a CIDR block strictly inside `outer` (the API server's rule for `except`). */
function strictlyInside(inner: string, outer: string) {
  const parse = (block: string) => {
    const [address, prefix] = block.split('/')
    const family = isIP(address)
    if (!family || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return null
    const max = family === 4 ? 32 : 128
    const bits = Number(prefix)
    if (bits > max) return null
    const socket = new SocketAddress({ address, family: family === 4 ? 'ipv4' : 'ipv6' })
    return { family, bits, socket }
  }
  const a = parse(inner)
  const b = parse(outer)
  if (!a || !b || a.family !== b.family || a.bits <= b.bits) return false
  const list = new BlockList()
  list.addSubnet(b.socket.address, b.bits, a.family === 4 ? 'ipv4' : 'ipv6')
  return list.check(a.socket.address, a.family === 4 ? 'ipv4' : 'ipv6')
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

function status(code: number, reason: string, message: string, details?: object) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  }
}

/** The rules the API server applies on top of the schema (names, label values). */
function ruleErrors(kind: Kind, body: KubeObject): string[] {
  const errors: string[] = []
  const name = body.metadata?.name ?? ''
  const namePattern =
    kind === 'services' ? DNS_1035_LABEL : kind === 'pods' ? DNS_1123_SUBDOMAIN : DNS_1123_SUBDOMAIN
  if (!namePattern.test(name) || name.length > (kind === 'services' ? 63 : 253)) {
    errors.push(`metadata.name: Invalid value: "${name}"`)
  }
  if (kind === 'pods' && !DNS_1123_LABEL.test(name.split('.')[0] ?? '')) {
    errors.push(`metadata.name: Invalid value: "${name}" (hostname)`)
  }
  for (const [key, value] of Object.entries(body.metadata?.labels ?? {})) {
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      errors.push(`metadata.labels: Invalid value: "${key}=${value}"`)
    }
  }
  if (kind === 'pods') {
    for (const container of body.spec?.containers ?? []) {
      for (const mount of container.volumeMounts ?? []) {
        if (!(body.spec?.volumes ?? []).some((volume: any) => volume.name === mount.name)) {
          errors.push(`spec.containers.volumeMounts.name: Not found: "${mount.name}"`)
        }
      }
      const { requests = {}, limits = {} } = container.resources ?? {}
      for (const resource of Object.keys(requests)) {
        if (resource.includes('/') && requests[resource] !== limits[resource]) {
          errors.push(`resources.requests[${resource}]: must be equal to the limit`)
        }
      }
    }
  }
  if (kind === 'networkpolicies') {
    const rules = [...(body.spec?.ingress ?? []), ...(body.spec?.egress ?? [])]
    for (const rule of rules) {
      for (const peer of [...(rule.from ?? []), ...(rule.to ?? [])]) {
        const block = peer.ipBlock
        if (block && (peer.podSelector || peer.namespaceSelector)) {
          errors.push('ipBlock: may not be combined with a pod or namespace selector')
        }
        for (const except of block?.except ?? []) {
          if (!strictlyInside(except, block.cidr)) {
            errors.push(
              `ipBlock.except: Invalid value: "${except}": must be a strict subset of ${block.cidr}`
            )
          }
        }
      }
      for (const port of rule.ports ?? []) {
        if (!['TCP', 'UDP', 'SCTP'].includes(port.protocol ?? 'TCP')) {
          errors.push(`ports.protocol: Unsupported value: "${port.protocol}"`)
        }
      }
    }
  }
  if (kind === 'services') {
    const ports = body.spec?.ports ?? []
    if (body.spec?.type !== 'ExternalName' && ports.length === 0) {
      errors.push('spec.ports: Required value')
    }
  }
  return errors
}

function schemaErrors(kind: Kind, body: KubeObject): string | null {
  try {
    if (kind === 'pods') {
      new Pod(body as any).validate()
    } else if (kind === 'services') {
      new Service(body as any).validate()
    } else if (kind === 'networkpolicies') {
      new NetworkPolicy(body as any).validate()
    } else {
      new Secret(body as any).validate()
    }
    return null
  } catch (error) {
    return (error as Error).message
  }
}

function matchesSelector(labels: Record<string, string> = {}, selector?: string) {
  if (!selector) {
    return true
  }
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [key, value] = term.split('=')
      return labels[key] === value
    })
}

export class FakeKubernetesApi {
  /** Manifests refused by schema or name validation, in order. */
  readonly invalid: InvalidManifest[] = []
  /** Every request, in order (auth failures included). */
  readonly requests: KubeRequest[] = []
  /** Answer 403 Forbidden to everything but /version. */
  forbidden = false
  /** Answer 403 Forbidden to event lists only (RBAC without events). */
  eventsForbidden = false

  #server: Server | null = null
  #port = 0
  #sockets = new Set<Socket>()
  #objects = new Map<string, KubeObject>()
  #events: KubeObject[] = []
  #resourceVersion = 1000
  #token: string
  #startMs: number

  constructor(options: FakeKubernetesOptions = {}) {
    this.#token = options.token ?? 'fake-kubernetes-token'
    this.#startMs = options.startMs ?? 150
  }

  async start(port = 0): Promise<void> {
    if (this.#server) throw new Error('FakeKubernetesApi already started')
    const server = createServer((request, response) => {
      this.#handle(request, response).catch((error) => {
        response.writeHead(500, { 'content-type': 'application/json' })
        response.end(JSON.stringify(status(500, 'InternalError', String(error))))
      })
    })
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.#server = server
    this.#port = (server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    const server = this.#server
    this.#server = null
    if (!server) return
    this.#sockets.forEach((socket) => socket.destroy())
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  get url() {
    return `http://127.0.0.1:${this.#port}`
  }

  get port() {
    if (!this.#port) throw new Error('FakeKubernetesApi is not started')
    return this.#port
  }

  get token() {
    return this.#token
  }

  /** Forgets every object, event, request and refusal. */
  reset() {
    this.#objects.clear()
    this.#events = []
    this.requests.length = 0
    this.invalid.length = 0
    this.forbidden = false
    this.eventsForbidden = false
  }

  /** Stored objects of a kind (status advanced), optionally of one namespace. */
  objects(kind: Kind, namespace?: string): KubeObject[] {
    return [...this.#objects.entries()]
      .filter(([key]) => key.startsWith(`${kind}/${namespace ?? ''}`))
      .map(([, object]) => this.#advance(kind, object))
  }

  /** One stored object, or undefined. */
  object(kind: Kind, namespace: string, name: string): KubeObject | undefined {
    const object = this.#objects.get(`${kind}/${namespace}/${name}`)
    return object ? this.#advance(kind, object) : undefined
  }

  /** Stores an object as someone else (another portal, an admin) would have created it. */
  seed(kind: Kind, namespace: string, body: Record<string, any>) {
    return this.#store(kind, namespace, body as KubeObject)
  }

  async #handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://fake')
    const query = Object.fromEntries(url.searchParams)
    this.requests.push({ method: request.method ?? 'GET', path: url.pathname, query })
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')

    const send = (code: number, body: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }

    if (request.headers.authorization !== `Bearer ${this.#token}`) {
      return send(401, status(401, 'Unauthorized', 'Unauthorized'))
    }
    if (url.pathname === '/version' && request.method === 'GET') {
      return send(200, {
        major: '1',
        minor: '33',
        gitVersion: 'v1.33.0-fake',
        platform: 'linux/amd64',
      })
    }

    const events = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(url.pathname)
    if (events && request.method === 'GET') {
      if (this.forbidden || this.eventsForbidden) {
        return send(403, status(403, 'Forbidden', 'events is forbidden'))
      }
      return send(200, this.#eventList(events[1], query.fieldSelector))
    }

    const match =
      /^\/api\/v1\/namespaces\/([^/]+)\/(pods|services|secrets)(?:\/([^/]+))?$/.exec(
        url.pathname
      ) ??
      /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/(networkpolicies)(?:\/([^/]+))?$/.exec(
        url.pathname
      )
    if (!match) {
      return send(404, status(404, 'NotFound', 'the server could not find the requested resource'))
    }
    const [, namespace, kind, name] = match as unknown as [string, string, Kind, string?]
    if (this.forbidden) {
      const verb =
        request.method === 'POST'
          ? 'create'
          : request.method === 'DELETE'
            ? 'delete'
            : name
              ? 'get'
              : 'list'
      return send(
        403,
        status(
          403,
          'Forbidden',
          `${kind} is forbidden: User "system:serviceaccount:portal:portal" cannot ${verb} resource "${kind}" in API group "${KINDS[kind].group}" in the namespace "${namespace}"`
        )
      )
    }
    const key = (objectName: string) => `${kind}/${namespace}/${objectName}`
    const notFound = (objectName: string) =>
      send(
        404,
        status(404, 'NotFound', `${kind} "${objectName}" not found`, { name: objectName, kind })
      )

    if (request.method === 'POST' && !name) {
      let body: KubeObject
      try {
        body = JSON.parse(text)
      } catch {
        return send(400, status(400, 'BadRequest', 'the body is not JSON'))
      }
      const objectName = body.metadata?.name ?? ''
      const schema = schemaErrors(kind, body)
      const rules = ruleErrors(kind, body)
      if (body.metadata?.namespace && body.metadata.namespace !== namespace) {
        rules.push('metadata.namespace: does not match the namespace of the request')
      }
      if (body.kind !== KINDS[kind].kind || body.apiVersion !== KINDS[kind].apiVersion) {
        rules.push(`kind/apiVersion: expected ${KINDS[kind].apiVersion} ${KINDS[kind].kind}`)
      }
      if (schema || rules.length) {
        const errors = [schema, ...rules].filter(Boolean).join('; ')
        this.invalid.push({ kind: KINDS[kind].kind, name: objectName, errors })
        return send(
          422,
          status(422, 'Invalid', `${KINDS[kind].kind} "${objectName}" is invalid: ${errors}`)
        )
      }
      if (this.#objects.has(key(objectName))) {
        return send(
          409,
          status(409, 'AlreadyExists', `${kind} "${objectName}" already exists`, {
            name: objectName,
            kind,
          })
        )
      }
      return send(201, this.#store(kind, namespace, body))
    }

    if (request.method === 'GET' && name) {
      const object = this.#objects.get(key(name))
      return object ? send(200, this.#advance(kind, object)) : notFound(name)
    }

    if (request.method === 'GET') {
      let items = this.objects(kind, namespace).filter(
        (object) =>
          object.metadata.namespace === namespace &&
          matchesSelector(object.metadata.labels, query.labelSelector)
      )
      if (query.limit) {
        items = items.slice(0, Number(query.limit))
      }
      return send(200, {
        kind: KINDS[kind].listKind,
        apiVersion: KINDS[kind].apiVersion,
        metadata: { resourceVersion: String(this.#resourceVersion) },
        items,
      })
    }

    if (request.method === 'DELETE' && name) {
      const object = this.#objects.get(key(name))
      if (!object) {
        return notFound(name)
      }
      // Deleted at once (no graceful termination in the fake).
      this.#objects.delete(key(name))
      if (kind === 'secrets' || kind === 'networkpolicies') {
        return send(200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, kind, uid: object.metadata.uid },
        })
      }
      return send(200, object)
    }

    return send(405, status(405, 'MethodNotAllowed', 'the server does not allow this method'))
  }

  #store(kind: Kind, namespace: string, body: KubeObject) {
    const stored: KubeObject = structuredClone(body)
    stored.apiVersion = KINDS[kind].apiVersion
    stored.kind = KINDS[kind].kind
    stored.metadata = {
      ...stored.metadata,
      namespace,
      uid: randomUUID(),
      resourceVersion: String(++this.#resourceVersion),
      creationTimestamp: new Date().toISOString(),
    }
    if (kind === 'secrets' && stored.stringData) {
      // stringData is write-only: the API server merges it into data.
      stored.data = {
        ...stored.data,
        ...Object.fromEntries(
          Object.entries(stored.stringData as Record<string, string>).map(([entry, value]) => [
            entry,
            Buffer.from(value).toString('base64'),
          ])
        ),
      }
      delete stored.stringData
    }
    if (kind === 'services') {
      stored.spec.clusterIP = `10.96.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`
      stored.spec.clusterIPs = [stored.spec.clusterIP]
    }
    if (kind === 'pods') {
      stored.spec.nodeName = undefined
      stored.status = { phase: 'Pending', qosClass: 'Guaranteed' }
    }
    this.#objects.set(`${kind}/${namespace}/${stored.metadata.name}`, stored)
    return kind === 'pods' ? this.#advance(kind, stored) : stored
  }

  /** Moves a pod along its script, by the time since it was created. */
  #advance(kind: Kind, object: KubeObject): KubeObject {
    if (kind !== 'pods') {
      return object
    }
    const image: string = object.spec.containers[0]?.image ?? ''
    const age = Date.now() - Date.parse(object.metadata.creationTimestamp)
    const now = new Date().toISOString()
    const name = object.spec.containers[0]?.name ?? 'environment'
    const condition = (type: string, value: boolean, reason?: string, message?: string) => ({
      type,
      status: value ? 'True' : 'False',
      lastTransitionTime: object.metadata.creationTimestamp,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    })
    const container = (state: object, ready = false) => ({
      name,
      image,
      imageID: '',
      ready,
      restartCount: 0,
      started: 'running' in state,
      state,
    })
    let next: Record<string, unknown>
    if (image.includes('unschedulable')) {
      next = {
        phase: 'Pending',
        conditions: [
          condition(
            'PodScheduled',
            false,
            'Unschedulable',
            '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.'
          ),
        ],
      }
      this.#event(
        object,
        'FailedScheduling',
        '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.'
      )
    } else if (image.includes('fail-pull')) {
      const message = `Failed to pull image "${image}": not found`
      next = {
        phase: 'Pending',
        conditions: [
          condition('PodScheduled', true),
          condition('Ready', false, 'ContainersNotReady'),
        ],
        containerStatuses: [container({ waiting: { reason: 'ErrImagePull', message } })],
      }
      this.#event(object, 'Failed', message)
    } else if (age < this.#startMs) {
      next = {
        phase: 'Pending',
        conditions: [
          condition('PodScheduled', true),
          condition('Ready', false, 'ContainersNotReady'),
        ],
        containerStatuses: [container({ waiting: { reason: 'ContainerCreating' } })],
      }
    } else if (image.includes('crash') && age >= this.#startMs * 2) {
      next = {
        phase: 'Failed',
        conditions: [condition('PodScheduled', true), condition('Ready', false, 'PodFailed')],
        containerStatuses: [
          container({
            terminated: { reason: 'Error', exitCode: 1, startedAt: now, finishedAt: now },
          }),
        ],
      }
    } else {
      const ready = !image.includes('never-ready') && !image.includes('crash')
      next = {
        phase: 'Running',
        podIP: '10.244.1.17',
        startTime: object.metadata.creationTimestamp,
        conditions: [condition('PodScheduled', true), condition('Ready', ready)],
        containerStatuses: [
          container({ running: { startedAt: object.metadata.creationTimestamp } }, ready),
        ],
      }
    }
    if (JSON.stringify(next) !== JSON.stringify(object.status)) {
      object.status = { qosClass: 'Guaranteed', ...next }
      object.metadata.resourceVersion = String(++this.#resourceVersion)
    }
    return object
  }

  /** Records a Warning event about a pod once (then counts it). */
  #event(pod: KubeObject, reason: string, message: string) {
    const existing = this.#events.find(
      (event) => event.involvedObject.uid === pod.metadata.uid && event.reason === reason
    )
    if (existing) {
      return
    }
    const now = new Date().toISOString()
    this.#events.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${pod.metadata.name}.${randomUUID().slice(0, 8)}`,
        namespace: pod.metadata.namespace,
        uid: randomUUID(),
        resourceVersion: String(++this.#resourceVersion),
        creationTimestamp: now,
      },
      involvedObject: {
        kind: 'Pod',
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        apiVersion: 'v1',
      },
      reason,
      message,
      type: 'Warning',
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: reason === 'FailedScheduling' ? 'default-scheduler' : 'kubelet' },
    })
  }

  #eventList(namespace: string, fieldSelector = '') {
    const fields = Object.fromEntries(
      fieldSelector
        .split(',')
        .filter(Boolean)
        .map((term) => term.split('='))
    )
    const items = this.#events.filter(
      (event) =>
        event.metadata.namespace === namespace &&
        (!fields['involvedObject.name'] ||
          event.involvedObject.name === fields['involvedObject.name']) &&
        (!fields['involvedObject.kind'] ||
          event.involvedObject.kind === fields['involvedObject.kind'])
    )
    return {
      kind: 'EventList',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(this.#resourceVersion) },
      items,
    }
  }
}
