import { test } from '@japa/runner'
import AuditEvent from '#models/audit_event'
import Environment from '#models/environment'
import { QuotaDefault, UserQuota } from '#models/quota_limits'
import environmentsConfig from '#config/environments'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { signIn } from '#tests/helpers/sign_in'
import { assertAdminOnly, type AdminCall } from '#tests/helpers/admin_only'
import { createHttpImage, recordEnvironment, setUserQuota } from '#tests/helpers/environments'

const DEFAULT_URL = '/api/v1/admin/quotas/default'
const GI = 1024 ** 3

const userUrl = (id: number | string) => `/api/v1/admin/users/${id}/quota`

/** A valid body for either PUT. */
function quotaInput(fields: Record<string, unknown> = {}) {
  return { environments: 3, cpu: '2', memory: '8Gi', storage: '100G', gpus: 1, ...fields }
}

/** What quotaInput() comes out as. */
const INPUT_AMOUNTS = {
  environments: 3,
  cpuMillicores: 2000,
  memoryBytes: 8 * GI,
  storageBytes: 100_000_000_000,
  gpus: 1,
}

/** Everything a refused request could have written. */
async function footprint() {
  const defaults = await QuotaDefault.query().orderBy('id', 'asc')
  const overrides = await UserQuota.query().orderBy('id', 'asc')
  const events = await AuditEvent.query().where('action', 'like', 'quota.%').count('* as total')
  return {
    defaults: JSON.parse(JSON.stringify(defaults.map((row) => row.serialize()))),
    overrides: JSON.parse(JSON.stringify(overrides.map((row) => row.serialize()))),
    events: Number(events[0].$extras.total),
  }
}

function quotaEvents() {
  return AuditEvent.query().where('action', 'like', 'quota.%').orderBy('id', 'asc')
}

/** A stopped environment: it holds a slot and its storage, but no compute (no engine needed). */
async function stoppedEnvironment(userId: number, storageBytes: number) {
  const image = await createHttpImage()
  return recordEnvironment({ userId, imageId: image.id, storageBytes })
}

test.group('Admin: quotas', (group) => {
  isolateEachTest(group)

  test('an admin reads the configured default, changes it, and users without an override get it', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const { browser: scientist } = await signIn(client, [])
    const { user: special } = await signIn(client, [])
    await setUserQuota(special.id, { environments: 9 })
    assert.lengthOf(await QuotaDefault.all(), 0)

    const configured = await admin.get(DEFAULT_URL)
    configured.assertStatus(200)
    assert.deepEqual(configured.body().data, environmentsConfig.defaultQuota)

    const changed = await admin.put(DEFAULT_URL, quotaInput())
    changed.assertStatus(200)
    assert.deepEqual(changed.body().data, INPUT_AMOUNTS)
    assert.deepEqual((await admin.get(DEFAULT_URL)).body().data, INPUT_AMOUNTS)

    const mine = await scientist.get('/api/v1/quota')
    mine.assertStatus(200)
    assert.deepEqual(mine.body().data.limits, INPUT_AMOUNTS)
    assert.deepEqual(mine.body().data.available, INPUT_AMOUNTS)

    // Changed again: the same single row, id 1, is updated.
    const again = await admin.put(
      DEFAULT_URL,
      quotaInput({ environments: 2, cpu: 1.5, memory: 1073741824, storage: 0, gpus: 0 })
    )
    again.assertStatus(200)
    const second = {
      environments: 2,
      cpuMillicores: 1500,
      memoryBytes: GI,
      storageBytes: 0,
      gpus: 0,
    }
    assert.deepEqual(again.body().data, second)
    const rows = await QuotaDefault.all()
    assert.deepEqual(
      rows.map((row) => row.id),
      [1]
    )
    assert.deepEqual((await scientist.get('/api/v1/quota')).body().data.limits, second)

    // A user with an override keeps it.
    const overridden = (await admin.get(userUrl(special.id))).body().data
    assert.isTrue(overridden.custom)
    assert.equal(overridden.limits.environments, 9)
  })

  test('an override is set, read and reset, and governs requisitions', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const { user, browser: scientist } = await signIn(client, [])
    const image = await createHttpImage()

    const initial = await admin.get(userUrl(user.id))
    initial.assertStatus(200)
    assert.deepEqual(initial.body().data, {
      limits: environmentsConfig.defaultQuota,
      usage: { environments: 0, cpuMillicores: 0, memoryBytes: 0, storageBytes: 0, gpus: 0 },
      available: environmentsConfig.defaultQuota,
      custom: false,
    })

    const set = await admin.put(userUrl(user.id), quotaInput({ environments: 0 }))
    set.assertStatus(200)
    const limits = { ...INPUT_AMOUNTS, environments: 0 }
    assert.deepEqual(set.body().data, {
      limits,
      usage: { environments: 0, cpuMillicores: 0, memoryBytes: 0, storageBytes: 0, gpus: 0 },
      available: limits,
      custom: true,
      overLimit: [],
    })
    const read = (await admin.get(userUrl(user.id))).body().data
    assert.isTrue(read.custom)
    assert.deepEqual(read.limits, limits)
    assert.deepEqual((await scientist.get('/api/v1/quota')).body().data.limits, limits)

    // The override is what requisitions are checked against: nothing is launched.
    const refused = await scientist.post('/api/v1/environments', { imageId: image.id })
    refused.assertStatus(409)
    assert.equal(refused.body().errors[0].code, 'E_QUOTA_EXCEEDED')
    assert.deepEqual(refused.body().errors[0].meta, {
      limit: 'environments',
      requested: 1,
      available: 0,
      max: 0,
    })
    assert.lengthOf(await Environment.query().where('user_id', user.id), 0)

    // Another limit of the override refuses too (the image asks for 250 millicores).
    const cpu = await admin.put(userUrl(user.id), quotaInput({ cpu: '100m' }))
    cpu.assertStatus(200)
    assert.equal(cpu.body().data.limits.cpuMillicores, 100)
    const noCpu = await scientist.post('/api/v1/environments', { imageId: image.id })
    noCpu.assertStatus(409)
    assert.equal(noCpu.body().errors[0].meta.limit, 'cpuMillicores')

    const reset = await admin.delete(userUrl(user.id))
    reset.assertStatus(204)
    const back = (await admin.get(userUrl(user.id))).body().data
    assert.isFalse(back.custom)
    assert.deepEqual(back.limits, environmentsConfig.defaultQuota)
    assert.deepEqual(
      (await scientist.get('/api/v1/quota')).body().data.limits,
      environmentsConfig.defaultQuota
    )
    assert.lengthOf(await UserQuota.query().where('user_id', user.id), 0)

    const none = await admin.delete(userUrl(user.id))
    none.assertStatus(404)
    assert.equal(none.body().errors[0].code, 'E_NOT_FOUND')
  })

  test('a quota may be lowered below usage; overLimit says so and requisitions are refused', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const { user, browser: scientist } = await signIn(client, [])
    await stoppedEnvironment(user.id, 2 * GI)

    const lowered = await admin.put(userUrl(user.id), quotaInput({ environments: 0 }))
    lowered.assertStatus(200)
    const data = lowered.body().data
    assert.deepEqual(data.overLimit, ['environments'])
    assert.deepEqual(data.usage, {
      environments: 1,
      cpuMillicores: 0,
      memoryBytes: 0,
      storageBytes: 2 * GI,
      gpus: 0,
    })
    assert.equal(data.available.environments, 0)

    const both = await admin.put(userUrl(user.id), quotaInput({ environments: 0, storage: '1Gi' }))
    both.assertStatus(200)
    assert.deepEqual(both.body().data.overLimit, ['environments', 'storageBytes'])
    assert.equal(both.body().data.available.storageBytes, 0)

    // The environment stays; new requisitions wait until usage drops.
    assert.lengthOf(await Environment.query().where('user_id', user.id), 1)
    const image = await createHttpImage()
    const refused = await scientist.post('/api/v1/environments', { imageId: image.id })
    refused.assertStatus(409)
    assert.equal(refused.body().errors[0].code, 'E_QUOTA_EXCEEDED')

    // At the limit is not over it.
    const even = await admin.put(userUrl(user.id), quotaInput({ environments: 1, storage: '2Gi' }))
    even.assertStatus(200)
    assert.deepEqual(even.body().data.overLimit, [])

    const events = await quotaEvents()
    assert.deepEqual(
      events.map((event) => event.details?.overLimit),
      [['environments'], ['environments', 'storageBytes'], []]
    )
  })

  test('invalid input is refused with 422 naming the field, and nothing is written', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const { user } = await signIn(client, [])
    const before = await footprint()

    const cases: [string, Record<string, unknown>][] = [
      ['environments', { environments: -1 }],
      ['environments', { environments: 1001 }],
      ['environments', { environments: 1.5 }],
      ['environments', { environments: 'many' }],
      ['cpu', { cpu: -1 }],
      ['cpu', { cpu: '-2' }],
      ['cpu', { cpu: '0' }],
      ['cpu', { cpu: '2 cores' }],
      ['cpu', { cpu: '1.0005' }],
      ['cpu', { cpu: 1025 }],
      ['memory', { memory: '4GB' }],
      ['memory', { memory: -1 }],
      ['memory', { memory: '-1Gi' }],
      ['memory', { memory: '1e9' }],
      ['memory', { memory: true }],
      ['storage', { storage: '10GB' }],
      ['storage', { storage: -1 }],
      ['storage', { storage: '9007199254740992' }],
      ['gpus', { gpus: -1 }],
      ['gpus', { gpus: 0.5 }],
      ['gpus', { gpus: 64_001 }],
      ['environments', { environments: undefined }],
      ['cpu', { cpu: undefined }],
      ['memory', { memory: undefined }],
      ['storage', { storage: undefined }],
      ['gpus', { gpus: undefined }],
      ['memory', { memory: null }],
    ]
    const fieldsOf = (response: any) => {
      assert.equal(response.status(), 422, JSON.stringify(response.body()))
      assert.equal(response.body().errors[0].code, 'E_VALIDATION_ERROR')
      return response.body().errors.map((error: { field: string }) => error.field)
    }
    for (const [field, input] of cases) {
      const label = `${field}: ${JSON.stringify(input)}`
      assert.include(fieldsOf(await admin.put(DEFAULT_URL, quotaInput(input))), field, label)
      assert.include(fieldsOf(await admin.put(userUrl(user.id), quotaInput(input))), field, label)
    }

    // Every field is required.
    const missing = fieldsOf(await admin.put(DEFAULT_URL, {}))
    assert.sameMembers(missing, ['environments', 'cpu', 'memory', 'storage', 'gpus'])

    // A bad size says why, in words.
    const unit = await admin.put(DEFAULT_URL, quotaInput({ memory: '4GB' }))
    assert.include(unit.body().errors[0].message, 'unknown unit "GB"')

    // Bad ids.
    assert.include(fieldsOf(await admin.get(userUrl('abc'))), 'params.id')
    assert.include(fieldsOf(await admin.put(userUrl(0), quotaInput())), 'params.id')
    assert.include(fieldsOf(await admin.delete(userUrl(-1))), 'params.id')

    assert.deepEqual(await footprint(), before)
  })

  test('an unknown user is 404 on every user route, and nothing is written', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const before = await footprint()
    const url = userUrl(2_000_000_000)

    for (const response of [
      await admin.get(url),
      await admin.put(url, quotaInput()),
      await admin.delete(url),
    ]) {
      response.assertStatus(404)
      assert.equal(response.body().errors[0].code, 'E_NOT_FOUND')
    }
    assert.deepEqual(await footprint(), before)
  })

  test('a scientist is refused with 403 and an anonymous caller with 401 on every route', async ({
    client,
    assert,
  }) => {
    const { user: target } = await signIn(client, [])
    await setUserQuota(target.id, { environments: 2 })
    const { browser: scientist } = await signIn(client, [])
    const anonymous = new ApiSession(client)
    await anonymous.get('/api/v1/auth/csrf')
    const before = await footprint()

    const url = userUrl(target.id)
    const calls: AdminCall[] = [
      ['GET default', (session) => session.get(DEFAULT_URL)],
      ['PUT default', (session) => session.put(DEFAULT_URL, quotaInput())],
      ['GET user', (session) => session.get(url)],
      ['PUT user', (session) => session.put(url, quotaInput())],
      ['DELETE user', (session) => session.delete(url)],
    ]
    await assertAdminOnly(assert, calls, { scientist, anonymous })

    assert.deepEqual(await footprint(), before)
  })

  test('every change is audited with the old and new values; no change, no event', async ({
    client,
    assert,
  }) => {
    const { user: admin, browser } = await signIn(client)
    const { user } = await signIn(client, [])

    // Storing the configured values is a change: the default stops following the configuration.
    await browser.put(
      DEFAULT_URL,
      quotaInput({
        environments: environmentsConfig.defaultQuota.environments,
        cpu: `${environmentsConfig.defaultQuota.cpuMillicores}m`,
        memory: environmentsConfig.defaultQuota.memoryBytes,
        storage: environmentsConfig.defaultQuota.storageBytes,
        gpus: environmentsConfig.defaultQuota.gpus,
      })
    )
    ;(await browser.put(DEFAULT_URL, quotaInput())).assertStatus(200)
    ;(await browser.put(DEFAULT_URL, quotaInput({ cpu: '2000m', memory: '8192Mi' }))).assertStatus(
      200
    )
    ;(await browser.put(userUrl(user.id), quotaInput({ environments: 1 }))).assertStatus(200)
    ;(await browser.put(userUrl(user.id), quotaInput({ environments: 1 }))).assertStatus(200)
    ;(await browser.delete(userUrl(user.id))).assertStatus(204)

    const events = await quotaEvents()
    assert.deepEqual(
      events.map((event) => [event.action, event.objectType, event.objectId]),
      [
        ['quota.default.update', 'quota', 'default'],
        ['quota.default.update', 'quota', 'default'],
        ['quota.user.update', 'user', String(user.id)],
        ['quota.user.reset', 'user', String(user.id)],
      ]
    )
    for (const event of events) {
      assert.equal(event.actorId, admin.id)
      assert.equal(event.outcome, 'success')
      assert.isNotNull(event.requestId)
    }
    assert.deepEqual(events[0].details, {
      old: environmentsConfig.defaultQuota,
      new: environmentsConfig.defaultQuota,
    })
    assert.deepEqual(events[1].details, {
      old: environmentsConfig.defaultQuota,
      new: INPUT_AMOUNTS,
    })
    const override = { ...INPUT_AMOUNTS, environments: 1 }
    assert.deepEqual(events[2].details, {
      username: user.username,
      old: INPUT_AMOUNTS,
      oldWasCustom: false,
      new: override,
      overLimit: [],
    })
    assert.deepEqual(events[3].details, {
      username: user.username,
      old: override,
      new: INPUT_AMOUNTS,
    })

    const trail = await browser.get('/api/v1/admin/audit?action=quota.user.reset')
    assert.equal(trail.body().data[0].objectId, String(user.id))
  })
})
