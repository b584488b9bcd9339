/*
 * A realistic facility in the bench database, written with multi-row
 * INSERTs in batches (one transaction per table) rather than one model
 * per row: users and roles, experiments with beamtime sessions and
 * memberships, the image catalogue, environments in every state with the
 * progress and transition events their states imply, and a few quota
 * overrides. Deterministic: every choice comes from one seeded generator
 * (timestamps are offsets from the seeding time, so that live
 * environments have not expired). Used by `npm run bench -- seed` and by
 * the benchmarks that need a populated portal.
 */
import { faker } from '@faker-js/faker'
import { AccessToken } from '@adonisjs/auth/access_tokens'
import { Encryption } from '@adonisjs/core/encryption'
import { AES256GCM } from '@adonisjs/core/encryption/drivers/aes_256_gcm'
import { Scrypt } from '@adonisjs/hash/drivers/scrypt'
import mysql from 'mysql2/promise'

export type FacilitySize = {
  users: number
  experiments: number
  /** Average experiments per user (each experiment gets 1 … 2×avg−1 members). */
  membershipsPerUser: number
  images: number
  environments: number
}

/** The facility of issue 10; BENCH_SCALE (e.g. 0.1) shrinks it for quick runs. */
export function facilitySize(scale = Number(process.env.BENCH_SCALE ?? 1)): FacilitySize {
  const scaled = (count: number, minimum: number) => Math.max(minimum, Math.round(count * scale))
  return {
    users: scaled(10_000, 200),
    experiments: scaled(100_000, 1000),
    membershipsPerUser: 20,
    images: 50,
    environments: scaled(2000, 100),
  }
}

/** Who the benchmarks act as, picked from the seeded data. */
export type SeededFacility = {
  size: FacilitySize
  rows: Record<string, number>
  /** Seconds spent inserting, per table. */
  insertSeconds: Record<string, number>
  seconds: number
  admin: { id: number; username: string }
  /** A scientist with about `membershipsPerUser` experiments and a few environments. */
  scientist: {
    id: number
    username: string
    experiments: number
    environments: number
    /** A word in the titles of some (not all) of the scientist's experiments. */
    searchTerm: string
  }
  /** Enabled scientists holding no environment at all: room for new requisitions. */
  idleScientists: { id: number; username: string }[]
  /** The password of every seeded local account. */
  localPassword: string
}

const SEED = 20_261_123
const BATCH_ROWS = 2000
const HOUR = 3_600_000
const DAY = 24 * HOUR
const GIB = 2 ** 30

// As app/models/user.ts declares User.accessTokens (importing the model needs a booted app).
const TOKEN_PREFIX = 'fp_'
const TOKEN_TYPE = 'personal_token'
const TOKEN_SECRET_LENGTH = 40

const INSTRUMENTS = [
  'BioMAX',
  'NanoMAX',
  'CoSAXS',
  'Balder',
  'FemtoMAX',
  'HIPPIE',
  'SPECIES',
  'FlexPES',
  'MAXPEEM',
  'Bloch',
  'DanMAX',
  'SoftiMAX',
  'ForMAX',
  'MicroMAX',
  'VERITAS',
  'FinEstBeAMS',
  'ID11',
  'ID19',
  'BM29',
  'ID23',
]
const TECHNIQUES = [
  'Serial crystallography',
  'Small-angle scattering',
  'Powder diffraction',
  'Ptychography',
  'X-ray tomography',
  'XANES spectroscopy',
  'EXAFS',
  'Photoemission',
  'Coherent imaging',
  'Time-resolved diffraction',
  'Resonant inelastic scattering',
  'Grazing-incidence scattering',
]
const SUBJECTS = [
  'perovskite thin films',
  'lithium-ion cathodes',
  'membrane proteins',
  'metal-organic frameworks',
  'cellulose nanofibres',
  'zeolite catalysts',
  'high-entropy alloys',
  'protein–ligand complexes',
  'solid electrolytes',
  'magnetic skyrmions',
  'bone mineralisation',
  'battery interphases',
  'ice nucleation',
  'archaeological pigments',
  'quantum dots',
  'polymer blends',
]
const CONDITIONS = [
  'under operando conditions',
  'at cryogenic temperature',
  'in situ',
  'under high pressure',
  'during annealing',
  'in liquid flow cells',
  'at the nanoscale',
  'across phase transitions',
]
const IMAGE_FAMILIES = [
  { name: 'jupyter', protocol: 'http', port: 8888 },
  { name: 'xfce-desktop', protocol: 'vnc', port: 5901 },
  { name: 'windows-analysis', protocol: 'rdp', port: 3389 },
  { name: 'shell', protocol: 'ssh', port: 22 },
  { name: 'rstudio', protocol: 'http', port: 8787 },
  { name: 'dials', protocol: 'vnc', port: 5901 },
  { name: 'tomopy', protocol: 'http', port: 8888 },
  { name: 'mantid', protocol: 'vnc', port: 5901 },
  { name: 'pymca', protocol: 'vnc', port: 5901 },
  { name: 'matlab', protocol: 'rdp', port: 3389 },
] as const
const FAILURES = [
  'The engine refused the container: image not found',
  'Its service did not answer within 120 s',
  'The session data cannot be mounted (E_MOUNT_NOT_FOUND)',
  'The engine did not answer within 30 s',
]

/** Mulberry32: small, fast and deterministic; `faker` gets its own seed. */
function generator(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(values: readonly T[]) => values[Math.floor(next() * values.length)],
    chance: (probability: number) => next() < probability,
  }
}

type Random = ReturnType<typeof generator>
type Row = unknown[]

/** A connection to the bench database named by the DB_* variables bench/run.sh exports. */
export function connectBenchDatabase() {
  return mysql.createConnection({
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 3306),
    user: process.env.DB_USER ?? 'root',
    password: process.env.DB_PASSWORD ?? '',
    database: process.env.DB_DATABASE ?? 'portal_bench',
    charset: 'utf8mb4',
    // As config/database.ts: every DATETIME is UTC.
    timezone: 'Z',
  })
}

/** Inserts rows in multi-row statements of BATCH_ROWS, all in one transaction. */
async function insertAll(db: mysql.Connection, table: string, columns: string[], rows: Row[]) {
  await db.beginTransaction()
  try {
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      await db.query('INSERT INTO ?? (??) VALUES ?', [
        table,
        columns,
        rows.slice(start, start + BATCH_ROWS),
      ])
    }
    await db.commit()
  } catch (error) {
    await db.rollback()
    throw error
  }
  return rows.length
}

/** ASCII user names from a person's name; collisions get a number. */
function usernameFor(first: string, last: string, taken: Set<string>) {
  const base = `${first}.${last}`
    .normalize('NFD')
    .replace(/[^A-Za-z.]/g, '')
    .toLowerCase()
  let username = base
  for (let suffix = 2; taken.has(username); suffix++) {
    username = `${base}${suffix}`
  }
  taken.add(username)
  return username
}

/** One environment's events: the provisioner's steps up to its current state. */
function eventsFor(state: string, image: string, failure: string, random: Random) {
  const steps: [string, string, string | null][] = [
    ['quota', 'Quota reserved', 'provisioning'],
    ['image', `Checking image ${image}`, null],
  ]
  if (state === 'provisioning') {
    return steps
  }
  if (state === 'failed') {
    return [...steps, ['failed', failure, 'failed'] as [string, string, string]]
  }
  steps.push(
    ['image', `Image ${image} is available`, null],
    ['started', 'Container started', null],
    ['started', 'Started; waiting for its service to answer', null],
    ['reachable', 'Its service answers', null],
    ['running', 'Ready', 'running']
  )
  const stoppedOnce = state === 'stopping' || state === 'stopped' || random.chance(0.3)
  if (stoppedOnce && state !== 'running') {
    steps.push(['stopping', 'Stopping', 'stopping'])
    if (state !== 'stopping') {
      steps.push(['stopped', 'Stopped', 'stopped'])
    }
  }
  if (state === 'removing' || state === 'removed') {
    steps.push(['removing', 'Removing', 'removing'])
  }
  if (state === 'removed') {
    steps.push(['removed', 'Removed', 'removed'])
  }
  return steps
}

/** Where environments are, as in a facility that has run for a while. */
const STATE_SHARES: [string, number][] = [
  ['removed', 0.5],
  ['running', 0.2],
  ['stopped', 0.12],
  ['failed', 0.1],
  ['removing', 0.03],
  ['provisioning', 0.03],
  ['stopping', 0.02],
]

const LIVE = new Set(['provisioning', 'running', 'stopping', 'stopped', 'removing'])

/**
 * Fills an empty, migrated portal database. Refuses a database that
 * already holds users.
 */
export async function seedFacility(
  db: mysql.Connection,
  options: { appKey: string; size?: FacilitySize }
): Promise<SeededFacility> {
  const size = options.size ?? facilitySize()
  const startedAt = performance.now()
  const [[existing]] = (await db.query('SELECT COUNT(*) AS count FROM users')) as any
  if (Number(existing.count) > 0) {
    throw new Error('seedFacility needs an empty database (bench/run.sh recreates it)')
  }

  const random = generator(SEED)
  faker.seed(SEED)
  const now = Math.floor(Date.now() / 1000) * 1000
  const at = (offset: number) => new Date(now + offset)
  const rows: Record<string, number> = {}
  const insertSeconds: Record<string, number> = {}
  const localPassword = 'bench-local-password-123'
  const localHash = await new Scrypt({}).make(localPassword)
  const encryption = new Encryption({
    driver: (key) => new AES256GCM({ id: 'gcm', key }),
    keys: [options.appKey],
  })

  // Users: mostly User Office accounts, some SAML and local ones, a few disabled, 0.2 % admins.
  const taken = new Set<string>()
  const users: Row[] = []
  const roles: Row[] = []
  const kind: { username: string; admin: boolean; disabled: boolean; local: boolean }[] = [
    {} as never,
  ]
  for (let id = 1; id <= size.users; id++) {
    const first = faker.person.firstName()
    const last = faker.person.lastName()
    const username = id === 1 ? 'facility-admin' : usernameFor(first, last, taken)
    const roll = random.next()
    const provider = id === 1 || roll >= 0.95 ? 'local' : roll < 0.85 ? 'useroffice' : 'saml'
    const disabled = id > 1 && random.chance(0.01)
    const admin = id === 1 || random.chance(0.002)
    const created = at(-random.int(30, 3000) * DAY)
    users.push([
      id,
      username,
      faker.internet.email({ firstName: first, lastName: last }).toLowerCase(),
      `${first} ${last}`,
      provider,
      provider === 'useroffice'
        ? username
        : provider === 'saml'
          ? faker.string.hexadecimal({ length: 40, casing: 'lower', prefix: '' })
          : null,
      provider === 'local' ? localHash : null,
      disabled,
      random.chance(0.8) ? at(-random.int(0, 365 * DAY)) : null,
      provider === 'useroffice' ? at(-random.int(0, 7 * DAY)) : null,
      created,
      created,
    ])
    roles.push([id, 'scientist', 'manual'])
    if (admin) {
      roles.push([id, 'admin', 'manual'])
    }
    kind.push({ username, admin, disabled, local: provider === 'local' })
  }
  const timed = async (table: string, columns: string[], data: Row[]) => {
    const begin = performance.now()
    rows[table] = (rows[table] ?? 0) + (await insertAll(db, table, columns, data))
    insertSeconds[table] = (insertSeconds[table] ?? 0) + (performance.now() - begin) / 1000
  }
  await timed(
    'users',
    [
      'id',
      'username',
      'email',
      'display_name',
      'provider',
      'external_id',
      'password',
      'disabled',
      'last_login_at',
      'experiments_synced_at',
      'created_at',
      'updated_at',
    ],
    users
  )
  await timed('user_roles', ['user_id', 'role', 'source'], roles)

  // Experiments with 1–3 sessions each and 1 … 2×avg−1 members, in slices to bound memory.
  const averageMembers = (size.membershipsPerUser * size.users) / size.experiments
  const maxMembers = Math.max(1, Math.round(2 * averageMembers - 1))
  const membershipsOf: number[][] = Array.from({ length: size.users + 1 }, () => [])
  const titleOf = new Map<number, string>()
  let sessionId = 0
  const sessionsOf = new Map<number, number[]>()
  const SLICE = 20_000
  for (let first = 1; first <= size.experiments; first += SLICE) {
    const experiments: Row[] = []
    const sessions: Row[] = []
    const members: Row[] = []
    for (let id = first; id < Math.min(first + SLICE, size.experiments + 1); id++) {
      const instrument = random.pick(INSTRUMENTS)
      const title = `${random.pick(TECHNIQUES)} of ${random.pick(SUBJECTS)} ${random.pick(CONDITIONS)}`
      const base = now + random.int(-3650, 365) * DAY
      const year = new Date(base).getUTCFullYear()
      const proposalId = `${year}${String(id).padStart(6, '0')}`
      const local = random.chance(0.05)
      const source = local ? 'local' : 'useroffice'
      const hasPosix = random.chance(0.6)
      const created = new Date(Math.min(base - random.int(30, 200) * DAY, now))
      const sessionCount = random.int(1, 3)
      let start = base
      const ids: number[] = []
      for (let number = 1; number <= sessionCount; number++) {
        const ends = start + random.int(1, 6) * DAY
        const hostPath = `/data/visitors/${instrument.toLowerCase()}/${proposalId}/${number}/raw`
        sessionId++
        ids.push(sessionId)
        sessions.push([
          sessionId,
          id,
          String(number),
          `${instrument} beamtime ${number}`,
          random.chance(0.3) ? faker.lorem.sentence() : null,
          new Date(start),
          new Date(ends),
          // The contract's shape: the bind is a sub-path of the ro container root (/data).
          JSON.stringify({ [hostPath]: { bind: `/${proposalId}`, mode: 'ro' } }),
          // Without the portal's rules key: a detail view rechecks it (session_mounts.ts).
          JSON.stringify({
            mounts: [{ hostPath, containerPath: `/data/${proposalId}`, mode: 'ro' }],
            errors: [],
            launchable: true,
          }),
          created,
          created,
        ])
        start = ends + random.int(7, 90) * DAY
      }
      sessionsOf.set(id, ids)
      experiments.push([
        id,
        proposalId,
        title,
        faker.lorem.paragraph({ min: 2, max: 5 }),
        instrument,
        hasPosix ? 200_000 + id : null,
        hasPosix ? 300_000 + id : null,
        source,
        new Date(base),
        local ? null : at(-random.int(0, 7 * DAY)),
        created,
        created,
      ])
      titleOf.set(id, title)
      const chosen = new Set<number>()
      const count = random.int(1, maxMembers)
      while (chosen.size < Math.min(count, size.users)) {
        chosen.add(random.int(1, size.users))
      }
      for (const userId of chosen) {
        members.push([id, userId, 'member', random.chance(0.05), source, created, created])
        membershipsOf[userId].push(id)
      }
    }
    await timed(
      'experiments',
      [
        'id',
        'proposal_id',
        'title',
        'abstract',
        'instrument',
        'posix_uid',
        'posix_gid',
        'source',
        'starts_at',
        'last_synced_at',
        'created_at',
        'updated_at',
      ],
      experiments
    )
    await timed(
      'experiment_sessions',
      [
        'id',
        'experiment_id',
        'session_number',
        'title',
        'description',
        'starts_at',
        'ends_at',
        'data_set_path',
        'mounts',
        'created_at',
        'updated_at',
      ],
      sessions
    )
    await timed(
      'experiment_members',
      ['experiment_id', 'user_id', 'role', 'favorite', 'source', 'created_at', 'updated_at'],
      members
    )
  }

  // The image catalogue: families × versions; a few need a GPU, some are retired.
  const images: Row[] = []
  const imageInfo: {
    reference: string
    driver: string
    cpu: number
    memory: number
    storage: number
    gpus: number
    enabled: boolean
    requiresExperiment: boolean
  }[] = [{} as never]
  for (let id = 1; id <= size.images; id++) {
    const family = IMAGE_FAMILIES[(id - 1) % IMAGE_FAMILIES.length]
    const version = `202${Math.floor((id - 1) / IMAGE_FAMILIES.length)}.${random.int(1, 4)}`
    const reference = `registry.facility.example/analysis/${family.name}:${version}`
    const driver = random.chance(0.3) ? 'kubernetes' : 'docker'
    const cpu = random.pick([500, 1000, 2000, 4000])
    const memory = random.pick([2, 4, 8, 12]) * GIB
    const storage = random.pick([0, 0, 5, 10]) * GIB
    const gpus = id % 17 === 0 ? 1 : 0
    const enabled = id % 11 !== 0
    const requiresExperiment = family.name !== 'shell' && random.chance(0.8)
    imageInfo.push({ reference, driver, cpu, memory, storage, gpus, enabled, requiresExperiment })
    const created = at(-random.int(60, 900) * DAY)
    images.push([
      id,
      `${family.name}-${version}`,
      `${family.name} analysis environment, release ${version}`,
      reference,
      driver,
      family.protocol,
      family.port,
      cpu,
      memory,
      storage,
      gpus,
      JSON.stringify(family.name === 'jupyter' ? { JUPYTER_ENABLE_LAB: 'yes' } : {}),
      null,
      requiresExperiment,
      enabled,
      JSON.stringify(gpus ? ['admin'] : ['scientist']),
      random.chance(0.2) ? 24 : null,
      created,
      created,
    ])
  }
  await timed(
    'images',
    [
      'id',
      'name',
      'description',
      'reference',
      'driver',
      'protocol',
      'port',
      'cpu_millicores',
      'memory_bytes',
      'storage_bytes',
      'gpus',
      'environment',
      'command',
      'requires_experiment',
      'enabled',
      'allowed_roles',
      'lifetime_hours',
      'created_at',
      'updated_at',
    ],
    images
  )

  // The scientist the HTTP benchmark acts as: enabled, not an admin, with the average count; a
  // local account, so that a browser can sign in as them with a password (bench_routes.ts).
  let scientistId = 0
  for (let id = 2; id <= size.users; id++) {
    if (kind[id].admin || kind[id].disabled || !kind[id].local) {
      continue
    }
    const distance = Math.abs(membershipsOf[id].length - size.membershipsPerUser)
    const best = Math.abs(membershipsOf[scientistId]?.length - size.membershipsPerUser)
    if (!scientistId || distance < best) {
      scientistId = id
    }
    if (distance === 0) {
      break
    }
  }

  // Environments: each owner holds at most two live ones (well inside the default quota), and
  // GPU images (admins only) have no live environment (the default quota has no GPU).
  const environments: Row[] = []
  const events: Row[] = []
  const liveCount = new Map<number, number>()
  const owners = new Set<number>()
  let eventId = 0
  for (let id = 1; id <= size.environments; id++) {
    let roll = random.next()
    let state = STATE_SHARES[STATE_SHARES.length - 1][0]
    for (const [name, share] of STATE_SHARES) {
      if (roll < share) {
        state = name
        break
      }
      roll -= share
    }
    // The scientist gets the first six: a list with something in it.
    let userId = id <= 6 ? scientistId : random.int(2, size.users)
    while (
      (LIVE.has(state) && (liveCount.get(userId) ?? 0) >= 2) ||
      membershipsOf[userId].length === 0
    ) {
      userId = random.int(2, size.users)
    }
    let imageId = random.int(1, size.images)
    while (LIVE.has(state) && (imageInfo[imageId].gpus > 0 || !imageInfo[imageId].enabled)) {
      imageId = random.int(1, size.images)
    }
    const image = imageInfo[imageId]
    if (LIVE.has(state)) {
      liveCount.set(userId, (liveCount.get(userId) ?? 0) + 1)
    }
    owners.add(userId)
    const experimentId =
      image.requiresExperiment || random.chance(0.3) ? random.pick(membershipsOf[userId]) : null
    const sessionChoices = experimentId ? sessionsOf.get(experimentId)! : []
    const session = experimentId && random.chance(0.7) ? random.pick(sessionChoices) : null
    // Live ones are recent (within their 72 h lifetime); settled ones spread over 90 days.
    const createdOffset = LIVE.has(state)
      ? -random.int(60_000, 60 * HOUR)
      : -random.int(3 * DAY, 90 * DAY)
    const created = now + createdOffset
    const steps = eventsFor(state, image.reference, random.pick(FAILURES), random)
    let moment = created
    for (const [step, message, entered] of steps) {
      eventId++
      events.push([eventId, id, step, message, entered, new Date(moment)])
      moment += state === 'removed' && entered === 'running' ? random.int(HOUR, 2 * DAY) : 400
    }
    const reachedEngine = state !== 'provisioning' && state !== 'failed'
    environments.push([
      id,
      userId,
      imageId,
      experimentId,
      session,
      `${faker.word.adjective()}-${faker.word.noun()}`.slice(0, 100),
      image.driver,
      state,
      state === 'failed' ? steps[steps.length - 1][1] : null,
      reachedEngine ? faker.string.hexadecimal({ length: 64, casing: 'lower', prefix: '' }) : null,
      reachedEngine ? '127.0.0.1' : null,
      reachedEngine ? random.int(20_000, 60_000) : null,
      encryption.encrypt(faker.string.alphanumeric(32)),
      image.cpu,
      image.memory,
      image.storage,
      image.gpus,
      new Date(LIVE.has(state) ? created + 72 * HOUR : created + 24 * HOUR),
      new Date(created),
      new Date(moment),
    ])
  }
  await timed(
    'environments',
    [
      'id',
      'user_id',
      'image_id',
      'experiment_id',
      'session_id',
      'name',
      'driver',
      'state',
      'failure_reason',
      'engine_id',
      'endpoint_host',
      'endpoint_port',
      'secret',
      'cpu_millicores',
      'memory_bytes',
      'storage_bytes',
      'gpus',
      'expires_at',
      'created_at',
      'updated_at',
    ],
    environments
  )
  await timed(
    'environment_events',
    ['id', 'environment_id', 'step', 'message', 'state', 'occurred_at'],
    events
  )

  // A handful of admins' quota overrides (generous users), as a running facility has.
  const quotas: Row[] = []
  for (let userId = 50; userId <= size.users && quotas.length < 50; userId += 97) {
    quotas.push([userId, 8, 16_000, 64 * GIB, 200 * GIB, 0, at(-DAY), at(-DAY)])
  }
  await timed(
    'user_quotas',
    [
      'user_id',
      'environments',
      'cpu_millicores',
      'memory_bytes',
      'storage_bytes',
      'gpus',
      'created_at',
      'updated_at',
    ],
    quotas
  )

  const scientistTitles = membershipsOf[scientistId].map((id) => titleOf.get(id)!)
  const searchTerm =
    SUBJECTS.flatMap((subject) => subject.split(' ')).find((word) => {
      const hits = scientistTitles.filter((title) => title.includes(word)).length
      return word.length > 4 && hits > 0 && hits < scientistTitles.length
    }) ?? scientistTitles[0].split(' ')[0]
  const idleScientists = []
  for (let id = 2; id <= size.users; id++) {
    if (!kind[id].admin && !kind[id].disabled && !owners.has(id) && id !== scientistId) {
      idleScientists.push({ id, username: kind[id].username })
    }
  }

  return {
    size,
    rows,
    insertSeconds,
    seconds: (performance.now() - startedAt) / 1000,
    admin: { id: 1, username: kind[1].username },
    scientist: {
      id: scientistId,
      username: kind[scientistId].username,
      experiments: membershipsOf[scientistId].length,
      environments: environments.filter((row) => row[1] === scientistId && row[7] !== 'removed')
        .length,
      searchTerm,
    },
    idleScientists,
    localPassword,
  }
}

/**
 * A personal API token for the user, in the format and table
 * `User.accessTokens.create` uses, without booting the app.
 */
export async function mintToken(db: mysql.Connection, userId: number, name = 'bench') {
  const transient = AccessToken.createTransientToken(userId, TOKEN_SECRET_LENGTH, '1 day')
  const now = new Date()
  const [result] = (await db.query('INSERT INTO auth_access_tokens SET ?', {
    tokenable_id: userId,
    type: TOKEN_TYPE,
    name,
    hash: transient.hash,
    abilities: JSON.stringify(['user', 'admin']),
    created_at: now,
    updated_at: now,
    last_used_at: null,
    expires_at: transient.expiresAt ?? null,
  })) as any
  const token = new AccessToken({
    identifier: result.insertId,
    tokenableId: userId,
    type: TOKEN_TYPE,
    prefix: TOKEN_PREFIX,
    secret: transient.secret,
    name,
    hash: transient.hash,
    createdAt: now,
    updatedAt: now,
    lastUsedAt: null,
    expiresAt: transient.expiresAt ?? null,
  })
  return token.value!.release()
}

/** The seeding summary as printed lines. */
export function describeFacility(facility: SeededFacility) {
  const counts = Object.entries(facility.rows)
    .map(
      ([table, count]) =>
        `${table} ${count.toLocaleString('en')} (${facility.insertSeconds[table].toFixed(1)} s)`
    )
    .join(', ')
  return [
    `seeded in ${facility.seconds.toFixed(1)} s: ${counts}`,
    `scientist ${facility.scientist.username} (id ${facility.scientist.id}): ${facility.scientist.experiments} experiments, ${facility.scientist.environments} environments not removed; search term "${facility.scientist.searchTerm}"`,
  ]
}
