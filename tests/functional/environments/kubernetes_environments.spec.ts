import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import Environment from '#models/environment'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import EnvironmentReconciler from '#services/environments/environment_reconciler'
import ProvisioningDrivers from '#services/provisioning/provisioning_drivers'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, waitForState } from '#tests/helpers/environments'
import { testKubernetes } from '#tests/helpers/test_kubernetes'
import { clearGuacamoleRecords, guacamoleRowsOf } from '#tests/helpers/fake_guacamole'

const NAMESPACE = 'portal-workloads'

async function signedIn(client: ApiClient) {
  const user = await createUser()
  const browser = new ApiSession(client)
  await browser.login(user.username, FACTORY_PASSWORD)
  return { user, browser }
}

function kubernetesImage(overrides: Parameters<typeof createHttpImage>[0] = {}) {
  return createHttpImage({
    driver: 'kubernetes',
    reference: 'registry.test/jupyter:1',
    command: null,
    port: 8888,
    ...overrides,
  })
}

function objectsOf(environmentId: number) {
  const name = `portal-test-env-${environmentId}`
  return {
    pod: testKubernetes.object('pods', NAMESPACE, name),
    service: testKubernetes.object('services', NAMESPACE, name),
    secret: testKubernetes.object('secrets', NAMESPACE, name),
  }
}

test.group('Environments: lifecycle on Kubernetes (fake API server)', (group) => {
  isolateEachTest(group)
  group.each.setup(() => testKubernetes.reset())
  // Background engine work must finish before the test's transaction is rolled back.
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test('requisition → running → stop → start → remove, with quota held and released', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await kubernetesImage()

    const created = await browser.post('/api/v1/environments', { imageId: image.id })
    created.assertStatus(202)
    const id = created.body().data.id

    const running = await waitForState(browser, id, ['running', 'failed'])
    assert.equal(running.state, 'running', running.failureReason)
    const stored = await Environment.findOrFail(id)
    assert.equal(stored.driver, 'kubernetes')
    assert.equal(stored.endpointHost, `portal-test-env-${id}.${NAMESPACE}.svc`)
    assert.equal(stored.endpointPort, 8888)
    const { pod, service, secret } = objectsOf(id)
    assert.equal(pod?.status.phase, 'Running')
    assert.equal(stored.engineId, pod?.metadata.uid)
    assert.equal(service?.spec.type, 'ClusterIP')
    assert.exists(secret)

    const quota = (await browser.get('/api/v1/quota')).body().data
    assert.include(quota.usage, { environments: 1, cpuMillicores: 250 })

    ;(await browser.post(`/api/v1/environments/${id}/stop`)).assertStatus(202)
    assert.equal((await waitForState(browser, id, ['stopped', 'failed'])).state, 'stopped')
    assert.notExists(objectsOf(id).pod, 'stop deletes the pod')
    assert.exists(objectsOf(id).service, 'and keeps the service')
    const stoppedQuota = (await browser.get('/api/v1/quota')).body().data
    assert.include(stoppedQuota.usage, { environments: 1, cpuMillicores: 0 })

    // The reconciler leaves a stopped environment (service, no pod) alone.
    await (await app.container.make(EnvironmentReconciler)).run()
    assert.equal((await Environment.findOrFail(id)).state, 'stopped')

    ;(await browser.post(`/api/v1/environments/${id}/start`)).assertStatus(202)
    assert.equal((await waitForState(browser, id, ['running', 'failed'])).state, 'running')
    assert.exists(objectsOf(id).pod)

    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    assert.equal((await waitForState(browser, id, ['removed'])).state, 'removed')
    assert.deepEqual(objectsOf(id), { pod: undefined, service: undefined, secret: undefined })
    assert.include((await browser.get('/api/v1/quota')).body().data.usage, { environments: 0 })
    assert.deepEqual(testKubernetes.invalid, [])
  })

  test('an image that cannot be pulled ends failed with the Kubernetes reason and releases the quota', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await kubernetesImage({ reference: 'registry.test/fail-pull:1' })
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id

    const failed = await waitForState(browser, id, ['failed', 'running'])
    assert.equal(failed.state, 'failed')
    assert.include(failed.failureReason, 'ErrImagePull')
    assert.include((await browser.get('/api/v1/quota')).body().data.usage, { environments: 0 })
    assert.deepEqual(objectsOf(id), { pod: undefined, service: undefined, secret: undefined })
  })

  test('the reconciler removes orphans and fails environments whose pod vanished', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await kubernetesImage()
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id
    await waitForState(browser, id, ['running'])
    await EnvironmentProvisioner.settle()

    const drivers = await app.container.make(ProvisioningDrivers)
    const kubernetes = drivers.for('kubernetes')
    assert.include(
      drivers.all().map((driver) => driver.name),
      'kubernetes'
    )
    // A pod of an environment the database does not know, and the pod of ours deleted by hand.
    testKubernetes.seed('pods', NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'portal-test-env-987654',
        labels: {
          'facility-portal.instance': 'portal-test',
          'facility-portal.environment': '987654',
        },
      },
      spec: { containers: [{ name: 'environment', image: 'registry.test/jupyter:1' }] },
    })
    const ours = objectsOf(id).pod!
    const engineBefore = (await kubernetes.list()).find((state) => state.environmentId === id)
    assert.equal(engineBefore?.engineId, ours.metadata.uid)
    await kubernetes.stop({ environmentId: id } as any)

    const reports = await (await app.container.make(EnvironmentReconciler)).run()
    const report = reports.find((entry) => entry.driver === 'kubernetes')!
    assert.isAtLeast(report.orphansRemoved, 1)
    assert.isAtLeast(report.markedFailed, 1)
    assert.notExists(testKubernetes.object('pods', NAMESPACE, 'portal-test-env-987654'))
    const failed = await Environment.findOrFail(id)
    assert.equal(failed.state, 'failed')
    assert.deepEqual(objectsOf(id), { pod: undefined, service: undefined, secret: undefined })
  })

  test('a VNC environment on Kubernetes opens through Guacamole at its ClusterIP service', async ({
    client,
    assert,
    cleanup,
  }) => {
    cleanup(() => clearGuacamoleRecords())
    const { browser } = await signedIn(client)
    const image = await kubernetesImage({ protocol: 'vnc', port: 5901 })
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id
    const running = await waitForState(browser, id, ['running', 'failed'])
    assert.equal(running.state, 'running', running.failureReason)

    const opened = await browser.post(`/api/v1/environments/${id}/access`)
    opened.assertStatus(200)
    assert.equal(opened.body().data.kind, 'guacamole')
    assert.match(opened.body().data.url, /\/#\/client\/[\w-]+\?token=/)
    const rows = await guacamoleRowsOf(id)
    const hostname = rows.parameters.find(
      (row) => row.parameter_name === 'hostname'
    )?.parameter_value
    assert.equal(hostname, `portal-test-env-${id}.${NAMESPACE}.svc`)

    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
    assert.lengthOf((await guacamoleRowsOf(id)).entities, 0)
  })
})
