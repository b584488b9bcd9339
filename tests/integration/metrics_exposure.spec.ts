import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import {
  freePort,
  HttpBrowser,
  PortalProcess,
  runNode,
  scratchDir,
} from '#tests/helpers/portal_process'
import { parsePrometheusText, sampleValue, type Sample } from '#tests/helpers/prometheus_text'

const TOKEN = 'integration-metrics-token-42'

async function scrape(url: string, token?: string) {
  return fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(10_000),
  })
}

/** Scrapes until `ready` accepts the samples (background jobs run just after start). */
async function scrapeUntil(url: string, ready: (samples: Sample[]) => boolean) {
  const deadline = Date.now() + 30_000
  let samples: Sample[] = []
  while (Date.now() < deadline) {
    samples = parsePrometheusText(await (await scrape(url, TOKEN)).text())
    if (ready(samples)) {
      return samples
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return samples
}

async function waitForListener(port: number) {
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })
      return
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`nothing listens on 127.0.0.1:${port}: ${(error as Error).message}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

/*
 * Real portal processes (SQLite, as `npm start` runs them), whose Docker
 * socket leads nowhere: what is exposed where, and what a process reports
 * about its own background jobs.
 */
test.group('Metrics exposure of a portal process', () => {
  test('without METRICS_TOKEN or METRICS_PORT, /metrics is a 404 like any unknown path', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('metrics')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const portal = await PortalProcess.start({
      DATA_DIR: dataDir,
      JOBS_ENABLED: 'false',
      DOCKER_SOCKET: join(dataDir, 'no-docker.sock'),
    })
    cleanup(() => portal.stop())

    const browser = new HttpBrowser(portal.baseUrl)
    const metrics = await browser.request('GET', '/metrics')
    const unknown = await browser.request('GET', '/api/v1/no-such-path')
    assert.equal(metrics.status, 404)
    assert.deepEqual(metrics.body, unknown.body)
  }).timeout(90_000)

  test('METRICS_PORT moves them to a loopback listener of its own that asks for the token', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('metrics')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const metricsPort = await freePort()
    const portal = await PortalProcess.start({
      DATA_DIR: dataDir,
      METRICS_PORT: String(metricsPort),
      METRICS_TOKEN: TOKEN,
      DOCKER_SOCKET: join(dataDir, 'no-docker.sock'),
    })
    cleanup(() => portal.stop())
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
    // The listener opens before the API port does; a bounded wait keeps a slow start from flaking.
    await waitForListener(metricsPort)

    const onApiPort = await scrape(`${portal.baseUrl}/metrics`, TOKEN)
    assert.equal(onApiPort.status, 404)
    assert.equal((await scrape(metricsUrl)).status, 401)
    assert.equal((await scrape(metricsUrl, `${TOKEN}-wrong`)).status, 401)
    assert.equal((await scrape(`http://127.0.0.1:${metricsPort}/api/v1/me`, TOKEN)).status, 404)

    const answer = await scrape(metricsUrl, TOKEN)
    assert.equal(answer.status, 200)
    assert.match(answer.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/)

    // The process took the job lease at start, and its reconciler found no engine.
    const samples = await scrapeUntil(
      metricsUrl,
      (current) =>
        sampleValue(current, 'portal_reconciler_runs_total', {
          driver: 'docker',
          outcome: 'skipped',
        }) > 0
    )
    assert.equal(sampleValue(samples, 'portal_background_jobs_leader'), 1)
    assert.isAbove(
      sampleValue(samples, 'portal_reconciler_runs_total', {
        driver: 'docker',
        outcome: 'skipped',
      }),
      0
    )
    assert.isAbove(
      sampleValue(samples, 'portal_outside_call_errors_total', {
        system: 'docker',
        operation: 'list',
        kind: 'unavailable',
      }),
      0
    )
    // PortalProcess.start polled /health/live on the API port until it answered.
    assert.isAbove(
      sampleValue(samples, 'portal_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/health/live',
        status: '200',
      }),
      0
    )
  }).timeout(90_000)

  test('refuses to boot with a short METRICS_TOKEN', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('metrics')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const result = await runNode(['--import=@poppinss/ts-exec', 'bin/server.ts'], {
      DATA_DIR: dataDir,
      METRICS_TOKEN: 'short',
    })
    assert.notEqual(result.code, 0)
    assert.include(result.stdout + result.stderr, '"METRICS_TOKEN"')
  }).timeout(90_000)
})
