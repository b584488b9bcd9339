import { readFile } from 'node:fs/promises'
import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import env from '#start/env'
import EnvironmentExpiry from '#services/environments/environment_expiry'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import EnvironmentReconciler from '#services/environments/environment_reconciler'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import {
  createHttpImage,
  recordEnvironment,
  setUserQuota,
  waitForState,
} from '#tests/helpers/environments'
import { parsePrometheusText, sampleValue, type Sample } from '#tests/helpers/prometheus_text'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { UNREACHABLE_IMAGE } from '#tests/helpers/test_registry'

/* .env.test sets METRICS_TOKEN and no METRICS_PORT: /metrics answers on the API port. */
const METRICS_TOKEN = env.get('METRICS_TOKEN')!.release()

/** Scrapes /metrics as Prometheus does, through the contract-checking session. */
async function scrape(client: ApiClient): Promise<Sample[]> {
  const response = await ApiSession.withToken(client, METRICS_TOKEN).get('/metrics')
  response.assertStatus(200)
  return parsePrometheusText(response.text())
}

/** How much a counter (or a histogram's `_count`) grew between two scrapes. */
function grew(before: Sample[], after: Sample[], name: string, labels: Record<string, string>) {
  return sampleValue(after, name, labels) - sampleValue(before, name, labels)
}

async function signedIn(client: ApiClient) {
  const user = await createUser()
  const browser = new ApiSession(client)
  await browser.login(user.username, FACTORY_PASSWORD)
  return { user, browser }
}

test.group('Metrics: exposure', (group) => {
  isolateEachTest(group)

  test('answers only a scraper holding the metrics token', async ({ client, assert }) => {
    const anonymous = await new ApiSession(client).get('/metrics')
    anonymous.assertStatus(401)
    assert.equal(anonymous.body().errors[0].code, 'E_UNAUTHENTICATED')
    ;(await ApiSession.withToken(client, `${METRICS_TOKEN}x`).get('/metrics')).assertStatus(401)
    ;(await ApiSession.withToken(client, METRICS_TOKEN.slice(0, -1)).get('/metrics')).assertStatus(
      401
    )

    const scraped = await ApiSession.withToken(client, METRICS_TOKEN).get('/metrics')
    scraped.assertStatus(200)
    assert.match(scraped.header('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    assert.notInclude(scraped.text(), METRICS_TOKEN)
  })

  test('a personal API token does not open it', async ({ client }) => {
    const { browser } = await signedIn(client)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'scraper?', expiresInDays: 1 })
    ).body().data
    ;(await ApiSession.withToken(client, token).get('/metrics')).assertStatus(401)
  })

  test('carries process metrics, build info and the leader gauge', async ({ client, assert }) => {
    const samples = await scrape(client)
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.isTrue(
        samples.some((sample) => sample.name === name),
        `${name} missing`
      )
    }
    const build = samples.find((sample) => sample.name === 'portal_build_info')!
    assert.equal(build.value, 1)
    const { version } = JSON.parse(await readFile(app.makePath('package.json'), 'utf8'))
    assert.equal(build.labels.version, version)
    assert.equal(build.labels.node_version, process.version)
    // The test process runs no background jobs, so it never holds the lease.
    assert.equal(sampleValue(samples, 'portal_background_jobs_leader'), 0)
  })
})

test.group('Metrics: what they count', (group) => {
  isolateEachTest(group)
  // Background engine work must finish before the test's transaction is rolled back.
  group.each.teardown(() => EnvironmentProvisioner.settle())

  test('times requests by route pattern and status, never by URL', async ({ client, assert }) => {
    const { browser } = await signedIn(client)
    const before = await scrape(client)
    ;(await browser.get('/api/v1/environments/987654')).assertStatus(404)
    ;(await browser.get('/api/v1/environments/987655')).assertStatus(404)
    // (A GET would be the console's client-side route fallback.)
    ;(await client.post('/no/such/path/42')).assertStatus(404)
    const after = await scrape(client)

    const pattern = {
      method: 'GET',
      route: '/api/v1/environments/:id',
      status: '404',
    }
    assert.equal(grew(before, after, 'portal_http_request_duration_seconds_count', pattern), 2)
    assert.equal(
      grew(before, after, 'portal_http_request_duration_seconds_count', {
        route: 'unmatched',
        status: '404',
      }),
      1
    )
    assert.isAbove(
      sampleValue(after, 'portal_http_request_duration_seconds_bucket', { ...pattern, le: '+Inf' }),
      0
    )
    const routes = after.map((sample) => sample.labels.route ?? '')
    assert.notInclude(routes.join(' '), '987654')
    assert.notInclude(routes.join(' '), '/no/such')
  })

  test('counts sign-ins by provider and outcome', async ({ client, assert }) => {
    const user = await createUser()
    const before = await scrape(client)
    ;(await new ApiSession(client).login(user.username, FACTORY_PASSWORD)).assertStatus(200)
    ;(await new ApiSession(client).login(user.username, 'not-the-password')).assertStatus(401)
    const after = await scrape(client)

    const signIns = 'portal_sign_ins_total'
    assert.equal(grew(before, after, signIns, { provider: 'local', outcome: 'success' }), 1)
    assert.equal(grew(before, after, signIns, { provider: 'password', outcome: 'failure' }), 1)
  })

  test('times User Office calls and counts what their failures do to sign-ins', async ({
    client,
    assert,
  }) => {
    testUserOffice.addAccount({ username: 'metrics-uo', password: 'uo-secret-9' })
    const before = await scrape(client)
    ;(await new ApiSession(client).login('metrics-uo', 'uo-secret-9')).assertStatus(200)
    testUserOffice.setFault({ kind: 'status', status: 500 }, 'login')
    ;(await new ApiSession(client).login('metrics-uo', 'uo-secret-9')).assertStatus(503)
    const after = await scrape(client)

    const login = { system: 'user_office', operation: 'login' }
    assert.equal(grew(before, after, 'portal_outside_call_duration_seconds_count', login), 2)
    assert.equal(
      grew(before, after, 'portal_outside_call_errors_total', { ...login, kind: 'unavailable' }),
      1
    )
    const signIns = 'portal_sign_ins_total'
    assert.equal(grew(before, after, signIns, { provider: 'useroffice', outcome: 'success' }), 1)
    assert.equal(grew(before, after, signIns, { provider: 'password', outcome: 'error' }), 1)
  })

  test('counts a quota refusal by the resource that ran out', async ({ client, assert }) => {
    const { user, browser } = await signedIn(client)
    await setUserQuota(user.id, { cpuMillicores: 100 })
    const image = await createHttpImage()
    const before = await scrape(client)
    ;(await browser.post('/api/v1/environments', { imageId: image.id })).assertStatus(409)
    const after = await scrape(client)

    assert.equal(grew(before, after, 'portal_quota_refusals_total', { resource: 'cpu' }), 1)
    assert.equal(grew(before, after, 'portal_quota_refusals_total', {}), 1)
  })

  test('observes requisitions on Docker by outcome and counts environments by state', async ({
    client,
    assert,
  }) => {
    const { browser } = await signedIn(client)
    const image = await createHttpImage()
    const missing = await createHttpImage({ reference: UNREACHABLE_IMAGE })
    const before = await scrape(client)

    const created = await browser.post('/api/v1/environments', { imageId: image.id })
    created.assertStatus(202)
    const id = created.body().data.id
    assert.equal((await waitForState(browser, id, ['running', 'failed'])).state, 'running')
    const doomed = await browser.post('/api/v1/environments', { imageId: missing.id })
    doomed.assertStatus(202)
    const doomedId = doomed.body().data.id
    assert.equal((await waitForState(browser, doomedId, ['running', 'failed'])).state, 'failed')
    await EnvironmentProvisioner.settle()
    const running = await scrape(client)

    const requisitions = 'portal_environment_requisition_duration_seconds_count'
    assert.equal(grew(before, running, requisitions, { driver: 'docker', outcome: 'running' }), 1)
    assert.equal(grew(before, running, requisitions, { driver: 'docker', outcome: 'failed' }), 1)
    const create = { system: 'docker', operation: 'create' }
    assert.equal(grew(before, running, 'portal_outside_call_duration_seconds_count', create), 2)
    assert.equal(
      grew(before, running, 'portal_outside_call_errors_total', { ...create, kind: 'refused' }),
      1
    )
    const gauge = 'portal_environments'
    assert.equal(sampleValue(running, gauge, { state: 'running', driver: 'docker' }), 1)
    assert.equal(sampleValue(running, gauge, { state: 'failed', driver: 'docker' }), 1)
    assert.equal(sampleValue(running, gauge, { state: 'provisioning', driver: 'docker' }), 0)
    assert.isTrue(
      running.some(
        (sample) =>
          sample.name === gauge &&
          sample.labels.state === 'stopped' &&
          sample.labels.driver === 'docker'
      ),
      'idle states are reported as 0, not left out'
    )

    ;(await browser.delete(`/api/v1/environments/${id}`)).assertStatus(202)
    await waitForState(browser, id, ['removed'])
    const removed = await scrape(client)
    assert.equal(sampleValue(removed, gauge, { state: 'running', driver: 'docker' }), 0)
    assert.notExists(
      removed.find((sample) => sample.name === gauge && sample.labels.state === 'removed')
    )
  })

  test('counts reconciler runs and expiry actions', async ({ client, assert }) => {
    const owner = await createUser()
    const image = await createHttpImage()
    await recordEnvironment({
      userId: owner.id,
      imageId: image.id,
      name: 'expired one',
      expiresAt: DateTime.utc().minus({ minutes: 1 }),
    })
    const before = await scrape(client)
    await (await app.container.make(EnvironmentReconciler)).run()
    assert.equal(await (await app.container.make(EnvironmentExpiry)).run(), 1)
    await EnvironmentProvisioner.settle()
    const after = await scrape(client)

    assert.equal(
      grew(before, after, 'portal_reconciler_runs_total', {
        driver: 'docker',
        outcome: 'completed',
      }),
      1
    )
    assert.equal(grew(before, after, 'portal_environments_expired_total', {}), 1)
    assert.isTrue(
      after.some(
        (sample) =>
          sample.name === 'portal_reconciler_corrections_total' &&
          sample.labels.kind === 'orphan_removed'
      )
    )
    const list = { system: 'docker', operation: 'list' }
    assert.isAtLeast(grew(before, after, 'portal_outside_call_duration_seconds_count', list), 1)
  })
})
