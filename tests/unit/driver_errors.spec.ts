import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import Docker from 'dockerode'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'
import { dockerErrorReader } from '#services/provisioning/docker_errors'
import { kubernetesErrorReader } from '#services/provisioning/kubernetes_errors'
import KubernetesClusters from '#services/provisioning/kubernetes_client'
import { DriverErrors, failureReason } from '#services/provisioning/driver_errors'
import { freeLoopbackPort } from '#services/provisioning/free_port'

type Cleanup = (fn: () => void | Promise<void>) => void

/**
 * A loopback HTTP server answering every request with `status` and a JSON
 * `body`: the engine's side of a refusal, so the errors under test are the
 * ones the real client libraries make.
 */
async function answering(cleanup: Cleanup, status: number, body: unknown) {
  const server: Server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' })
    response.end(JSON.stringify(body))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanup(() => {
    server.closeAllConnections()
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** What dockerode throws when the engine at `url` answers an image inspection. */
async function dockerError(url: string) {
  const { hostname, port } = new URL(url)
  const client = new Docker({ host: hostname, port, protocol: 'http', timeout: 1000 })
  return client
    .getImage('portal-test/x:1')
    .inspect()
    .then(() => Promise.reject(new Error('the engine accepted')))
    .catch((error: unknown) => error)
}

/** What @kubernetes/client-node throws when the API server at `server` answers a pod read. */
async function kubernetesError(server: string) {
  const { core } = new KubernetesClusters().connect({
    mode: 'explicit',
    server,
    token: 't',
    timeoutMs: 1000,
  })
  return core
    .readNamespacedPod({ name: 'portal-test-env-1', namespace: 'portal-workloads' })
    .then(() => Promise.reject(new Error('the API server accepted')))
    .catch((error: unknown) => error)
}

/** A Kubernetes Status body. */
function statusBody(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }
}

const docker = new DriverErrors(dockerErrorReader)
const kubernetes = new DriverErrors(kubernetesErrorReader('portal-workloads'))
const CALL = { refused: 'The engine refused the environment', permission: 'get pods' }

test.group('Driver errors | both engines', () => {
  test('an engine nobody listens for is unavailable (503), the cause kept ({driver})')
    .with([
      { driver: 'docker', errors: docker, fail: dockerError },
      { driver: 'kubernetes', errors: kubernetes, fail: kubernetesError },
    ])
    .run(async ({ assert }, row) => {
      const error = await row.fail(`http://127.0.0.1:${await freeLoopbackPort()}`)
      assert.isUndefined(row.errors.status(error))
      const translated = row.errors.translate(error, CALL)
      assert.instanceOf(translated, ProvisioningUnavailableException)
      assert.equal((translated as ProvisioningUnavailableException).status, 503)
      assert.strictEqual((translated as Error).cause, error)
    })

  test('a refusal without known wording fails (502) with what was refused ({driver})')
    .with([
      {
        driver: 'docker',
        errors: docker,
        fail: dockerError,
        body: { message: 'No such image: portal-test/x:1' },
        expected: 'The engine refused the environment',
      },
      {
        driver: 'kubernetes',
        errors: kubernetes,
        fail: kubernetesError,
        body: statusBody(404, 'NotFound', 'pods "portal-test-env-1" not found'),
        expected:
          'The engine refused the environment (NotFound: pods "portal-test-env-1" not found)',
      },
    ])
    .run(async ({ assert, cleanup }, row) => {
      const error = await row.fail(await answering(cleanup, 404, row.body))
      assert.equal(row.errors.status(error), 404)
      const translated = row.errors.translate(error, CALL) as ProvisioningFailedException
      assert.instanceOf(translated, ProvisioningFailedException)
      assert.equal(translated.status, 502)
      assert.equal(translated.message, row.expected)
      assert.strictEqual(translated.cause, error)
    })

  test('a not-found is tolerated where asked, any other refusal is not ({driver})')
    .with([
      { driver: 'docker', errors: docker, fail: dockerError },
      { driver: 'kubernetes', errors: kubernetes, fail: kubernetesError },
    ])
    .run(async ({ assert, cleanup }, row) => {
      const gone = await row.fail(await answering(cleanup, 404, statusBody(404, 'NotFound', 'x')))
      assert.isUndefined(await row.errors.unless([404], Promise.reject(gone)))
      const conflict = await row.fail(
        await answering(cleanup, 409, statusBody(409, 'Conflict', 'x'))
      )
      const rejected = await row.errors
        .unless([404], Promise.reject(conflict))
        .catch((error: unknown) => error)
      assert.strictEqual(rejected, conflict)
      assert.equal(await row.errors.unless([404], Promise.resolve('kept')), 'kept')
    })

  test('coded exceptions pass through and programming errors are not taken for an outage', async ({
    assert,
  }) => {
    for (const errors of [docker, kubernetes]) {
      const failed = new ProvisioningFailedException('Already translated')
      assert.strictEqual(errors.translate(failed, CALL), failed)
      const bug = new TypeError("Cannot read properties of undefined (reading 'Id')")
      assert.strictEqual(errors.translate(bug, CALL), bug)
      const error = await errors.call(() => Promise.reject(bug), CALL).catch((caught) => caught)
      assert.strictEqual(error, bug)
      assert.equal(await errors.call(() => Promise.resolve(7), CALL), 7)
    }
  })

  test('an availability check turns any failure into unavailable, keeping a coded one', ({
    assert,
  }) => {
    const unavailable = new ProvisioningUnavailableException('The cluster is down')
    assert.strictEqual(docker.unavailable(unavailable), unavailable)
    const refused = new ProvisioningFailedException('Refused')
    const wrapped = kubernetes.unavailable(refused)
    assert.instanceOf(wrapped, ProvisioningUnavailableException)
    assert.strictEqual(wrapped.cause, refused)
  })

  test('a failure tells the user the coded message, anything else generically', ({ assert }) => {
    assert.equal(failureReason(new ProvisioningFailedException('No GPU')), 'No GPU')
    assert.equal(failureReason(new ProvisioningUnavailableException('Down')), 'Down')
    assert.equal(
      failureReason(new Error('ER_LOCK_DEADLOCK at /srv/portal/x.ts')),
      'Internal error while provisioning; the facility has been notified in the logs'
    )
  })
})

test.group('Driver errors | Docker', () => {
  test('a known refusal is worded for people ({label})')
    .with([
      {
        label: 'no GPU',
        reason: 'could not select device driver "nvidia" with capabilities: [[gpu]]',
        expected: 'No GPU is available on the engine',
      },
      {
        label: 'missing bind source',
        reason: 'invalid mount config: bind source path does not exist: /srv/raw/secret-name',
        expected: 'A folder to mount is missing on the engine host',
      },
      {
        label: 'too many CPUs',
        reason: 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available',
        expected: 'The engine host has fewer CPUs than requested',
      },
    ])
    .run(async ({ assert, cleanup }, row) => {
      const error = await dockerError(await answering(cleanup, 500, { message: row.reason }))
      const translated = docker.translate(error, CALL) as ProvisioningFailedException
      assert.instanceOf(translated, ProvisioningFailedException)
      assert.equal(translated.message, row.expected)
      assert.notInclude(translated.message, '/srv/raw')
    })

  test('a socket that does not exist is unavailable', async ({ assert }) => {
    const client = new Docker({ socketPath: '/nonexistent/portal/docker.sock', timeout: 1000 })
    const error = await client.ping().catch((caught: unknown) => caught)
    assert.instanceOf(docker.translate(error, CALL), ProvisioningUnavailableException)
  })
})

test.group('Driver errors | Kubernetes', () => {
  test('a refused identity (401) is unavailable and says to check the credentials', async ({
    assert,
    cleanup,
  }) => {
    const url = await answering(cleanup, 401, statusBody(401, 'Unauthorized', 'Unauthorized'))
    const translated = kubernetes.translate(await kubernetesError(url), CALL) as Error
    assert.instanceOf(translated, ProvisioningUnavailableException)
    assert.include(translated.message, '401')
    assert.include(translated.message, 'token or service account')
  })

  test('a missing permission (403) is unavailable and names it, the namespace and the RBAC', async ({
    assert,
    cleanup,
  }) => {
    const url = await answering(cleanup, 403, statusBody(403, 'Forbidden', 'pods is forbidden'))
    const translated = kubernetes.translate(await kubernetesError(url), CALL) as Error
    assert.instanceOf(translated, ProvisioningUnavailableException)
    assert.equal(
      translated.message,
      'The portal may not get pods in the Kubernetes namespace "portal-workloads" (403): apply the RBAC of deploy/kubernetes/workloads-rbac.yaml'
    )
  })

  test('an overloaded or failing API server ({code}) is unavailable, not a failed environment')
    .with([{ code: 429 }, { code: 500 }, { code: 503 }])
    .run(async ({ assert, cleanup }, row) => {
      const url = await answering(
        cleanup,
        row.code,
        statusBody(row.code, 'TooManyRequests', 'later')
      )
      const translated = kubernetes.translate(await kubernetesError(url), CALL)
      assert.instanceOf(translated, ProvisioningUnavailableException)
    })

  test('a refusal without a Status body fails with what was refused', async ({
    assert,
    cleanup,
  }) => {
    const url = await answering(cleanup, 422, {})
    const translated = kubernetes.translate(await kubernetesError(url), CALL) as Error
    assert.instanceOf(translated, ProvisioningFailedException)
    assert.equal(translated.message, 'The engine refused the environment')
  })
})
