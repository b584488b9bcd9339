import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Image from '#models/image'
import AuditEvent from '#models/audit_event'
import { ApiSession } from '#tests/helpers/api_session'
import { isolateEachTest } from '#tests/helpers/isolation'
import { signIn } from '#tests/helpers/sign_in'
import { assertAdminOnly, type AdminCall } from '#tests/helpers/admin_only'
import { ADMIN_IMAGES_PATH, createImage, imageInput } from '#tests/helpers/image_catalogue'

const USER_BASE = '/api/v1/images'
const GI = 1024 ** 3

// A table of our own that references images like environments do (RESTRICT),
// so the in-use refusal is tested without depending on the environments schema.
const PROBE_TABLE = 'test_image_references'

/** Everything a refused request could have written. */
async function footprint() {
  const images = await Image.query().orderBy('id', 'asc')
  const events = await AuditEvent.query().where('action', 'like', 'image.%').count('* as total')
  return {
    images: JSON.parse(JSON.stringify(images.map((image) => image.serialize()))),
    events: Number(events[0].$extras.total),
  }
}

test.group('Images: the catalogue', (group) => {
  isolateEachTest(group)

  group.setup(async () => {
    await db.connection().schema.dropTableIfExists(PROBE_TABLE)
    await db.connection().schema.createTable(PROBE_TABLE, (table) => {
      table.increments('id')
      table.integer('image_id').unsigned().notNullable().references('id').inTable('images')
    })
    return () => db.connection().schema.dropTableIfExists(PROBE_TABLE)
  })

  test('an admin creates, reads, changes and deletes an image', async ({ client, assert }) => {
    const { browser } = await signIn(client)

    const created = await createImage(browser, {
      name: '  Jupyter Lab  ',
      description: 'Python notebooks',
      reference: 'registry.example.org:5000/analysis/jupyter:2024.1',
      protocol: 'http',
      port: 8888,
      cpu: '1.5',
      memory: '1.5Gi',
      storage: '10G',
      gpus: 1,
      environment: { JUPYTER_ENABLE_LAB: 'yes', A_FIRST: '1' },
      command: ['start-notebook.sh', '--NotebookApp.base_url=/'],
      requiresExperiment: false,
      allowedRoles: ['scientist', 'admin', 'admin'],
      lifetimeHours: 48,
      idleLimitMinutes: 240,
    })
    assert.containsSubset(created, {
      name: 'Jupyter Lab',
      description: 'Python notebooks',
      reference: 'registry.example.org:5000/analysis/jupyter:2024.1',
      driver: 'docker',
      protocol: 'http',
      port: 8888,
      resources: {
        cpuMillicores: 1500,
        memoryBytes: 1610612736,
        storageBytes: 10_000_000_000,
        gpus: 1,
      },
      environment: { A_FIRST: '1', JUPYTER_ENABLE_LAB: 'yes' },
      command: ['start-notebook.sh', '--NotebookApp.base_url=/'],
      requiresExperiment: false,
      enabled: true,
      allowedRoles: ['admin', 'scientist'],
      lifetimeHours: 48,
      idleLimitMinutes: 240,
    })
    assert.isString(created.createdAt)
    assert.isString(created.updatedAt)

    const shown = await browser.get(`${ADMIN_IMAGES_PATH}/${created.id}`)
    shown.assertStatus(200)
    assert.deepEqual(shown.body().data, created)

    const changed = await browser.patch(`${ADMIN_IMAGES_PATH}/${created.id}`, {
      description: null,
      memory: '8Gi',
      command: null,
      lifetimeHours: null,
      idleLimitMinutes: null,
      enabled: false,
    })
    changed.assertStatus(200)
    assert.containsSubset(changed.body().data, {
      name: 'Jupyter Lab',
      description: null,
      resources: {
        cpuMillicores: 1500,
        memoryBytes: 8 * GI,
        storageBytes: 10_000_000_000,
        gpus: 1,
      },
      command: null,
      lifetimeHours: null,
      idleLimitMinutes: null,
      enabled: false,
      environment: { A_FIRST: '1', JUPYTER_ENABLE_LAB: 'yes' },
    })

    ;(await browser.delete(`${ADMIN_IMAGES_PATH}/${created.id}`)).assertStatus(204)
    const gone = await browser.get(`${ADMIN_IMAGES_PATH}/${created.id}`)
    gone.assertStatus(404)
    assert.equal(gone.body().errors[0].code, 'E_NOT_FOUND')
    ;(await browser.delete(`${ADMIN_IMAGES_PATH}/${created.id}`)).assertStatus(404)
    ;(await browser.patch(`${ADMIN_IMAGES_PATH}/${created.id}`, { port: 1 })).assertStatus(404)
  })

  test('defaults apply to what is left out', async ({ client, assert }) => {
    const { browser } = await signIn(client)
    const created = await createImage(browser, { name: 'Minimal' })
    assert.deepEqual(
      { ...created, id: 0, createdAt: null, updatedAt: null },
      {
        id: 0,
        name: 'Minimal',
        description: null,
        reference: 'registry.example.org/analysis/jupyter:2024.1',
        driver: 'docker',
        protocol: 'http',
        port: 8888,
        resources: { cpuMillicores: 2000, memoryBytes: 4 * GI, storageBytes: 0, gpus: 0 },
        environment: {},
        command: null,
        readOnlyRootFilesystem: false,
        pullPolicy: 'if-not-present',
        requiresExperiment: true,
        enabled: true,
        allowedRoles: ['scientist'],
        lifetimeHours: null,
        idleLimitMinutes: null,
        createdAt: null,
        updatedAt: null,
      }
    )
  })

  test('an image can be flagged to run on a read-only root file system', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const created = await createImage(browser, { name: 'Hardened', readOnlyRootFilesystem: true })
    assert.isTrue(created.readOnlyRootFilesystem)
    const changed = await browser.patch(`${ADMIN_IMAGES_PATH}/${created.id}`, {
      readOnlyRootFilesystem: false,
    })
    changed.assertStatus(200)
    assert.isFalse(changed.body().data.readOnlyRootFilesystem)
    const refused = await browser.patch(`${ADMIN_IMAGES_PATH}/${created.id}`, {
      readOnlyRootFilesystem: 'yes please',
    })
    refused.assertStatus(422)
    assert.include(JSON.stringify(refused.body()), 'readOnlyRootFilesystem')
    // Users never see how an image runs.
    const listed = (await browser.get(USER_BASE)).body().data
    assert.notProperty(listed[0], 'readOnlyRootFilesystem')
  })

  test('an image has a pull policy: "if-not-present" by default, "always" on request, audited', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const created = await createImage(browser, { name: 'Moving tag', pullPolicy: 'always' })
    assert.equal(created.pullPolicy, 'always')
    const changed = await browser.patch(`${ADMIN_IMAGES_PATH}/${created.id}`, {
      pullPolicy: 'if-not-present',
    })
    changed.assertStatus(200)
    assert.equal(changed.body().data.pullPolicy, 'if-not-present')
    const audit = await AuditEvent.query()
      .where('action', 'image.update')
      .where('object_id', String(created.id))
      .firstOrFail()
    assert.include(JSON.stringify(audit.details), 'pullPolicy')

    const refused = await browser.patch(`${ADMIN_IMAGES_PATH}/${created.id}`, {
      pullPolicy: 'never',
    })
    refused.assertStatus(422)
    assert.equal(refused.body().errors[0].field, 'pullPolicy')
    const unchanged = await browser.get(`${ADMIN_IMAGES_PATH}/${created.id}`)
    assert.equal(unchanged.body().data.pullPolicy, 'if-not-present')
    // Users never see how an image is pulled.
    const listed = (await browser.get(USER_BASE)).body().data
    assert.notProperty(listed[0], 'pullPolicy')
  })

  test('sizes with units are stored as exact integers', async ({ client, assert }) => {
    const { browser } = await signIn(client)
    const cases = [
      { cpu: '500m', memory: '1.5Gi', storage: '2G', cores: 500, bytes: 1610612736, disk: 2e9 },
      { cpu: 1.5, memory: 1073741824, storage: '1Ti', cores: 1500, bytes: GI, disk: 1024 ** 4 },
      { cpu: '2', memory: '512Mi', storage: 0, cores: 2000, bytes: 512 * 1024 ** 2, disk: 0 },
      { cpu: 2, memory: '100M', storage: '1024Ki', cores: 2000, bytes: 1e8, disk: 1024 ** 2 },
      {
        cpu: '0.25',
        memory: '123',
        storage: '7.5Pi',
        cores: 250,
        bytes: 123,
        disk: 7.5 * 1024 ** 5,
      },
    ]
    for (const { cpu, memory, storage, cores, bytes, disk } of cases) {
      const created = await createImage(browser, { cpu, memory, storage })
      assert.deepEqual(
        created.resources,
        { cpuMillicores: cores, memoryBytes: bytes, storageBytes: disk, gpus: 0 },
        `${cpu} / ${memory} / ${storage}`
      )
      // Straight from the table: the columns hold the exact integers.
      const row = await db
        .from('images')
        .where('id', created.id)
        .select('cpu_millicores', 'memory_bytes', 'storage_bytes')
        .firstOrFail()
      assert.deepEqual(
        [Number(row.cpu_millicores), Number(row.memory_bytes), Number(row.storage_bytes)],
        [cores, bytes, disk]
      )
      const image = await Image.findOrFail(created.id)
      assert.strictEqual(image.memoryBytes, bytes)
      assert.strictEqual(image.storageBytes, disk)
    }

    // PATCH takes units the same way.
    const image = await createImage(browser)
    const patched = await browser.patch(`${ADMIN_IMAGES_PATH}/${image.id}`, {
      cpu: '750m',
      gpus: '2',
    })
    patched.assertStatus(200)
    assert.include(patched.body().data.resources, { cpuMillicores: 750, gpus: 2 })
  })

  test('users see the enabled images their roles allow, without the internals', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const { browser: scientist } = await signIn(client, [])
    const everyone = await createImage(admin, { name: 'Everyone', description: 'For all' })
    const adminsOnly = await createImage(admin, { name: 'Admins only', allowedRoles: ['admin'] })
    await createImage(admin, { name: 'Switched off', enabled: false })
    const both = await createImage(admin, {
      name: 'Both roles',
      allowedRoles: ['admin', 'scientist'],
      environment: { SECRET_SAUCE: 'yes' },
      command: ['run'],
    })

    const names = async (session: ApiSession, query = '') => {
      const response = await session.get(`${USER_BASE}${query}`)
      response.assertStatus(200)
      return response.body().data.map((image: { name: string }) => image.name)
    }
    assert.deepEqual(await names(scientist), ['Both roles', 'Everyone'])
    assert.deepEqual(await names(admin), ['Admins only', 'Both roles', 'Everyone'])

    const listed = (await scientist.get(USER_BASE)).body()
    assert.deepEqual(listed.meta, { total: 2, perPage: 20, currentPage: 1, lastPage: 1 })
    const shown = listed.data.find((image: { id: number }) => image.id === both.id)
    assert.sameMembers(Object.keys(shown), [
      'id',
      'name',
      'description',
      'driver',
      'protocol',
      'port',
      'resources',
      'requiresExperiment',
      'lifetimeHours',
      'idleLimitMinutes',
    ])
    assert.notInclude(JSON.stringify(listed), 'SECRET_SAUCE')
    assert.notInclude(JSON.stringify(listed), 'registry.example.org')

    assert.deepEqual(await names(scientist, '?search=for%20all'), ['Everyone'])
    assert.deepEqual(await names(scientist, `?search=${encodeURIComponent('%')}`), [])
    assert.deepEqual(await names(scientist, '?perPage=1&page=2'), ['Everyone'])
    assert.deepEqual(await names(admin, '?search=admins'), ['Admins only'])
    assert.equal(everyone.allowedRoles[0], 'scientist')
    assert.deepEqual(adminsOnly.allowedRoles, ['admin'])

    const tooMany = await scientist.get(`${USER_BASE}?perPage=101`)
    tooMany.assertStatus(422)
    assert.equal(tooMany.body().errors[0].field, 'perPage')
  })

  test('admins list every image, filtered by driver, enabled and search', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    await createImage(browser, { name: 'A docker' })
    await createImage(browser, { name: 'B kube', driver: 'kubernetes', enabled: false })
    await createImage(browser, { name: 'C kube', driver: 'kubernetes', description: 'GPU box' })

    const names = async (query: string) => {
      const response = await browser.get(`${ADMIN_IMAGES_PATH}${query}`)
      response.assertStatus(200)
      return response.body().data.map((image: { name: string }) => image.name)
    }
    assert.deepEqual(await names(''), ['A docker', 'B kube', 'C kube'])
    assert.deepEqual(await names('?driver=kubernetes'), ['B kube', 'C kube'])
    assert.deepEqual(await names('?enabled=false'), ['B kube'])
    assert.deepEqual(await names('?enabled=true&driver=kubernetes'), ['C kube'])
    assert.deepEqual(await names('?search=gpu'), ['C kube'])
    const page = (await browser.get(`${ADMIN_IMAGES_PATH}?perPage=2&page=2`)).body()
    assert.deepEqual(page.meta, { total: 3, perPage: 2, currentPage: 2, lastPage: 2 })

    for (const [query, field] of [
      ['?driver=podman', 'driver'],
      ['?enabled=yes', 'enabled'],
      ['?perPage=0', 'perPage'],
    ]) {
      const refused = await browser.get(`${ADMIN_IMAGES_PATH}${query}`)
      refused.assertStatus(422)
      assert.equal(refused.body().errors[0].field, field, query)
    }
  })

  test('invalid input is refused with 422 naming the field, and nothing is written', async ({
    client,
    assert,
  }) => {
    const { browser } = await signIn(client)
    const existing = await createImage(browser, { name: 'Existing' })
    const before = await footprint()

    const cases: [string, Record<string, unknown>][] = [
      ['driver', { driver: 'podman' }],
      ['protocol', { protocol: 'ftp' }],
      ['memory', { memory: '4GB' }],
      ['memory', { memory: '4 gib' }],
      ['memory', { memory: -1 }],
      ['memory', { memory: '-1Gi' }],
      ['memory', { memory: 0 }],
      ['memory', { memory: '1e9' }],
      ['memory', { memory: '1.5' }],
      ['memory', { memory: '9007199254740992' }],
      ['memory', { memory: true }],
      ['storage', { storage: -1 }],
      ['storage', { storage: '10GB' }],
      ['cpu', { cpu: '1.0005' }],
      ['cpu', { cpu: '0' }],
      ['cpu', { cpu: -1 }],
      ['cpu', { cpu: '500mi' }],
      ['cpu', { cpu: 1025 }],
      ['gpus', { gpus: -1 }],
      ['gpus', { gpus: 65 }],
      ['gpus', { gpus: 0.5 }],
      ['reference', { reference: 'Registry/Jupyter' }],
      ['reference', { reference: 'team/Jupyter:1' }],
      ['reference', { reference: 'jupyter lab' }],
      ['reference', { reference: 'team/../jupyter' }],
      ['reference', { reference: '-jupyter' }],
      ['reference', { reference: 'jupyter@sha256:abc' }],
      ['reference', { reference: 'a'.repeat(256) }],
      ['port', { port: 0 }],
      ['port', { port: 65536 }],
      ['port', { port: 80.5 }],
      ['command', { command: 'start.sh' }],
      ['command', { command: [] }],
      ['command.1', { command: ['start.sh', ''] }],
      ['command.1', { command: ['start.sh', 42] }],
      ['environment', { environment: { PORTAL_SECRET: 'mine' } }],
      ['environment', { environment: { portal_user: 'root' } }],
      ['environment', { environment: { '1BAD': 'x' } }],
      ['environment', { environment: { 'BAD-NAME': 'x' } }],
      ['environment', { environment: ['A=B'] }],
      ['environment.GOOD', { environment: { GOOD: 42 } }],
      // The login name goes to Guacamole, whose utf8 (3-byte) columns cannot hold emoji.
      ['environment.REMOTE_USER', { environment: { REMOTE_USER: 'anna\u{1F52C}' } }],
      ['environment.REMOTE_USER', { environment: { REMOTE_USER: 'anna\uD83D' } }],
      ['environment.REMOTE_USER', { environment: { REMOTE_USER: '' } }],
      ['environment.REMOTE_USER', { environment: { REMOTE_USER: 'a'.repeat(257) } }],
      ['allowedRoles', { allowedRoles: [] }],
      ['allowedRoles.0', { allowedRoles: ['root'] }],
      ['allowedRoles', { allowedRoles: 'scientist' }],
      ['lifetimeHours', { lifetimeHours: 0 }],
      ['lifetimeHours', { lifetimeHours: 8761 }],
      ['idleLimitMinutes', { idleLimitMinutes: 4 }],
      ['idleLimitMinutes', { idleLimitMinutes: 43_201 }],
      ['idleLimitMinutes', { idleLimitMinutes: 30.5 }],
      ['requiresExperiment', { requiresExperiment: 'yes' }],
      ['name', { name: '' }],
      ['name', { name: 'x'.repeat(101) }],
      ['name', { name: 'bad\u0000name' }],
    ]
    const fieldsOf = (response: any) => {
      assert.equal(response.status(), 422, JSON.stringify(response.body()))
      assert.equal(response.body().errors[0].code, 'E_VALIDATION_ERROR')
      return response.body().errors.map((error: { field: string }) => error.field)
    }
    for (const [field, input] of cases) {
      const label = `${field}: ${JSON.stringify(input).slice(0, 80)}`
      assert.include(
        fieldsOf(await browser.post(ADMIN_IMAGES_PATH, imageInput(input))),
        field,
        label
      )
      assert.include(
        fieldsOf(await browser.patch(`${ADMIN_IMAGES_PATH}/${existing.id}`, input)),
        field,
        `PATCH ${label}`
      )
    }

    // Required fields on create.
    const missing = fieldsOf(await browser.post(ADMIN_IMAGES_PATH, {}))
    for (const field of ['name', 'reference', 'driver', 'protocol', 'port', 'cpu', 'memory']) {
      assert.include(missing, field)
    }
    // Bad ids.
    assert.include(fieldsOf(await browser.get(`${ADMIN_IMAGES_PATH}/abc`)), 'params.id')
    assert.include(fieldsOf(await browser.delete(`${ADMIN_IMAGES_PATH}/-1`)), 'params.id')

    // A bad size names its field and says why, in words.
    const memory = await browser.post(ADMIN_IMAGES_PATH, imageInput({ memory: '4GB' }))
    assert.include(memory.body().errors[0].message, 'unknown unit "GB"')
    const reserved = await browser.post(
      ADMIN_IMAGES_PATH,
      imageInput({ environment: { PORTAL_SECRET: 'x' } })
    )
    assert.include(reserved.body().errors[0].message, 'PORTAL_')
    const emoji = await browser.post(
      ADMIN_IMAGES_PATH,
      imageInput({ environment: { REMOTE_USER: '\u{1F600}', OTHER: 'fine \u{1F600}' } })
    )
    assert.deepEqual(
      emoji.body().errors.map((error: { field: string }) => error.field),
      ['environment.REMOTE_USER']
    )
    assert.include(emoji.body().errors[0].message, 'Guacamole cannot store')

    assert.deepEqual(await footprint(), before)
  })

  test('a taken name answers 409 and writes nothing', async ({ client, assert }) => {
    const { browser } = await signIn(client)
    await createImage(browser, { name: 'Taken' })
    const other = await createImage(browser, { name: 'Other' })
    const before = await footprint()

    const duplicate = await browser.post(ADMIN_IMAGES_PATH, imageInput({ name: 'Taken' }))
    duplicate.assertStatus(409)
    assert.equal(duplicate.body().errors[0].code, 'E_CONFLICT')
    assert.include(duplicate.body().errors[0].message, 'Taken')
    const padded = await browser.post(ADMIN_IMAGES_PATH, imageInput({ name: '  Taken ' }))
    padded.assertStatus(409)
    const renamed = await browser.patch(`${ADMIN_IMAGES_PATH}/${other.id}`, { name: 'Taken' })
    renamed.assertStatus(409)
    assert.equal(renamed.body().errors[0].code, 'E_CONFLICT')

    assert.deepEqual(await footprint(), before)
    // Keeping one's own name is no conflict.
    ;(await browser.patch(`${ADMIN_IMAGES_PATH}/${other.id}`, { name: 'Other' })).assertStatus(200)
  })

  test('an image in use cannot be deleted; it can be disabled', async ({ client, assert }) => {
    const { browser } = await signIn(client)
    const image = await createImage(browser, { name: 'Busy' })
    await db.table(PROBE_TABLE).insert({ image_id: image.id })
    const before = await footprint()

    const refused = await browser.delete(`${ADMIN_IMAGES_PATH}/${image.id}`)
    refused.assertStatus(409)
    assert.equal(refused.body().errors[0].code, 'E_CONFLICT')
    assert.include(refused.body().errors[0].message, 'disable it instead')
    assert.deepEqual(await footprint(), before)

    const disabled = await browser.patch(`${ADMIN_IMAGES_PATH}/${image.id}`, { enabled: false })
    disabled.assertStatus(200)
    assert.isFalse(disabled.body().data.enabled)

    await db.from(PROBE_TABLE).where('image_id', image.id).delete()
    ;(await browser.delete(`${ADMIN_IMAGES_PATH}/${image.id}`)).assertStatus(204)
  })

  test('a scientist is refused with 403 and an anonymous caller with 401', async ({
    client,
    assert,
  }) => {
    const { browser: admin } = await signIn(client)
    const image = await createImage(admin, { name: 'Guarded' })
    const { browser: scientist } = await signIn(client, [])
    const anonymous = new ApiSession(client)
    await anonymous.get('/api/v1/auth/csrf')
    const before = await footprint()

    const url = `${ADMIN_IMAGES_PATH}/${image.id}`
    const calls: AdminCall[] = [
      ['GET list', (session) => session.get(ADMIN_IMAGES_PATH)],
      ['POST', (session) => session.post(ADMIN_IMAGES_PATH, imageInput({ name: 'Sneaky' }))],
      ['GET one', (session) => session.get(url)],
      ['PATCH', (session) => session.patch(url, { enabled: false })],
      ['DELETE', (session) => session.delete(url)],
    ]
    await assertAdminOnly(assert, calls, { scientist, anonymous })
    const userList = await anonymous.get(USER_BASE)
    userList.assertStatus(401)

    assert.deepEqual(await footprint(), before)
  })

  test('every change is audited with the changed fields; no change, no event', async ({
    client,
    assert,
  }) => {
    const { user: admin, browser } = await signIn(client)
    const image = await createImage(browser, { name: 'Audited', memory: '4Gi', cpu: 2 })
    await browser.patch(`${ADMIN_IMAGES_PATH}/${image.id}`, { memory: '4096Mi', cpu: '2000m' })
    await browser.patch(`${ADMIN_IMAGES_PATH}/${image.id}`, {
      memory: '8Gi',
      port: 9999,
      environment: { B: '2', A: '1' },
    })
    await browser.patch(`${ADMIN_IMAGES_PATH}/${image.id}`, { environment: { A: '1', B: '2' } })
    await browser.delete(`${ADMIN_IMAGES_PATH}/${image.id}`)

    const events = await AuditEvent.query().where('action', 'like', 'image.%').orderBy('id', 'asc')
    assert.deepEqual(
      events.map((event) => [event.action, event.objectType, event.objectId]),
      [
        ['image.create', 'image', String(image.id)],
        ['image.update', 'image', String(image.id)],
        ['image.delete', 'image', String(image.id)],
      ]
    )
    for (const event of events) {
      assert.equal(event.actorId, admin.id)
      assert.equal(event.outcome, 'success')
      assert.equal(event.details?.name, 'Audited')
      assert.isNotNull(event.requestId)
    }
    assert.deepEqual(events[1].details?.changed, ['port', 'memory', 'environment'])

    const trail = await browser.get('/api/v1/admin/audit?action=image.update')
    assert.equal(trail.body().data[0].objectId, String(image.id))
  })
})
