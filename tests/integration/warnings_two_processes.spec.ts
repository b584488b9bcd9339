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
import { waitFor } from '#tests/helpers/wait_for'

const INSTANCE = 'portal-warn-replicas'
const ADMIN = {
  username: 'warn-admin',
  password: 'a-long-password-for-the-warning-test',
  email: 'warn-admin@facility.test',
}

/*
 * Warnings are made by whichever process leads the background jobs, and
 * remembered in the shared database: two real portal processes (jobs
 * every second, a 3 s lease), the leader SIGKILLed right after it warned,
 * a third process started later. Each warning is made and mailed exactly
 * once, and the one due after the kill is made by the survivor.
 */
test.group('Expiry warnings across portal processes', () => {
  test('no warning twice and none missed when the leader dies and another process starts', async ({
    assert,
    cleanup,
  }) => {
    const database = await scratchPortalDatabase('warn_replicas')
    cleanup(() => database.drop())
    const smtp = new SmtpFixture(await freePort())
    await smtp.start()
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
    const dataDir = await scratchDir('warn-replicas')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const settings = {
      ...database.portalEnv,
      APP_KEY: 'an-app-key-for-the-warning-replicas-0123',
      APP_URL: 'http://127.0.0.1:1',
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
      ENVIRONMENT_WARNING_LEADS: '24h,1h',
      MAIL_ENABLED: 'true',
      MAIL_FROM: 'portal@facility.test',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_TIMEOUT: '5',
    }
    // One after the other: the first creates the admin account.
    const first = await PortalProcess.start(settings)
    cleanup(() => first.stop())
    const second = await PortalProcess.start(settings)
    cleanup(() => second.stop())

    const [admin] = await BearerClient.issue(first.baseUrl, ADMIN.username, ADMIN.password)
    const image = await admin.request('POST', '/api/v1/admin/images', {
      name: 'warned httpd',
      reference: TEST_IMAGES.httpd,
      driver: 'docker',
      protocol: 'http',
      port: 8080,
      cpu: '0.25',
      memory: '64Mi',
      requiresExperiment: false,
    })
    assert.equal(image.status, 201, JSON.stringify(image.body))
    const launched = await admin.request('POST', '/api/v1/environments', {
      imageId: image.body.data.id,
      name: 'night run',
    })
    assert.equal(launched.status, 202, JSON.stringify(launched.body))
    const id = launched.body.data.id as number
    await waitFor(
      'the environment to run',
      async () =>
        (await admin.request('GET', `/api/v1/environments/${id}`)).body.data?.state === 'running',
      20_000
    )

    const db = database.connection()
    const expiresIn = (minutes: number) =>
      db
        .from('environments')
        .where('id', id)
        .update({ expires_at: toSqlTimestamp(DateTime.utc().plus({ minutes })) })
    const warnings = () =>
      db.from('notifications').where('environment_id', id).where('kind', 'expiry_warning')
    const leaderPid = async () =>
      Number(
        (await db.from('job_leases').where('name', 'background-jobs').first())?.holder.split(':')[1]
      )

    // Within the hour: the 1 h warning, from whichever process leads.
    await expiresIn(50)
    await waitFor('the 1 h warning', async () => (await warnings()).length > 0, 10_000)
    // Mailed, and recorded as sent (a kill between the two could only send it again).
    await waitFor(
      'its e-mail to be recorded as sent',
      async () => (await db.from('mail_outbox').whereNotNull('sent_at')).length > 0,
      10_000
    )
    const pid = await leaderPid()
    const leader = [first, second].find((portal) => portal.pid === pid)!
    const survivor = [first, second].find((portal) => portal !== leader)!
    assert.exists(leader, `the lease names pid ${pid}`)

    // The leader dies at once; the environment is extended to a new deadline 20 h away.
    await leader.kill('SIGKILL')
    await expiresIn(20 * 60)
    await waitFor(
      'the warning of the new deadline',
      async () => (await warnings()).length > 1,
      15_000
    )
    assert.equal(await leaderPid(), survivor.pid, 'the survivor took over')

    // A process started now, and a few more job intervals: nothing is warned again.
    const third = await PortalProcess.start(settings)
    cleanup(() => third.stop())
    await new Promise((resolve) => setTimeout(resolve, 4000))
    const made = await warnings()
    assert.lengthOf(made, 2)
    assert.lengthOf(new Set(made.map((row) => row.dedupe_key)), 2)

    await smtp.waitForMessages(2, 15_000)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const mails = smtp.received
    assert.lengthOf(mails, 2, 'each mailed once')
    assert.match(
      mails[0].subject,
      /^Your environment "night run" will be removed in (49|50) minutes$/
    )
    assert.match(
      mails[1].subject,
      /^Your environment "night run" will be removed in (20 hours|1199 minutes)$/
    )
    for (const mail of mails) {
      assert.deepEqual(mail.to, [ADMIN.email])
    }
  }).timeout(180_000)
})
