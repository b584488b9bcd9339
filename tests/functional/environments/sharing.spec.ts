import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import { DateTime } from 'luxon'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import encryption from '@adonisjs/core/services/encryption'
import env from '#start/env'
import accessConfig from '#config/access'
import AuditEvent from '#models/audit_event'
import Environment from '#models/environment'
import EnvironmentAccess from '#models/environment_access'
import EnvironmentShare from '#models/environment_share'
import ExperimentMember from '#models/experiment_member'
import Notification from '#models/notification'
import EnvironmentProvisioner from '#services/environments/environment_provisioner'
import EnvironmentWarnings from '#services/environments/environment_warnings'
import { createUser } from '#database/factories/user_factory'
import { signIn } from '#tests/helpers/sign_in'
import { createExperiment } from '#database/factories/experiment_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, recordEnvironment, waitForState } from '#tests/helpers/environments'
import {
  clearGuacamoleRecords,
  fakeGuacamole,
  guacamoleRowsOf,
  useGuacamoleAdmin,
} from '#tests/helpers/fake_guacamole'
import { clientIdentifier } from '#services/access/guacamole_connection'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { testEngine } from '#tests/helpers/docker'
import { makeExperiments } from '#tests/helpers/user_office_server'

/*
 * Sharing an environment with members of its experiment (issue #19), on the
 * real Docker engine and the Guacamole schema: each colleague gets a
 * Guacamole user of their own, a guest a read-only connection, and a
 * revocation removes exactly their records at once.
 */

const CLIENT_URL = new RegExp(
  `^${env.get('GUACAMOLE_URL')!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/#/client/([\\w-]+)\\?token=([0-9A-F]+)$`
)

/** An owner and a colleague on one experiment, and someone on none of it. */
async function team(client: ApiClient) {
  const owner = await signIn(client, [])
  const colleague = await signIn(client, [])
  const stranger = await signIn(client, [])
  const experiment = await createExperiment({ members: [owner.user, colleague.user] })
  return { owner, colleague, stranger, experiment }
}

async function launch(browser: ApiSession, imageId: number, experimentId: number) {
  const created = await browser.post('/api/v1/environments', { imageId, experimentId })
  created.assertStatus(202)
  const id = created.body().data.id as number
  const running = await waitForState(browser, id, ['running', 'failed'])
  if (running.state !== 'running') {
    throw new Error(`environment ${id} failed: ${running.failureReason}`)
  }
  return id
}

/**
 * The team, with the owner's VNC desktop running on the real engine and
 * shared with the colleague as `role` (the share's answer in `shared`).
 */
async function sharedDesktop(client: ApiClient, role: 'user' | 'guest' = 'user') {
  const people = await team(client)
  const image = await createHttpImage({ protocol: 'vnc', port: 5901 })
  const id = await launch(people.owner.browser, image.id, people.experiment.id)
  const shared = await share(people.owner.browser, id, people.colleague.user.username, role)
  return { ...people, id, shared }
}

/** The owner shares environment `id` with `username`; a new share answers 201. */
async function share(
  owner: ApiSession,
  id: number,
  username: string,
  role: 'user' | 'guest' = 'user'
) {
  const shared = await owner.post(`/api/v1/environments/${id}/shares`, { username, role })
  shared.assertStatus(201)
  return shared
}

/** The owner withdraws the share of `userId` on environment `id`; it answers 204. */
async function unshare(owner: ApiSession, id: number, userId: number) {
  ;(await owner.delete(`/api/v1/environments/${id}/shares/${userId}`)).assertStatus(204)
}

/** The Guacamole credentials the portal keeps for one person on an environment. */
async function credentialsOf(environmentId: number, userId: number) {
  const access = await EnvironmentAccess.query()
    .where('environment_id', environmentId)
    .where('user_id', userId)
    .firstOrFail()
  return {
    username: access.guacamoleUsername,
    password: encryption.decrypt<string>(access.guacamolePassword)!,
    connectionId: access.guacamoleConnectionId,
  }
}

/** What Guacamole's login form takes. */
function signInFields({ username, password }: { username: string; password: string }) {
  return { username, password }
}

/** Opens it and returns the Guacamole username the token was issued to. */
async function openThroughGuacamole(browser: ApiSession, id: number) {
  const opened = await browser.post(`/api/v1/environments/${id}/access`)
  opened.assertStatus(200)
  const [, , token] = CLIENT_URL.exec(opened.body().data.url) ?? []
  if (!token) {
    throw new Error(`no token in ${opened.body().data.url}`)
  }
  return fakeGuacamole.issued.get(token)!.username
}

/** Opens it and a Guacamole tunnel with what the portal handed out, as the browser's client does. */
async function openTunnel(browser: ApiSession, id: number) {
  const opened = await browser.post(`/api/v1/environments/${id}/access`)
  opened.assertStatus(200)
  const [, clientId, token] = CLIENT_URL.exec(opened.body().data.url) ?? []
  const tunnel = await fakeGuacamole.connect(token, clientId)
  if (!tunnel) {
    throw new Error(`Guacamole refused a tunnel with ${opened.body().data.url}`)
  }
  return tunnel
}

function auditOf(id: number, actions: string[]) {
  return AuditEvent.query()
    .where('object_type', 'environment')
    .where('object_id', String(id))
    .whereIn('action', actions)
    .orderBy('id')
}

test.group('Environments: sharing with experiment members', (group) => {
  isolateEachTest(group)
  group.each.timeout(90_000)
  group.each.teardown(async () => {
    await EnvironmentProvisioner.settle()
    await clearGuacamoleRecords()
    fakeGuacamole.active.clear()
  })

  test('a colleague opens a shared desktop with their own Guacamole user, and revocation cuts them off at once', async ({
    client,
    assert,
  }) => {
    const { owner, colleague, stranger, id, shared } = await sharedDesktop(client)
    assert.include(shared.body().data, {
      userId: colleague.user.id,
      username: colleague.user.username,
      role: 'user',
      lastOpenedAt: null,
    })
    const listedShares = (await owner.browser.get(`/api/v1/environments/${id}/shares`)).body().data
    assert.deepEqual(
      listedShares.map((entry: { userId: number }) => entry.userId),
      [colleague.user.id]
    )

    // The colleague sees it, as shared with them, in their list and on its own.
    const theirs = (await colleague.browser.get('/api/v1/environments')).body().data
    assert.deepEqual(
      theirs.map((entry: any) => [entry.id, entry.role, entry.sharedBy]),
      [[id, 'user', owner.user.username]]
    )
    const own = (await owner.browser.get('/api/v1/environments')).body().data
    assert.deepEqual(
      own.map((entry: any) => [entry.id, entry.role, entry.sharedBy]),
      [[id, 'owner', null]]
    )
    ;(await colleague.browser.get(`/api/v1/environments/${id}`)).assertStatus(200)
    const onlyShared = await colleague.browser.get('/api/v1/environments?holding=owner')
    assert.lengthOf(onlyShared.body().data, 0)

    // Both open it, each through a Guacamole user of their own on the same desktop.
    const ownerGuacamoleUser = await openThroughGuacamole(owner.browser, id)
    const colleagueGuacamoleUser = await openThroughGuacamole(colleague.browser, id)
    assert.notEqual(colleagueGuacamoleUser, ownerGuacamoleUser)
    const ownerCredentials = await credentialsOf(id, owner.user.id)
    const colleagueCredentials = await credentialsOf(id, colleague.user.id)
    assert.equal(ownerCredentials.username, ownerGuacamoleUser)
    assert.equal(colleagueCredentials.username, colleagueGuacamoleUser)
    const rows = await guacamoleRowsOf(id)
    assert.lengthOf(rows.entities, 2)
    assert.lengthOf(rows.connections, 2)
    assert.lengthOf(rows.permissions, 2)
    const colleagueParameters = rows.parameters.filter(
      (row) => row.connection_id === colleagueCredentials.connectionId
    )
    const environment = await Environment.findOrFail(id)
    assert.equal(
      colleagueParameters.find((row) => row.parameter_name === 'port')?.parameter_value,
      String(environment.endpointPort)
    )
    assert.notExists(colleagueParameters.find((row) => row.parameter_name === 'read-only'))
    assert.isNotNull(
      (await EnvironmentShare.findByOrFail('user_id', colleague.user.id)).lastOpenedAt
    )

    // Only the owner stops, starts, extends, removes or shares it; others do not see it at all.
    for (const [method, path, body] of [
      ['post', '/stop', undefined],
      ['post', '/start', undefined],
      ['patch', '', { expiresAt: DateTime.utc().plus({ hours: 3 }).toISO() }],
      ['delete', '', undefined],
      ['get', '/shares', undefined],
      ['post', '/shares', { username: owner.user.username, role: 'user' }],
      ['delete', `/shares/${colleague.user.id}`, undefined],
    ] as const) {
      const refused = await colleague.browser.send(
        method.toUpperCase() as 'POST',
        `/api/v1/environments/${id}${path}`,
        body
      )
      assert.equal(refused.status(), 403, `${method} ${path}`)
      assert.equal(refused.body().errors[0].code, 'E_FORBIDDEN')
    }
    ;(await stranger.browser.get(`/api/v1/environments/${id}`)).assertStatus(404)
    ;(await stranger.browser.post(`/api/v1/environments/${id}/access`)).assertStatus(404)
    assert.equal((await Environment.findOrFail(id)).state, 'running')

    // A tunnel the colleague has open (the portal knows no Guacamole administrator here).
    const colleagueTunnel = await fakeGuacamole.connect(
      fakeGuacamole.issuedTokenOf(colleagueCredentials.username)!,
      clientIdentifier(colleagueCredentials.connectionId, 'mysql')
    )
    assert.isString(colleagueTunnel)

    // Revocation: the colleague's own records go at once; the owner's stay.
    await unshare(owner.browser, id, colleague.user.id)
    // Without GUACAMOLE_ADMIN_USERNAME an open tunnel runs on until it closes (docs/security.md).
    assert.isTrue(fakeGuacamole.active.has(colleagueTunnel!))
    const after = await guacamoleRowsOf(id)
    assert.deepEqual(
      after.entities.map((row) => row.name),
      [ownerCredentials.username]
    )
    assert.lengthOf(after.connections, 1)
    assert.equal((await fakeGuacamole.authenticate(signInFields(colleagueCredentials))).status, 403)
    assert.equal((await fakeGuacamole.authenticate(signInFields(ownerCredentials))).status, 200)
    assert.lengthOf(
      await EnvironmentAccess.query()
        .where('environment_id', id)
        .where('user_id', colleague.user.id),
      0
    )
    ;(await colleague.browser.get(`/api/v1/environments/${id}`)).assertStatus(404)
    ;(await colleague.browser.post(`/api/v1/environments/${id}/access`)).assertStatus(404)
    assert.lengthOf((await colleague.browser.get('/api/v1/environments')).body().data, 0)

    // All of it audited, with who did it.
    const trail = await auditOf(id, [
      'environment.share',
      'environment.access',
      'environment.unshare',
    ])
    assert.deepEqual(
      trail.map((event) => [
        event.action,
        event.actorId,
        event.outcome,
        event.details?.sharedAs ?? null,
      ]),
      [
        ['environment.share', owner.user.id, 'success', null],
        ['environment.access', owner.user.id, 'success', null],
        ['environment.access', colleague.user.id, 'success', 'user'],
        ['environment.access', stranger.user.id, 'denied', null],
        ['environment.unshare', owner.user.id, 'success', null],
        ['environment.access', colleague.user.id, 'denied', null],
      ]
    )
    assert.include(trail[0].details!, { userId: colleague.user.id, role: 'user' })
    assert.include(trail[4].details!, {
      userId: colleague.user.id,
      role: 'user',
      guacamoleSessions: 'not configured',
    })
  })

  test("with a Guacamole administrator configured, revocation ends the colleague's open session and leaves the owner's", async ({
    client,
    assert,
    cleanup,
  }) => {
    cleanup(useGuacamoleAdmin())
    const { owner, colleague, id } = await sharedDesktop(client)
    const ownerTunnel = await openTunnel(owner.browser, id)
    const colleagueTunnel = await openTunnel(colleague.browser, id)
    assert.sameMembers([...fakeGuacamole.active.keys()], [ownerTunnel, colleagueTunnel])
    const tokensBefore = fakeGuacamole.issued.size

    await unshare(owner.browser, id, colleague.user.id)
    assert.deepEqual([...fakeGuacamole.active.keys()], [ownerTunnel])
    assert.equal(
      fakeGuacamole.active.get(ownerTunnel)!.username,
      (await credentialsOf(id, owner.user.id)).username
    )
    // The administrator's token was signed out again.
    assert.equal(fakeGuacamole.issued.size, tokensBefore)
    const [revoked] = await auditOf(id, ['environment.unshare'])
    assert.include(revoked.details!, {
      userId: colleague.user.id,
      guacamoleSessions: 'ended',
      endedSessions: 1,
    })
  })

  test('a Guacamole that does not answer the session API holds no revocation up: records go, the audit says so', async ({
    client,
    assert,
    cleanup,
  }) => {
    cleanup(useGuacamoleAdmin())
    const { owner, colleague, id } = await sharedDesktop(client)
    const colleagueTunnel = await openTunnel(colleague.browser, id)
    const colleagueCredentials = await credentialsOf(id, colleague.user.id)
    fakeGuacamole.stallSessionApi = true

    const started = Date.now()
    await unshare(owner.browser, id, colleague.user.id)
    // Bounded by GUACAMOLE_TIMEOUT (2 s in .env.test), not by Guacamole.
    assert.isBelow(Date.now() - started, accessConfig.guacamole.timeoutMs + 3000)
    assert.equal((await fakeGuacamole.authenticate(signInFields(colleagueCredentials))).status, 403)
    assert.lengthOf(await EnvironmentShare.query().where('environment_id', id), 0)
    assert.isTrue(fakeGuacamole.active.has(colleagueTunnel))
    const [revoked] = await auditOf(id, ['environment.unshare'])
    assert.equal(revoked.outcome, 'success')
    assert.include(revoked.details!, { userId: colleague.user.id, guacamoleSessions: 'failed' })
  })

  test('a guest watches through a read-only connection; a web application is never shared with a guest', async ({
    client,
    assert,
  }) => {
    const { owner, colleague, experiment, id } = await sharedDesktop(client, 'guest')
    const seen = (await colleague.browser.get(`/api/v1/environments/${id}`)).body().data
    assert.equal(seen.role, 'guest')
    await openThroughGuacamole(owner.browser, id)
    await openThroughGuacamole(colleague.browser, id)
    const rows = await guacamoleRowsOf(id)
    const readOnly = (userId: number) =>
      credentialsOf(id, userId).then(
        ({ connectionId }) =>
          rows.parameters.find(
            (row) => row.connection_id === connectionId && row.parameter_name === 'read-only'
          )?.parameter_value ?? null
      )
    assert.equal(await readOnly(colleague.user.id), 'true')
    assert.isNull(await readOnly(owner.user.id))

    // Promoted to user: the next way in is made anew, without read-only.
    const promoted = await owner.browser.post(`/api/v1/environments/${id}/shares`, {
      username: colleague.user.username,
      role: 'user',
    })
    promoted.assertStatus(200)
    assert.equal(promoted.body().data.role, 'user')
    await openThroughGuacamole(colleague.browser, id)
    const { connectionId } = await credentialsOf(id, colleague.user.id)
    const parameters = (await guacamoleRowsOf(id)).parameters
    assert.notExists(
      parameters.find(
        (row) => row.connection_id === connectionId && row.parameter_name === 'read-only'
      )
    )

    // A web application: user only.
    const web = await createHttpImage()
    const webEnvironment = await recordEnvironment({
      userId: owner.user.id,
      imageId: web.id,
      experimentId: experiment.id,
      state: 'stopped',
    })
    const refused = await owner.browser.post(`/api/v1/environments/${webEnvironment.id}/shares`, {
      username: colleague.user.username,
      role: 'guest',
    })
    refused.assertStatus(422)
    assert.equal(refused.body().errors[0].field, 'role')
    assert.lengthOf(await EnvironmentShare.query().where('environment_id', webEnvironment.id), 0)
    await share(owner.browser, webEnvironment.id, colleague.user.username)
  })

  test('nobody outside the experiment can be added, and the answer does not tell whether the account exists', async ({
    client,
    assert,
  }) => {
    const { owner, colleague, stranger, experiment } = await team(client)
    const image = await createHttpImage()
    const environment = await recordEnvironment({
      userId: owner.user.id,
      imageId: image.id,
      experimentId: experiment.id,
    })
    const tryShare = (username: string, id = environment.id) =>
      owner.browser.post(`/api/v1/environments/${id}/shares`, { username, role: 'user' })

    const nonMember = await tryShare(stranger.user.username)
    const missing = await tryShare('nobody-has-this-name')
    const self = await tryShare(owner.user.username)
    for (const refused of [nonMember, missing, self]) {
      refused.assertStatus(422)
      assert.equal(refused.body().errors[0].field, 'username')
    }
    assert.equal(nonMember.text(), missing.text())
    assert.equal(self.text(), missing.text())

    const disabled = await createUser({ disabled: true })
    await ExperimentMember.create({
      experimentId: experiment.id,
      userId: disabled.id,
      role: 'member',
      favorite: false,
      source: 'local',
    })
    assert.equal((await tryShare(disabled.username)).text(), missing.text())

    // An environment tied to no experiment is nobody else's business.
    const alone = await recordEnvironment({ userId: owner.user.id, imageId: image.id })
    const noExperiment = await tryShare(colleague.user.username, alone.id)
    noExperiment.assertStatus(422)
    assert.equal(noExperiment.body().errors[0].field, 'username')

    // Bad input changes nothing.
    const badRole = await owner.browser.post(`/api/v1/environments/${environment.id}/shares`, {
      username: colleague.user.username,
      role: 'admin',
    })
    badRole.assertStatus(422)
    assert.equal(badRole.body().errors[0].field, 'role')
    assert.lengthOf(await EnvironmentShare.query().where('environment_id', environment.id), 0)
    assert.lengthOf(await auditOf(environment.id, ['environment.share']), 0)
  })

  test('a colleague removed from the experiment loses the share at the next membership check', async ({
    client,
    assert,
  }) => {
    const { owner, colleague, experiment } = await team(client)
    const image = await createHttpImage()
    const environment = await recordEnvironment({
      userId: owner.user.id,
      imageId: image.id,
      experimentId: experiment.id,
    })
    await share(owner.browser, environment.id, colleague.user.username)
    assert.lengthOf((await colleague.browser.get('/api/v1/environments')).body().data, 1)

    await ExperimentMember.query()
      .where('experiment_id', experiment.id)
      .where('user_id', colleague.user.id)
      .delete()

    // No longer listed; looking at it withdraws the share, audited.
    assert.lengthOf((await colleague.browser.get('/api/v1/environments')).body().data, 0)
    ;(await colleague.browser.get(`/api/v1/environments/${environment.id}`)).assertStatus(404)
    assert.isNull(await EnvironmentShare.findBy('environment_id', environment.id))
    const [withdrawn] = await auditOf(environment.id, ['environment.unshare'])
    assert.isNull(withdrawn.actorId)
    assert.include(withdrawn.details!, {
      userId: colleague.user.id,
      reason: 'no longer a member of its experiment',
    })
    assert.lengthOf(
      (await owner.browser.get(`/api/v1/environments/${environment.id}/shares`)).body().data,
      0
    )
  })

  test('opening asks the User Office again when memberships are old, and a removed colleague is refused', async ({
    client,
    assert,
  }) => {
    // Two User Office scientists on the same proposal.
    const proposals = makeExperiments(1, { prefix: 'shr-' })
    const signInFromUserOffice = async (username: string) => {
      testUserOffice.addAccount({ username, password: 'uo-password' })
      testUserOffice.setExperiments(username, proposals)
      const browser = new ApiSession(client)
      ;(await browser.login(username, 'uo-password')).assertStatus(200)
      return browser
    }
    const owner = await signInFromUserOffice('oona')
    const colleague = await signInFromUserOffice('cato')
    const [experiment] = (await owner.get('/api/v1/experiments')).body().data
    const ownerId = (await owner.get('/api/v1/me')).body().data.id
    const image = await createHttpImage()
    const environment = await recordEnvironment({
      userId: ownerId,
      imageId: image.id,
      experimentId: experiment.id,
      state: 'running',
      endpointHost: '127.0.0.1',
      endpointPort: 9,
    })
    await share(owner, environment.id, 'cato')
    ;(await colleague.post(`/api/v1/environments/${environment.id}/access`)).assertStatus(200)

    // The User Office drops cato from the proposal; the portal learns it once memberships are old.
    testUserOffice.setExperiments('cato', [])
    await db
      .from('users')
      .where('username', 'cato')
      .update({ experiments_synced_at: new Date(Date.now() - 60 * 60_000) })
    const asked = testUserOffice.requestsTo('experiments')
    ;(await colleague.post(`/api/v1/environments/${environment.id}/access`)).assertStatus(404)
    assert.equal(testUserOffice.requestsTo('experiments'), asked + 1)
    assert.isNull(await EnvironmentShare.findBy('environment_id', environment.id))
  })

  test('admins see and revoke every share; the owner goes in the audit', async ({
    client,
    assert,
  }) => {
    const { owner, colleague, experiment } = await team(client)
    const { user: admin, browser: adminBrowser } = await signIn(client)
    const image = await createHttpImage()
    const environment = await recordEnvironment({
      userId: owner.user.id,
      imageId: image.id,
      experimentId: experiment.id,
    })
    await share(owner.browser, environment.id, colleague.user.username)

    // The owner's routes are the owner's, even for an admin.
    ;(await adminBrowser.get(`/api/v1/environments/${environment.id}/shares`)).assertStatus(404)
    const listed = await adminBrowser.get(`/api/v1/admin/environments/${environment.id}/shares`)
    listed.assertStatus(200)
    assert.deepEqual(
      listed.body().data.map((entry: any) => [entry.userId, entry.role]),
      [[colleague.user.id, 'user']]
    )
    ;(
      await adminBrowser.delete(
        `/api/v1/admin/environments/${environment.id}/shares/${colleague.user.id}`
      )
    ).assertStatus(204)
    ;(
      await adminBrowser.delete(
        `/api/v1/admin/environments/${environment.id}/shares/${colleague.user.id}`
      )
    ).assertStatus(404)
    const [revoked] = await auditOf(environment.id, ['environment.unshare'])
    assert.equal(revoked.actorId, admin.id)
    assert.include(revoked.details!, { userId: colleague.user.id, ownerId: owner.user.id })
  })

  test("revoking a colleague who was handed a web application's token URL stops it", async ({
    client,
    assert,
  }) => {
    const { owner, colleague, experiment } = await team(client)
    const image = await createHttpImage({ environment: { WEB_TOKEN_PARAM: 'token' } })
    const id = await launch(owner.browser, image.id, experiment.id)
    await share(owner.browser, id, colleague.user.username)
    const opened = await colleague.browser.post(`/api/v1/environments/${id}/access`)
    opened.assertStatus(200)
    assert.equal(opened.body().data.kind, 'web')
    assert.include(opened.body().data.url, 'token=')

    await unshare(owner.browser, id, colleague.user.id)
    assert.include(['stopping', 'stopped'], (await Environment.findOrFail(id)).state)
    assert.equal((await waitForState(owner.browser, id, ['stopped'])).state, 'stopped')
    const [revoked] = await auditOf(id, ['environment.unshare'])
    assert.include(revoked.details!, { environmentStopped: true })

    // Started again, it answers to a new token only: the container was made anew
    // from a rotated secret, so the URL the colleague was handed is dead.
    const handedToken = new URL(opened.body().data.url).searchParams.get('token')!
    const before = await Environment.findOrFail(id)
    assert.notEqual(encryption.decrypt<string>(before.secret), handedToken)
    ;(await owner.browser.post(`/api/v1/environments/${id}/start`)).assertStatus(202)
    assert.equal((await waitForState(owner.browser, id, ['running'])).state, 'running')
    const reopened = await owner.browser.post(`/api/v1/environments/${id}/access`)
    reopened.assertStatus(200)
    const newToken = new URL(reopened.body().data.url).searchParams.get('token')!
    assert.notEqual(newToken, handedToken)
    const restarted = await Environment.findOrFail(id)
    const inspected = await (await testEngine()).getContainer(restarted.engineId!).inspect()
    assert.include(inspected.Config.Env, `PORTAL_SECRET=${newToken}`)
    assert.notInclude(inspected.Config.Env, `PORTAL_SECRET=${handedToken}`)

    // A colleague who never opened it leaves it running.
    const other = await createExperiment({ members: [owner.user, colleague.user] })
    const second = await launch(owner.browser, image.id, other.id)
    await share(owner.browser, second, colleague.user.username)
    await unshare(owner.browser, second, colleague.user.id)
    assert.equal((await Environment.findOrFail(second)).state, 'running')
  })

  test('expiry warnings go to colleagues it is shared with too', async ({ client, assert }) => {
    const { owner, colleague, experiment } = await team(client)
    const image = await createHttpImage()
    const environment = await recordEnvironment({
      userId: owner.user.id,
      imageId: image.id,
      experimentId: experiment.id,
      expiresAt: DateTime.utc().plus({ minutes: 30 }),
    })
    await EnvironmentShare.create({
      environmentId: environment.id,
      userId: colleague.user.id,
      role: 'user',
      grantedBy: owner.user.id,
      lastOpenedAt: null,
    })
    const warnings = await app.container.make(EnvironmentWarnings)
    await warnings.run()
    await warnings.run()
    const notes = await Notification.query().where('environment_id', environment.id).orderBy('id')
    assert.deepEqual(
      notes.map((note) => [note.userId, note.kind]),
      [
        [owner.user.id, 'expiry_warning'],
        [colleague.user.id, 'expiry_warning'],
      ]
    )
    assert.include(notes[1].subject, `${owner.user.username}'s environment`)
    assert.include(notes[1].body, `Only ${owner.user.username} can extend it`)
  })
})
