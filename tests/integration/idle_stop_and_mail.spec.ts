import { rm } from 'node:fs/promises'
import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import env from '#start/env'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import { DOCKER_LABELS } from '#services/provisioning/docker_driver'
import { PortalProcess, freePort, scratchDir } from '#tests/helpers/portal_process'
import { TEST_IMAGES, testEngine } from '#tests/helpers/docker'
import { BearerClient } from '#tests/helpers/bearer_client'
import { scratchPortalDatabase } from '#tests/helpers/scratch_portal_database'
import { SmtpFixture } from '#tests/helpers/smtp_fixture'
import { parsePrometheusText, sampleValue } from '#tests/helpers/prometheus_text'
import { waitFor } from '#tests/helpers/wait_for'

const INSTANCE = 'portal-idle-mail'
const ADMIN = {
  username: 'idle-admin',
  password: 'a-long-password-for-the-idle-test',
  email: 'idle-admin@facility.test',
}
const METRICS_TOKEN = 'idle-and-mail-metrics-token-0123456789'
/** Every DATA answer of the SMTP server takes this long (a slow relay). */
const SMTP_DELAY_MS = 4000

/*
 * One real portal process (the leader, jobs every second) on a database of
 * its own, the real Docker engine and a real, slow SMTP server process: an
 * environment left idle is warned about and stopped on time, and both
 * e-mails arrive, while the slow server holds nothing up; the metrics and
 * the admin usage report count it as an idle stop, not a stop by hand or
 * an expiry (issue 19, "done when").
 */
test.group('Idle environments and e-mail, end to end', () => {
  test('an idle environment is warned about and stopped on time while a slow SMTP server delivers the mails', async ({
    assert,
    cleanup,
  }) => {
    const database = await scratchPortalDatabase('idle_mail')
    cleanup(() => database.drop())
    const smtp = new SmtpFixture(await freePort())
    await smtp.start({ delayMs: SMTP_DELAY_MS })
    cleanup(() => smtp.stop())
    const engine = await testEngine()
    cleanup(async () => {
      const containers = await engine.listContainers({
        all: true,
        filters: { label: [`${DOCKER_LABELS.instance}=${INSTANCE}`] },
      })
      for (const container of containers) {
        await engine.getContainer(container.Id).remove({ force: true })
      }
    })
    const dataDir = await scratchDir('idle-mail')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const port = await freePort()
    const appUrl = `http://127.0.0.1:${port}`
    const portal = await PortalProcess.start(
      {
        ...database.portalEnv,
        APP_KEY: 'an-app-key-for-the-idle-and-mail-test-0123',
        APP_URL: appUrl,
        DATA_DIR: dataDir,
        PORTAL_ADMIN_USERNAME: ADMIN.username,
        PORTAL_ADMIN_PASSWORD: ADMIN.password,
        PORTAL_ADMIN_EMAIL: ADMIN.email,
        PORTAL_INSTANCE_ID: INSTANCE,
        DOCKER_SOCKET: env.get('DOCKER_SOCKET', '/var/run/docker.sock'),
        DOCKER_NETWORK: 'host',
        ENVIRONMENT_READY_TIMEOUT: '10',
        ACCESS_BROKER: 'none',
        JOBS_INTERVAL_SECONDS: '1',
        MAIL_ENABLED: 'true',
        MAIL_FROM: 'portal@facility.test',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_TIMEOUT: '20',
        METRICS_TOKEN,
      },
      { port }
    )
    cleanup(() => portal.stop())
    const [admin] = await BearerClient.issue(portal.baseUrl, ADMIN.username, ADMIN.password)
    const image = await admin.request('POST', '/api/v1/admin/images', {
      name: 'idle httpd',
      reference: TEST_IMAGES.httpd,
      driver: 'docker',
      protocol: 'http',
      port: 8080,
      cpu: '0.25',
      memory: '64Mi',
      requiresExperiment: false,
      idleLimitMinutes: 5,
    })
    assert.equal(image.status, 201, JSON.stringify(image.body))
    const launched = await admin.request('POST', '/api/v1/environments', {
      imageId: image.body.data.id,
      name: 'left alone',
    })
    assert.equal(launched.status, 202, JSON.stringify(launched.body))
    const id = launched.body.data.id as number
    const stateOf = async () =>
      (await admin.request('GET', `/api/v1/environments/${id}`)).body.data?.state as string
    await waitFor('the environment to run', async () => (await stateOf()) === 'running', 20_000)

    const rows = () => database.connection().from('environments').where('id', id)
    const idleSince = (minutes: number) =>
      rows().update({
        last_activity_at: toSqlTimestamp(DateTime.utc().minus({ minutes })),
      })
    // 4 of 5 minutes idle: a limit shorter than every lead is warned a quarter (75 s) before.
    await idleSince(4)
    await waitFor(
      'the idle warning',
      () =>
        database
          .connection()
          .from('notifications')
          .where('environment_id', id)
          .where('kind', 'idle_warning')
          .first(),
      5000
    )

    // Past the limit: stopped within about a job interval, not after the slow mail.
    await idleSince(6)
    const started = Date.now()
    await waitFor(
      'the idle stop',
      async () => ['stopping', 'stopped'].includes(await stateOf()),
      SMTP_DELAY_MS
    )
    assert.isBelow(Date.now() - started, SMTP_DELAY_MS)
    await waitFor('the engine to stop it', async () => (await stateOf()) === 'stopped', 15_000)
    const engineId = (await rows().first()).engine_id as string
    const container = await engine.getContainer(engineId).inspect()
    assert.isFalse(container.State.Running, 'stopped, not removed')
    const audit = await database
      .connection()
      .from('audit_events')
      .where('action', 'environment.idle_stop')
      .where('object_id', String(id))
    assert.lengthOf(audit, 1)

    const mails = await smtp.waitForMessages(2, 30_000)
    assert.lengthOf(mails, 2)
    for (const mail of mails) {
      assert.deepEqual(mail.to, [ADMIN.email])
      assert.notInclude(mail.raw, ADMIN.password)
    }
    assert.equal(
      mails[0].subject,
      'Your environment "left alone" will be stopped in 1 minute unless it is used'
    )
    assert.include(mails[0].text, `${appUrl}/environments?extend=${id}`)
    assert.equal(
      mails[1].subject,
      'Your environment "left alone" was stopped after 5 minutes without use'
    )
    assert.include(mails[1].text, 'not removed')
    // The SMTP server holds a mail a moment before the portal hears its answer and marks the row.
    await waitFor(
      'the outbox to mark both mails sent',
      async () =>
        (await database.connection().from('mail_outbox').whereNull('sent_at')).length === 0,
      5_000
    )
    assert.lengthOf(smtp.received, 2, 'each sent once')

    // Counted as an idle stop, apart from stops by hand and expiries.
    const scraped = await fetch(`${portal.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    })
    assert.equal(scraped.status, 200)
    const samples = parsePrometheusText(await scraped.text())
    const endings = (cause: string) =>
      sampleValue(samples, 'portal_environment_run_endings_total', { cause })
    assert.deepEqual(
      { idle: endings('idle'), manual: endings('manual'), expiry: endings('expiry') },
      { idle: 1, manual: 0, expiry: 0 }
    )
    assert.equal(sampleValue(samples, 'portal_environments_idle_stopped_total'), 1)
    const window = `from=${encodeURIComponent(DateTime.utc().minus({ hours: 1 }).toISO())}&groupBy=user`
    const usage = await admin.request('GET', `/api/v1/admin/usage?${window}`)
    assert.equal(usage.status, 200, JSON.stringify(usage.body))
    const row = usage.body.data.find((entry: any) => entry.key.label === ADMIN.username)
    assert.include(row, { manualStops: 0, idleStops: 1, expiries: 0 })
    assert.isAbove(row.cpuCoreHours, 0)
    const csv = await admin.request('GET', `/api/v1/admin/usage.csv?${window}`)
    const line = (csv.body as string).split('\r\n').find((entry) => entry.includes(ADMIN.username))
    assert.match(line!, /,0,1,0$/)
  }).timeout(120_000)
})
