import { mkdtemp, rm } from 'node:fs/promises'
import { test } from '@japa/runner'
import type Docker from 'dockerode'
import DockerDriver from '#services/provisioning/docker_driver'
import {
  createEnvironmentNetwork,
  ENVIRONMENT_BRIDGE_PREFIX,
  environmentNetworkName,
  ISOLATED_NETWORK,
} from '#services/provisioning/docker_networks'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'
import { execIn, TEST_IMAGES } from '#tests/helpers/docker'
import { PrivateDocker } from '#tests/helpers/private_docker'
import { TestNetns } from '#tests/helpers/test_netns'
import { engineObjectName } from '#domain/compute'

/*
 * DOCKER_NETWORK=isolated, proven on a private engine with bridge
 * networking and iptables that runs inside a network namespace of this
 * test (tests/helpers/test_netns.ts): the engine's bridges, NAT and filter
 * rules, the stand-ins for guacd, the portal and a facility host all live
 * in namespaces the test made, so no packet reaches a real network.
 *
 *   host namespace ("the Docker host")         facility namespace
 *     portal stand-in 0.0.0.0:3333     ──veth── 10.77.0.2:8080 (a facility service)
 *     bridge portal-access: guacd stand-in :4822   169.254.169.254:80 (cloud metadata)
 *     bridge pfe…: environment A :5900
 *     bridge pfe…: environment B :5900
 */

const INSTANCE = 'portal-netiso'
/** The firewall script's default access bridge (the compose network "portal-workloads"). */
const ACCESS_BRIDGE = 'portal-access'
const SERVICE_PORT = 5900
const GUACD_PORT = 4822
const PORTAL_PORT = 3333
const FACILITY = { host: '10.77.0.2', port: 8080 }
const METADATA = { host: '169.254.169.254', port: 80 }
/** A "public" address (TEST-NET-2, never routed on the internet), held by the facility namespace. */
const PUBLIC = { host: '198.51.100.7', port: 80 }
/** Any address and the service port: reachable on the environment's own network. */
const LISTEN = ['/bin/sh', '-c', 'exec httpd -f -p $PORTAL_SERVICE_PORT -h /tmp']

type World = {
  host: TestNetns
  facility: TestNetns
  engine: PrivateDocker
  client: Docker
  driver: DockerDriver
  guacd: { id: string; address: string }
  a: { id: string; host: string; port: number; gateway: string }
  b: { id: string; host: string; port: number }
  webRoot: string
}

let world: World | undefined

function environmentSpec(environmentId: number): EnvironmentSpec {
  return {
    environmentId,
    name: engineObjectName(INSTANCE, environmentId),
    owner: { id: 7, username: 'alice' },
    resources: { cpuMillicores: 250, memoryBytes: 64 * 1024 ** 2, storageBytes: 0, gpus: 0 },
    runAs: null,
    mounts: [],
    secret: 'not-a-real-secret',
    image: {
      reference: TEST_IMAGES.busybox,
      protocol: 'vnc',
      port: SERVICE_PORT,
      command: LISTEN,
      environment: {},
    },
  }
}

/** Whether a TCP connection from inside the container to host:port is accepted within 2 s. */
async function connects(client: Docker, containerId: string, host: string, port: number) {
  const { exitCode } = await execIn(client, containerId, [
    '/bin/sh',
    '-c',
    `echo | nc -w 2 ${host} ${port} >/dev/null 2>&1`,
  ])
  return exitCode === 0
}

/** Waits until a listener in `netns` accepts connections (its own namespace, loopback rules apply). */
async function listening(netns: TestNetns, host: string, port: number) {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const ok = await netns
      .run(['/bin/sh', '-c', `echo | /bin/busybox nc -w 1 ${host} ${port} >/dev/null 2>&1`])
      .then(
        () => true,
        () => false
      )
    if (ok) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`nothing listens on ${host}:${port} in ${netns.name}`)
}

/** Applies (or removes) the shipped firewall script inside the Docker host's namespace. */
async function firewall(
  host: TestNetns,
  action: 'apply' | 'remove',
  { allow = '', publicEgress = 'allow' } = {}
) {
  await host.run(['bash', 'deploy/docker/environment_firewall.sh', action], {
    PATH: process.env.PATH,
    ENVIRONMENT_EGRESS_ALLOW: allow,
    ENVIRONMENT_EGRESS_PUBLIC: publicEgress,
  })
}

async function addressOn(client: Docker, containerId: string) {
  const info = await client.getContainer(containerId).inspect()
  const [network] = Object.values(info.NetworkSettings.Networks)
  return { host: network.IPAddress, gateway: network.Gateway }
}

/** What every test of the group shares: built once (the engine takes seconds). */
async function setUp(): Promise<World> {
  const host = await TestNetns.create('pfn')
  const facility = await TestNetns.create('pff')
  const partial: Partial<World> = { host, facility }
  world = partial as World
  await host.link(facility, '10.77.0.1/24', `${FACILITY.host}/24`)
  await facility.run(['ip', 'route', 'add', 'default', 'via', '10.77.0.1'])
  await facility.run(['ip', 'addr', 'add', `${METADATA.host}/32`, 'dev', 'lo'])
  await host.run(['ip', 'route', 'add', `${METADATA.host}/32`, 'via', FACILITY.host])
  await facility.run(['ip', 'addr', 'add', `${PUBLIC.host}/32`, 'dev', 'lo'])
  await host.run(['ip', 'route', 'add', `${PUBLIC.host}/32`, 'via', FACILITY.host])

  const engine = await PrivateDocker.create({ netns: host.name })
  partial.engine = engine
  const client = engine.client()
  partial.client = client
  partial.webRoot = await mkdtemp('/tmp/pfn-www-')

  // Listeners: the portal on every address of the Docker host, a facility
  // service and the metadata address behind the host's uplink.
  host.spawn(['/bin/busybox', 'httpd', '-f', '-p', `0.0.0.0:${PORTAL_PORT}`, '-h', partial.webRoot])
  facility.spawn([
    '/bin/busybox',
    'httpd',
    '-f',
    '-p',
    `${FACILITY.host}:${FACILITY.port}`,
    '-h',
    partial.webRoot,
  ])
  facility.spawn([
    '/bin/busybox',
    'httpd',
    '-f',
    '-p',
    `${METADATA.host}:${METADATA.port}`,
    '-h',
    partial.webRoot,
  ])
  await listening(host, '127.0.0.1', PORTAL_PORT)
  await listening(facility, FACILITY.host, FACILITY.port)
  await listening(facility, METADATA.host, METADATA.port)
  facility.spawn([
    '/bin/busybox',
    'httpd',
    '-f',
    '-p',
    `${PUBLIC.host}:${PUBLIC.port}`,
    '-h',
    partial.webRoot,
  ])
  await listening(facility, PUBLIC.host, PUBLIC.port)

  // The access network (compose: "portal-workloads" with this bridge name) and guacd on it.
  await client.createNetwork({
    Name: 'portal-workloads',
    Driver: 'bridge',
    Options: { 'com.docker.network.bridge.name': ACCESS_BRIDGE },
  })
  const guacd = await client.createContainer({
    name: 'guacd',
    Image: TEST_IMAGES.busybox,
    Cmd: ['/bin/sh', '-c', `exec httpd -f -p ${GUACD_PORT} -h /tmp`],
    User: '1000:1000',
    HostConfig: { NetworkMode: 'portal-workloads', Init: true },
  })
  await guacd.start()
  partial.guacd = { id: guacd.id, address: (await addressOn(client, guacd.id)).host }

  const driver = new DockerDriver({
    instanceId: INSTANCE,
    network: ISOLATED_NETWORK,
    connection: { socketPath: engine.socketPath, tls: {}, timeoutMs: 20_000 },
  })
  partial.driver = driver
  const a = await driver.create(environmentSpec(1), () => {})
  const b = await driver.create(environmentSpec(2), () => {})
  partial.a = {
    id: a.engineId,
    ...a.endpoint,
    gateway: (await addressOn(client, a.engineId)).gateway,
  }
  partial.b = { id: b.engineId, ...b.endpoint }
  for (const endpoint of [a.endpoint, b.endpoint]) {
    await listening(host, endpoint.host, endpoint.port)
  }
  return world
}

async function tearDown() {
  if (!world) {
    return
  }
  await world.engine?.destroy()
  await world.host?.destroy()
  await world.facility?.destroy()
  if (world.webRoot) {
    await rm(world.webRoot, { recursive: true, force: true })
  }
  world = undefined
}

test.group('Docker driver | isolated networks (engine in a network namespace)', (group) => {
  group.setup(async () => {
    try {
      await setUp()
    } catch (error) {
      await tearDown()
      throw error
    }
    return tearDown
  })
  group.each.timeout(120_000)

  test('gives each environment a bridge of its own, labelled, with no other container on it', async ({
    assert,
  }) => {
    const { client, a, b } = world!
    for (const [environmentId, container] of [
      [1, a],
      [2, b],
    ] as const) {
      const info = await client.getContainer(container.id).inspect()
      const name = environmentNetworkName(`${INSTANCE}-env-${environmentId}`)
      assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [name])
      const network = await client.getNetwork(name).inspect()
      const bridge = network.Options?.['com.docker.network.bridge.name'] ?? ''
      assert.match(bridge, new RegExp(`^${ENVIRONMENT_BRIDGE_PREFIX}[0-9a-f]{12}$`))
      assert.equal(network.Labels?.['facility-portal.instance'], INSTANCE)
      assert.equal(network.Labels?.['facility-portal.environment'], String(environmentId))
      assert.deepEqual(Object.keys(network.Containers ?? {}), [container.id])
    }
    assert.notEqual(a.host, b.host)
  })

  test('without the firewall script an environment reaches the host and the facility network', async ({
    assert,
  }) => {
    // The gap the script closes (and proof that the probes can succeed).
    const { host, client, a } = world!
    await firewall(host, 'remove')
    assert.isTrue(await connects(client, a.id, a.gateway, PORTAL_PORT), 'the host (portal)')
    assert.isTrue(await connects(client, a.id, FACILITY.host, FACILITY.port), 'a facility host')
  })

  test('with the firewall, environments reach neither each other, guacd, the portal nor private ranges', async ({
    assert,
  }) => {
    const { host, client, guacd, a, b } = world!
    await firewall(host, 'apply')

    assert.isFalse(await connects(client, a.id, b.host, b.port), "B's service port")
    assert.isFalse(await connects(client, b.id, a.host, a.port), "A's service port, from B")
    assert.isFalse(await connects(client, a.id, guacd.address, GUACD_PORT), 'guacd')
    assert.isFalse(await connects(client, a.id, a.gateway, PORTAL_PORT), 'the portal (host)')
    const access = await addressOn(client, guacd.id)
    assert.isFalse(await connects(client, a.id, access.gateway, PORTAL_PORT), 'the portal (access)')
    assert.isFalse(await connects(client, a.id, FACILITY.host, FACILITY.port), 'a facility host')
    assert.isFalse(await connects(client, a.id, METADATA.host, METADATA.port), 'cloud metadata')
  })

  test('with the firewall, guacd (the allowed peer) reaches every environment at its service port', async ({
    assert,
  }) => {
    const { host, client, guacd, a, b } = world!
    await firewall(host, 'apply')

    assert.isTrue(await connects(client, guacd.id, a.host, a.port))
    assert.isTrue(await connects(client, guacd.id, b.host, b.port))
  })

  test('ENVIRONMENT_EGRESS_ALLOW opens a listed private range, and nothing else', async ({
    assert,
  }) => {
    const { host, client, guacd, a, b } = world!
    await firewall(host, 'apply', { allow: '10.77.0.0/24' })

    assert.isTrue(await connects(client, a.id, FACILITY.host, FACILITY.port), 'the listed range')
    assert.isFalse(await connects(client, a.id, METADATA.host, METADATA.port), 'cloud metadata')
    assert.isFalse(await connects(client, a.id, b.host, b.port), "B's service port")
    assert.isFalse(await connects(client, a.id, guacd.address, GUACD_PORT), 'guacd')
    assert.isFalse(await connects(client, a.id, a.gateway, PORTAL_PORT), 'the portal (host)')
  })

  test('public addresses stay reachable, unless ENVIRONMENT_EGRESS_PUBLIC=deny', async ({
    assert,
  }) => {
    const { host, client, guacd, a } = world!
    await firewall(host, 'apply')
    assert.isTrue(await connects(client, a.id, PUBLIC.host, PUBLIC.port), 'allowed by default')

    await firewall(host, 'apply', { allow: '10.77.0.0/24', publicEgress: 'deny' })
    assert.isFalse(await connects(client, a.id, PUBLIC.host, PUBLIC.port), 'denied')
    assert.isTrue(await connects(client, a.id, FACILITY.host, FACILITY.port), 'the listed range')
    assert.isTrue(await connects(client, guacd.id, a.host, a.port), 'guacd still reaches A')
  })

  test('removes the network with the environment', async ({ assert }) => {
    const { client, driver } = world!
    const spec = environmentSpec(3)
    await driver.create(spec, () => {})
    const name = environmentNetworkName(`${INSTANCE}-env-3`)
    assert.exists(await client.getNetwork(name).inspect())

    await driver.remove(3)

    const left = await client.listNetworks({ filters: { name: [name] } })
    assert.lengthOf(left, 0)
    assert.lengthOf(
      (await driver.list()).filter((state) => state.environmentId === 3),
      0
    )
  })

  test('leaves no network behind a create that fails', async ({ assert }) => {
    const { client, driver } = world!
    const spec = environmentSpec(4)
    // Refused after the network was made: the engine checks bind sources at create.
    spec.mounts = [{ hostPath: '/nonexistent/pfn-missing', containerPath: '/data', mode: 'ro' }]

    await assert.rejects(() => driver.create(spec, () => {}), ProvisioningFailedException)

    const label = ['facility-portal.environment=4']
    assert.lengthOf(await client.listNetworks({ filters: { label } }), 0)
    assert.lengthOf(await client.listContainers({ all: true, filters: { label } }), 0)
  })

  test('lists a network whose container is gone, so the reconciler removes it', async ({
    assert,
  }) => {
    const { client, driver } = world!
    await createEnvironmentNetwork(client, {
      instanceId: INSTANCE,
      environmentId: 5,
      ownerId: 7,
      name: environmentNetworkName(`${INSTANCE}-env-5`),
    })

    const [orphan] = (await driver.list()).filter((state) => state.environmentId === 5)
    assert.deepInclude(orphan, { running: false, status: 'network only' })

    await driver.remove(5)
    const label = ['facility-portal.environment=5']
    assert.lengthOf(await client.listNetworks({ filters: { label } }), 0)
  })
})
