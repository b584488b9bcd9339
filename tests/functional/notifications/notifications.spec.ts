import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import encryption from '@adonisjs/core/services/encryption'
import env from '#start/env'
import Notification from '#models/notification'
import MailOutboxMessage from '#models/mail_outbox_message'
import type User from '#models/user'
import NotificationService from '#services/notifications/notification_service'
import MailOutbox from '#services/notifications/mail_outbox'
import EnvironmentWarnings from '#services/environments/environment_warnings'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'
import { SmtpFixture } from '#tests/helpers/smtp_fixture'

const APP_URL = env.get('APP_URL')!

/** A running environment record (no engine object) of `owner` expiring in `minutes`. */
async function expiringIn(owner: User, minutes: number, fields: Record<string, unknown> = {}) {
  const image = await createHttpImage()
  return recordEnvironment({
    userId: owner.id,
    imageId: image.id,
    name: 'night run',
    state: 'running',
    secret: encryption.encrypt('the-environment-secret-value'),
    expiresAt: DateTime.utc().plus({ minutes }),
    lastActivityAt: DateTime.utc(),
    ...fields,
  })
}

function warning(recipient: User, key: string) {
  return app.container.make(NotificationService).then((service) =>
    service.notify(recipient, {
      kind: 'expiry_warning',
      environmentId: null,
      subject: `Warning ${key}`,
      body: 'Your environment expires soon.',
      link: `${APP_URL}/environments`,
      dedupeKey: key,
    })
  )
}

test.group('Notifications: the in-app list', (group) => {
  isolateEachTest(group)

  test("lists only the signed-in user's notifications, newest first, and marks them read", async ({
    client,
    assert,
  }) => {
    const alice = await createUser()
    const bob = await createUser()
    const first = (await warning(alice, `a1-${alice.id}`))!
    const second = (await warning(alice, `a2-${alice.id}`))!
    const bobs = (await warning(bob, `b1-${bob.id}`))!
    const browser = new ApiSession(client)
    await browser.login(alice.username, FACTORY_PASSWORD)

    const listed = await browser.get('/api/v1/notifications')
    listed.assertStatus(200)
    assert.deepEqual(
      listed.body().data.map((item: { id: number }) => item.id),
      [second.id, first.id]
    )
    assert.equal(listed.body().data[0].readAt, null)
    assert.notProperty(listed.body().data[0], 'dedupeKey')

    const read = await browser.post(`/api/v1/notifications/${first.id}/read`)
    read.assertStatus(200)
    assert.isString(read.body().data.readAt)
    const unread = await browser.get('/api/v1/notifications?unread=true')
    assert.deepEqual(
      unread.body().data.map((item: { id: number }) => item.id),
      [second.id]
    )
    assert.equal(unread.body().meta.total, 1)

    // Someone else's notification is exactly a missing one, and stays unread.
    const foreign = await browser.post(`/api/v1/notifications/${bobs.id}/read`)
    foreign.assertStatus(404)
    assert.equal(foreign.body().errors[0].code, 'E_NOT_FOUND')
    await bobs.refresh()
    assert.isNull(bobs.readAt)

    const all = await browser.post('/api/v1/notifications/read-all')
    all.assertStatus(200)
    assert.deepEqual(all.body().data, { updated: 1 })
    await bobs.refresh()
    assert.isNull(bobs.readAt)
  })

  test('refuses a malformed id or filter with 422 and changes nothing', async ({
    client,
    assert,
  }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    await browser.login(user.username, FACTORY_PASSWORD)
    const badId = await browser.post('/api/v1/notifications/not-a-number/read')
    badId.assertStatus(422)
    assert.equal(badId.body().errors[0].field, 'params.id')
    const badFilter = await browser.get('/api/v1/notifications?unread=perhaps')
    badFilter.assertStatus(422)
    assert.equal(badFilter.body().errors[0].field, 'unread')
  })
})

test.group('Notifications: warnings before expiry and idle stops', (group) => {
  isolateEachTest(group)

  test('an environment expiring within the hour is warned about once, however often the job runs', async ({
    assert,
  }) => {
    const owner = await createUser()
    const environment = await expiringIn(owner, 30)
    const warnings = await app.container.make(EnvironmentWarnings)

    assert.equal(await warnings.run(), 1)
    assert.equal(await warnings.run(), 0)
    // A second process (another replica, or this one after a restart) makes none either.
    const other = await app.container.make(EnvironmentWarnings)
    assert.equal(await other.run(), 0)

    const made = await Notification.query().where('environment_id', environment.id)
    // Only the shortest lead reached: no stale 24-hour warning after the 1-hour one.
    assert.lengthOf(made, 1)
    assert.equal(made[0].kind, 'expiry_warning')
    assert.equal(made[0].userId, owner.id)
    assert.include(made[0].subject, '"night run"')
    assert.equal(made[0].link, `${APP_URL}/environments?extend=${environment.id}`)
    assert.notInclude(made[0].body, 'the-environment-secret-value')
  })

  test('each lead is warned at its time, and an extension brings warnings of its own', async ({
    assert,
  }) => {
    const owner = await createUser()
    const environment = await expiringIn(owner, 20 * 60)
    const warnings = await app.container.make(EnvironmentWarnings)
    assert.equal(await warnings.run(), 1, 'the 24-hour warning')
    assert.equal(await warnings.run(DateTime.utc().plus({ hours: 19, minutes: 30 })), 1, '1 hour')
    assert.equal(await warnings.run(DateTime.utc().plus({ hours: 19, minutes: 40 })), 0)

    environment.expiresAt = DateTime.utc().plus({ minutes: 45 })
    await environment.save()
    assert.equal(await warnings.run(), 1, 'the new expiry is warned about too')
    assert.lengthOf(await Notification.query().where('environment_id', environment.id), 3)
  })

  test('an image with an idle limit warns before the idle stop, never earlier than the limit', async ({
    assert,
  }) => {
    const owner = await createUser()
    const image = await createHttpImage({ idleLimitMinutes: 120 })
    const environment = await recordEnvironment({
      userId: owner.id,
      imageId: image.id,
      state: 'running',
      expiresAt: DateTime.utc().plus({ days: 5 }),
      lastActivityAt: DateTime.utc().minus({ minutes: 90 }),
    })
    const warnings = await app.container.make(EnvironmentWarnings)
    assert.equal(await warnings.run(), 1)
    const [made] = await Notification.query().where('environment_id', environment.id)
    assert.equal(made.kind, 'idle_warning')
    assert.include(made.subject, 'will be stopped in 30 minutes unless it is used')
    assert.include(made.body, 'not removed')

    // Used again: the idle deadline moves on and nothing is due.
    await db
      .from('environments')
      .where('id', environment.id)
      .update({ last_activity_at: DateTime.utc().toSQL({ includeOffset: false }) })
    assert.equal(await warnings.run(), 0)
  })
})

test.group('Notifications: e-mail through a real SMTP server', (group) => {
  isolateEachTest(group)
  const smtp = new SmtpFixture()
  group.each.teardown(() => smtp.stop())

  test('a warning arrives by e-mail: recipient, subject, the extend link, no secret', async ({
    assert,
  }) => {
    await smtp.start()
    const owner = await createUser()
    const environment = await expiringIn(owner, 30)
    await (await app.container.make(EnvironmentWarnings)).run()
    const outbox = await app.container.make(MailOutbox)
    assert.deepEqual(await outbox.deliver(), { sent: 1, failed: 0 })
    assert.deepEqual(await outbox.deliver(), { sent: 0, failed: 0 }, 'never sent twice')

    assert.lengthOf(await smtp.waitForMessages(2, 1000), 1, 'one message, once')
    const [mail] = smtp.received
    assert.deepEqual(mail.to, [owner.email])
    assert.equal(mail.from, 'portal@facility.test')
    assert.equal(mail.subject, 'Your environment "night run" will be removed in 30 minutes')
    assert.include(mail.text, `${APP_URL}/environments?extend=${environment.id}`)
    assert.include(mail.text, 'expires at')
    assert.notInclude(mail.raw, 'the-environment-secret-value')
    assert.notInclude(mail.raw, environment.secret)
    assert.notInclude(mail.raw, FACTORY_PASSWORD)
  })

  test('SMTP down: nothing else waits, the message is retried later and sent once', async ({
    client,
    assert,
  }) => {
    const owner = await createUser()
    const environment = await expiringIn(owner, 30)
    const started = performance.now()
    assert.equal(await (await app.container.make(EnvironmentWarnings)).run(), 1)
    // Warnings only queue mail: making one does not wait for SMTP.
    assert.isBelow(performance.now() - started, 1000)
    const outbox = await app.container.make(MailOutbox)
    assert.deepEqual(await outbox.deliver(), { sent: 0, failed: 1 })
    const [queued] = await MailOutboxMessage.query().where('recipient', owner.email!)
    assert.equal(queued.attempts, 1)
    assert.isNull(queued.sentAt)
    assert.match(queued.lastError!, /ECONNREFUSED|ESOCKET|ECONNECTION/)
    assert.isTrue(queued.nextAttemptAt > DateTime.utc())
    // Not due yet: the next run does not hammer the server.
    assert.deepEqual(await outbox.deliver(), { sent: 0, failed: 0 })

    // The in-app list is there all along.
    const browser = new ApiSession(client)
    await browser.login(owner.username, FACTORY_PASSWORD)
    const listed = await browser.get('/api/v1/notifications')
    assert.equal(listed.body().data[0].environmentId, environment.id)

    await smtp.start()
    await new Promise((resolve) => setTimeout(resolve, 1100))
    assert.deepEqual(await outbox.deliver(), { sent: 1, failed: 0 })
    assert.lengthOf(await smtp.waitForMessages(1), 1)
    await queued.refresh()
    assert.equal(queued.attempts, 2)
    assert.isNotNull(queued.sentAt)
  })

  test('a slow SMTP server is given up on after SMTP_TIMEOUT while the API answers at once', async ({
    client,
    assert,
  }) => {
    await smtp.start({ delayMs: 8000 })
    const owner = await createUser()
    await expiringIn(owner, 30)
    await (await app.container.make(EnvironmentWarnings)).run()
    const outbox = await app.container.make(MailOutbox)
    const browser = new ApiSession(client)
    await browser.login(owner.username, FACTORY_PASSWORD)

    const started = performance.now()
    const delivery = outbox.deliver()
    const listed = await browser.get('/api/v1/notifications')
    listed.assertStatus(200)
    assert.isBelow(performance.now() - started, 1500, 'the API did not wait for SMTP')
    assert.deepEqual(await delivery, { sent: 0, failed: 1 })
    const elapsed = performance.now() - started
    assert.isBelow(elapsed, 6000, 'bounded by SMTP_TIMEOUT (2 s), not the server')
  }).timeout(20_000)
})
