import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import env from '#start/env'
import type Docker from 'dockerode'
import AuditEvent from '#models/audit_event'
import EnvironmentEvent from '#models/environment_event'
import DockerDriver from '#services/provisioning/docker_driver'
import DockerEngines from '#services/provisioning/docker_client'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import ImagePullFailedException from '#exceptions/image_pull_failed_exception'
import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'
import type { ImagePullSettings } from '#services/provisioning/image_puller'
import { engineObjectName } from '#domain/compute'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, waitForState } from '#tests/helpers/environments'
import { TEST_IMAGES, testEngine } from '#tests/helpers/docker'
import { followEngineStream, TestRegistry, type RegistryLogin } from '#tests/helpers/test_registry'

const LOGIN: RegistryLogin = { username: 'portal-puller', password: 'pull-Secret-8c1f0e' }

/** A tag no earlier run pushed: every test pulls for real. */
function freshTag() {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
}

let lastEnvironmentId = 3_000_000 + Math.floor(Math.random() * 6_000_000)

function spec(reference: string, pullPolicy: 'if-not-present' | 'always'): EnvironmentSpec {
  const environmentId = ++lastEnvironmentId
  return {
    environmentId,
    name: engineObjectName('portal-test', environmentId),
    owner: { id: 77, username: 'alice' },
    resources: { cpuMillicores: 250, memoryBytes: 64 * 1024 ** 2, storageBytes: 0, gpus: 0 },
    runAs: null,
    mounts: [],
    secret: 'not-a-secret',
    image: {
      reference,
      protocol: 'http',
      port: 8080,
      command: ['/bin/sh', '-c', 'exec sleep 3600'],
      environment: {},
      pullPolicy,
    },
  }
}

/** The Docker driver as configured, with another registry login and pull timeout. */
async function useDriver(images: Partial<ImagePullSettings>) {
  const driver = new DockerDriver(
    { images: { registry: null, pullTimeoutMs: 120_000, ...images } },
    await app.container.make(DockerEngines)
  )
  app.container.swap(DockerDriver, () => driver)
  return driver
}

async function signedIn(client: ApiClient) {
  const user = await createUser()
  const browser = new ApiSession(client)
  await browser.login(user.username, FACTORY_PASSWORD)
  return { user, browser }
}

async function hasImage(engine: Docker, reference: string) {
  return engine
    .getImage(reference)
    .inspect()
    .then(() => true)
    .catch(() => false)
}

/** Removes an image from the engine; one already gone is fine. */
async function removeImage(engine: Docker, reference: string) {
  await engine
    .getImage(reference)
    .remove({ force: true })
    .catch(() => {})
}

async function containersOf(engine: Docker, environmentId: number) {
  return engine.listContainers({
    all: true,
    filters: { label: [`facility-portal.environment=${environmentId}`] },
  })
}

/**
 * An image of several big, incompressible layers (random bytes), built
 * on the engine from the local busybox: large enough that a pull is
 * still transferring when the registry is killed.
 */
async function buildBigImage(engine: Docker, tag: string) {
  const context = await mkdtemp(join(tmpdir(), 'portal-big-image-'))
  try {
    const layers = Array.from(
      { length: 5 },
      (_, index) => `RUN head -c 25000000 /dev/urandom > /layer-${index}`
    )
    await writeFile(
      join(context, 'Dockerfile'),
      [`FROM ${TEST_IMAGES.busybox}`, ...layers, ''].join('\n')
    )
    const stream = await engine.buildImage(
      { context, src: ['Dockerfile'] },
      // No cache: an earlier run's layers would make the same image, already here.
      { t: tag, networkmode: 'none', rm: true, forcerm: true, nocache: true }
    )
    await followEngineStream(engine, stream)
  } finally {
    await rm(context, { recursive: true, force: true })
  }
}

test.group('Images from a registry | Debian docker-registry on loopback', (group) => {
  isolateEachTest(group)
  const registry = new TestRegistry()
  let engine: Docker
  group.setup(async () => {
    engine = await testEngine()
    await registry.wipe()
  })
  group.each.teardown(async () => {
    await EnvironmentProvisioner.settle()
    app.container.restore(DockerDriver)
    await registry.stop()
  })
  group.teardown(() => registry.wipe())

  test('a catalogue image the engine lacks is pulled, its progress in the events, and runs', async ({
    client,
    assert,
    cleanup,
  }) => {
    await registry.start()
    const reference = await registry.push(engine, TEST_IMAGES.httpd, `open/httpd:${freshTag()}`)
    cleanup(() => removeImage(engine, reference))
    assert.isFalse(await hasImage(engine, reference))
    await useDriver({})

    const { browser } = await signedIn(client)
    const image = await createHttpImage({ reference })
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id
    const running = await waitForState(browser, id, ['running', 'failed'], 60_000)
    assert.equal(running.state, 'running', running.failureReason)
    assert.isTrue(await hasImage(engine, reference))

    // The pull is audited like a failed one: no actor, the image, its environment and reference.
    const pulls = await AuditEvent.query()
      .where('action', 'image.pull')
      .where('object_id', String(image.id))
    assert.lengthOf(pulls, 1)
    assert.equal(pulls[0].outcome, 'success')
    assert.isNull(pulls[0].actorId)
    assert.deepInclude(pulls[0].details, { environmentId: id, reference })
    assert.isAtLeast(pulls[0].details!.seconds as number, 0)

    const events = await browser.request('GET', `/api/v1/environments/${id}/events`)
    const text = events.text()
    assert.include(text, `"step":"pull","message":"Pulling image ${reference}"`)
    assert.include(text, `"message":"Image ${reference} pulled"`)
    assert.match(text, /event: ready\n/)
    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
  }).timeout(90_000)

  test('a registry that wants a login: anonymous pulls are refused and audited, REGISTRY_* credentials pull', async ({
    client,
    assert,
    cleanup,
  }) => {
    await registry.start(LOGIN)
    const reference = await registry.push(
      engine,
      TEST_IMAGES.httpd,
      `private/httpd:${freshTag()}`,
      LOGIN
    )
    cleanup(() => removeImage(engine, reference))
    const { browser } = await signedIn(client)
    const image = await createHttpImage({ reference })

    // Without credentials: a clean failure, quota released, audited, nothing left.
    await useDriver({})
    const refusedId = (await browser.post('/api/v1/environments', { imageId: image.id })).body()
      .data.id
    const refused = await waitForState(browser, refusedId, ['failed', 'running'], 60_000)
    assert.equal(refused.state, 'failed')
    assert.equal(refused.failureReason, `The registry refused access to image "${reference}"`)
    assert.include((await browser.get('/api/v1/quota')).body().data.usage, {
      environments: 0,
      memoryBytes: 0,
    })
    assert.lengthOf(await containersOf(engine, refusedId), 0)
    const audit = await AuditEvent.query()
      .where('action', 'image.pull')
      .where('object_id', String(image.id))
      .firstOrFail()
    assert.equal(audit.outcome, 'failure')
    assert.deepInclude(audit.details, { environmentId: refusedId, reference })

    // With the registry's login (REGISTRY_SERVER/USERNAME/PASSWORD): it pulls and runs.
    await useDriver({ registry: { server: registry.host, ...LOGIN } })
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id
    const running = await waitForState(browser, id, ['running', 'failed'], 60_000)
    assert.equal(running.state, 'running', running.failureReason)
    const pulls = await AuditEvent.query()
      .where('action', 'image.pull')
      .where('object_id', String(image.id))
      .orderBy('id')
    assert.deepEqual(
      pulls.map((pull) => [pull.outcome, pull.details!.environmentId]),
      [
        ['failure', refusedId],
        ['success', id],
      ]
    )

    // The password is in no log line, event or answer.
    const events = await EnvironmentEvent.query().whereIn('environment_id', [id, refusedId])
    assert.isAbove(events.length, 0)
    assert.notInclude(JSON.stringify(events.map((event) => event.message)), LOGIN.password)
    assert.notInclude(JSON.stringify(running), LOGIN.password)
    assert.notInclude(await readFile(env.get('LOG_FILE')!, 'utf8'), LOGIN.password)
    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
  }).timeout(120_000)

  test('credentials go to their own registry only', async ({ assert, cleanup }) => {
    // A login for another registry is not sent: this one sees an anonymous pull.
    await registry.start(LOGIN)
    const reference = await registry.push(
      engine,
      TEST_IMAGES.busybox,
      `private/busybox:${freshTag()}`,
      LOGIN
    )
    const driver = await useDriver({ registry: { server: 'registry.example.org', ...LOGIN } })
    const environment = spec(reference, 'if-not-present')
    cleanup(() => driver.remove(environment.environmentId))
    const error = await driver.create(environment, () => {}).catch((caught) => caught)
    assert.instanceOf(error, ImagePullFailedException)
    assert.equal(error.message, `The registry refused access to image "${reference}"`)
  })

  test('a missing tag fails cleanly (502, E_IMAGE_PULL_FAILED) and leaves nothing behind', async ({
    client,
    assert,
    cleanup,
  }) => {
    await registry.start()
    await registry.push(engine, TEST_IMAGES.busybox, `open/busybox:${freshTag()}`)
    const reference = `${registry.host}/open/busybox:no-such-tag`
    const driver = await useDriver({})

    // The driver's refusal, as the API's error handler would render it.
    const environment = spec(reference, 'if-not-present')
    cleanup(() => driver.remove(environment.environmentId))
    const steps: string[] = []
    const error = await driver.create(environment, (step) => steps.push(step)).catch((e) => e)
    assert.instanceOf(error, ImagePullFailedException)
    assert.equal(error.status, 502)
    assert.equal(error.code, 'E_IMAGE_PULL_FAILED')
    assert.equal(
      error.message,
      `Image "${reference}" does not exist in its registry (no such name or tag)`
    )
    assert.deepEqual(steps, ['pull'])
    assert.lengthOf(await containersOf(engine, environment.environmentId), 0)
    assert.isFalse(await hasImage(engine, reference))

    // Through the API: the environment fails with the reason, the stream ends "failed".
    const { browser } = await signedIn(client)
    const image = await createHttpImage({ reference })
    const created = await browser.post('/api/v1/environments', { imageId: image.id })
    created.assertStatus(202)
    const id = created.body().data.id
    const failed = await waitForState(browser, id, ['failed', 'running'], 60_000)
    assert.equal(failed.state, 'failed')
    assert.include(failed.failureReason, 'no such name or tag')
    const stream = (await browser.request('GET', `/api/v1/environments/${id}/events`)).text()
    assert.match(stream, /event: failed\n/)
    assert.include((await browser.get('/api/v1/quota')).body().data.usage, { environments: 0 })
    assert.lengthOf(await containersOf(engine, id), 0)
  }).timeout(90_000)

  test('the pull policy: "if-not-present" uses the engine\'s copy, "always" asks the registry', async ({
    assert,
    cleanup,
  }) => {
    await registry.start()
    const reference = await registry.push(engine, TEST_IMAGES.busybox, `open/busybox:${freshTag()}`)
    cleanup(() => removeImage(engine, reference))
    const driver = await useDriver({})
    const first = spec(reference, 'if-not-present')
    cleanup(() => driver.remove(first.environmentId))
    const firstSteps: string[] = []
    const pulled: unknown[] = []
    await driver.create(first, (step, _message, facts) => {
      firstSteps.push(step)
      pulled.push(...(facts?.pulledImage ? [facts.pulledImage] : []))
    })
    assert.include(firstSteps, 'pull')
    // The finished pull is reported with its facts, for the provisioner's audit.
    assert.lengthOf(pulled, 1)
    assert.containsSubset(pulled[0], { reference })

    // The registry goes away: the engine's copy still serves "if-not-present"…
    await registry.stop()
    const second = spec(reference, 'if-not-present')
    cleanup(() => driver.remove(second.environmentId))
    const secondSteps: string[] = []
    await driver.create(second, (step, _message, facts) => {
      secondSteps.push(step)
      pulled.push(...(facts?.pulledImage ? [facts.pulledImage] : []))
    })
    assert.notInclude(secondSteps, 'pull')
    assert.lengthOf(pulled, 1)

    // …while "always" must reach the registry, and fails without it.
    const third = spec(reference, 'always')
    cleanup(() => driver.remove(third.environmentId))
    const error = await driver.create(third, () => {}).catch((caught) => caught)
    assert.instanceOf(error, ImagePullFailedException)
    assert.include(error.message, 'could not be reached')
    assert.lengthOf(await containersOf(engine, third.environmentId), 0)
  }).timeout(90_000)

  test('a registry killed mid-pull: the environment fails with a clear event, quota released, nothing left', async ({
    client,
    assert,
    cleanup,
  }) => {
    await registry.start()
    const local = `portal-test/registry-big:${freshTag()}`
    cleanup(() => removeImage(engine, local))
    await buildBigImage(engine, local)
    const reference = await registry.push(engine, local, `open/big:${freshTag()}`)
    cleanup(() => removeImage(engine, reference))
    await engine.getImage(local).remove()
    assert.isFalse(await hasImage(engine, reference))
    // Docker 20.10 retries lost layers for about 150 s (5, 10, 15, 20, 25 s apart)
    // before giving up with the same "could not be reached"; the pull timeout ends it sooner.
    const driver = await useDriver({ pullTimeoutMs: 30_000 })

    const { browser } = await signedIn(client)
    const image = await createHttpImage({ reference })
    const id = (await browser.post('/api/v1/environments', { imageId: image.id })).body().data.id
    cleanup(() => driver.remove(id))
    // As soon as the engine fetched the image's configuration, its layers are on their way.
    await registry.killWhenServed(/GET \/v2\/open\/big\/blobs\//)

    const failed = await waitForState(browser, id, ['failed', 'running'], 90_000)
    assert.equal(failed.state, 'failed')
    assert.equal(
      failed.failureReason,
      `The registry of image "${reference}" could not be reached while pulling it`
    )
    const stream = (await browser.request('GET', `/api/v1/environments/${id}/events`)).text()
    assert.include(stream, `"step":"pull","message":"Pulling image ${reference}"`)
    assert.include(stream, 'the registry does not answer: retrying')
    assert.match(stream, /event: failed\n/)
    assert.include(stream, 'could not be reached while pulling it')
    assert.include((await browser.get('/api/v1/quota')).body().data.usage, {
      environments: 0,
      memoryBytes: 0,
    })
    assert.lengthOf(await containersOf(engine, id), 0)
    assert.isFalse(await hasImage(engine, reference))
    const audit = await AuditEvent.query().where('action', 'image.pull').firstOrFail()
    assert.equal(audit.outcome, 'failure')
  }).timeout(150_000)
})
