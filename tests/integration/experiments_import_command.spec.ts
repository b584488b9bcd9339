import { mkdir, realpath, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { appKey } from '#config/app'
import AuditEvent from '#models/audit_event'
import Experiment from '#models/experiment'
import ExperimentSession from '#models/experiment_session'
import { aceInProcess, commandOutput as output } from '#tests/helpers/ace_in_process'
import { runAce, scratchDir } from '#tests/helpers/portal_process'
import { testDatabaseEnv } from '#tests/helpers/replica_env'
import { ExperimentFactory } from '#database/factories/experiment_factory'
import { UserFactory } from '#database/factories/user_factory'

type Cleanup = (fn: () => void | Promise<void>) => void

/** A CSV line from cells, quoted as RFC 4180 says when needed. */
function csvLine(cells: string[]) {
  return cells
    .map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell))
    .join(',')
}

function csv(rows: string[][]) {
  return rows.map(csvLine).join('\r\n') + '\r\n'
}

/**
 * The commands run in this process (tests/helpers/ace_in_process.ts), on
 * the run's MySQL database: every test names its proposals, users and
 * folders after itself and deletes them afterwards.
 */
function ace(name: string, ...args: string[]) {
  return aceInProcess(name, args)
}

/** A folder for the test's CSV files, and a prefix unique to the test. */
async function workspace(cleanup: Cleanup) {
  const dir = await scratchDir('import')
  cleanup(() => rm(dir, { recursive: true, force: true }))
  return { dir, tag: `imp${Date.now()}${Math.floor(Math.random() * 1000)}` }
}

/** Deletes the experiments (their sessions and members with them) and users a test made. */
function forget(cleanup: Cleanup, proposalIds: string[], usernames: string[] = []) {
  cleanup(async () => {
    await db.from('experiments').whereIn('proposal_id', proposalIds).delete()
    await db.from('users').whereIn('username', usernames).delete()
  })
}

/** The id of the newest audit event: the events a command writes come after it. */
async function auditMark() {
  const row = await db.from('audit_events').max('id as id').first()
  return Number(row?.id ?? 0)
}

/** The experiment audit events written after `mark`. */
function experimentEventsSince(mark: number) {
  return AuditEvent.query()
    .where('id', '>', mark)
    .where('action', 'like', 'experiment%')
    .orderBy('id', 'asc')
}

test.group('ace experiments:import*', (group) => {
  group.each.timeout(120_000)

  test('imports experiments, sessions and members from CSV, idempotently', async ({
    assert,
    cleanup,
  }) => {
    const { dir, tag } = await workspace(cleanup)
    const proposal = (number: number) => `${tag}-${number}`
    const alice = `${tag}alice`
    const ghost = `${tag}ghost`
    forget(cleanup, [100, 200, 300, 400, 999].map(proposal), [alice])
    const { datasetsRoot } = app.config.get<{ datasetsRoot: string }>('experiments.mountPolicy')
    await mkdir(join(datasetsRoot, tag, 'raw'), { recursive: true })
    cleanup(() => rm(join(datasetsRoot, tag), { recursive: true, force: true }))
    const dataset = await realpath(join(datasetsRoot, tag, 'raw'))

    // Experiments: a quoted title with a comma, an abstract with a newline and
    // quotes (lines 2-3), a row with the optional fields empty, and two bad
    // rows (lines 5 and 6).
    const experimentsFile = join(dir, 'experiments.csv')
    await writeFile(
      experimentsFile,
      csv([
        ['proposal_id', 'title', 'abstract', 'instrument', 'posix_uid', 'posix_gid'],
        [proposal(100), 'Crystals, big ones', 'Line one\nline "two"', 'I11', '40001', '40002'],
        [proposal(200), 'Bare', '', '', '', ''],
        [proposal(300), '', 'no title', '', '', ''],
        [proposal(400), 'Root-owned', '', '', '0', '0'],
      ])
    )
    const mark = await auditMark()
    const first = await ace('experiments:import', experimentsFile)
    assert.equal(first.code, 1, output(first))
    assert.match(output(first), /line 5: [^\n]*title/)
    assert.match(output(first), /line 6: [^\n]*posix_uid/)
    assert.include(first.stdout, 'created 2, updated 0, unchanged 0, failed 2')

    // Sessions: an unknown proposal (line 5) and an end before the start (line 4).
    const sessionsFile = join(dir, 'sessions.csv')
    await writeFile(
      sessionsFile,
      csv([
        [
          'proposal_id',
          'session_number',
          'title',
          'description',
          'starts_at',
          'ends_at',
          'data_set_path',
        ],
        [
          proposal(100),
          'S1',
          'First beamtime',
          'Powder, fine',
          '2025-03-01T10:00:00+02:00',
          '2025-03-02T10:00:00Z',
          JSON.stringify({ [dataset]: { bind: '/raw', mode: 'ro' } }),
        ],
        [
          proposal(100),
          'S2',
          '',
          '',
          '2025-01-15T08:00:00Z',
          '',
          JSON.stringify({ '/etc': { bind: '/etc', mode: 'ro' } }),
        ],
        [proposal(100), 'S3', '', '', '2025-04-02T00:00:00Z', '2025-04-01T00:00:00Z', ''],
        [proposal(999), 'S1', '', '', '', '', ''],
      ])
    )
    const sessions = await ace('experiments:import-sessions', sessionsFile)
    assert.equal(sessions.code, 1, output(sessions))
    assert.match(output(sessions), /line 4: [^\n]*ends_at/)
    assert.match(output(sessions), new RegExp(`line 5: [^\\n]*${proposal(999)}[^\\n]*not found`))
    assert.include(sessions.stdout, 'created 2, updated 0, unchanged 0, failed 2')

    // Members: the user must exist; the ghost does not (line 3).
    const user = await ace('user:create', alice, '--password=a-long-enough-password')
    assert.equal(user.code, 0, output(user))
    const membersFile = join(dir, 'members.csv')
    await writeFile(
      membersFile,
      csv([
        ['proposal_id', 'username', 'role'],
        [proposal(100), alice, ''],
        [proposal(100), ghost, 'member'],
        [proposal(200), alice, 'PI'],
      ])
    )
    const members = await ace('experiments:import-members', membersFile)
    assert.equal(members.code, 1, output(members))
    assert.match(output(members), new RegExp(`line 3: [^\\n]*${ghost}[^\\n]*not found`))
    assert.include(members.stdout, 'created 2, updated 0, unchanged 0, failed 1')

    const experiments = await Experiment.query()
      .whereIn('proposal_id', [100, 200, 300, 400].map(proposal))
      .orderBy('proposal_id')
    assert.deepEqual(
      experiments.map((row) => row.proposalId),
      [proposal(100), proposal(200)]
    )
    const stored = (experiment: Experiment) => ({
      title: experiment.title,
      abstract: experiment.abstract,
      instrument: experiment.instrument,
      posixUid: experiment.posixUid,
      posixGid: experiment.posixGid,
      source: experiment.source,
      startsAt: experiment.startsAt?.toUTC().toISO() ?? null,
    })
    assert.containsSubset(stored(experiments[0]), {
      title: 'Crystals, big ones',
      abstract: 'Line one\nline "two"',
      instrument: 'I11',
      posixUid: 40001,
      posixGid: 40002,
      source: 'local',
      // The earliest session start, in UTC.
      startsAt: '2025-01-15T08:00:00.000Z',
    })
    assert.containsSubset(stored(experiments[1]), {
      abstract: null,
      instrument: null,
      posixUid: null,
      startsAt: null,
    })

    const storedSessions = await ExperimentSession.query()
      .whereIn(
        'experiment_id',
        experiments.map((row) => row.id)
      )
      .orderBy('session_number')
    assert.deepEqual(
      storedSessions.map((row) => row.sessionNumber),
      ['S1', 'S2']
    )
    assert.deepEqual(
      {
        title: storedSessions[0].title,
        description: storedSessions[0].description,
        startsAt: storedSessions[0].startsAt?.toUTC().toISO(),
        endsAt: storedSessions[0].endsAt?.toUTC().toISO(),
      },
      {
        title: 'First beamtime',
        description: 'Powder, fine',
        startsAt: '2025-03-01T08:00:00.000Z',
        endsAt: '2025-03-02T10:00:00.000Z',
      }
    )
    const goodMounts = storedSessions[0].mounts
    assert.isTrue(goodMounts.launchable)
    assert.deepEqual(goodMounts.mounts, [
      { hostPath: dataset, containerPath: '/data/raw', mode: 'ro' },
    ])
    const badMounts = storedSessions[1].mounts
    assert.isFalse(badMounts.launchable)
    assert.equal(badMounts.errors[0].code, 'E_MOUNT_OUTSIDE_ROOT')

    const storedMembers = await db
      .from('experiment_members as m')
      .join('experiments as e', 'e.id', 'm.experiment_id')
      .join('users as u', 'u.id', 'm.user_id')
      .whereIn(
        'e.id',
        experiments.map((row) => row.id)
      )
      .orderBy('e.proposal_id')
      .select('e.proposal_id', 'u.username', 'm.role', 'm.source')
    assert.deepEqual(
      storedMembers.map((row) => ({ ...row })),
      [
        { proposal_id: proposal(100), username: alice, role: 'member', source: 'local' },
        { proposal_id: proposal(200), username: alice, role: 'PI', source: 'local' },
      ]
    )

    const audited = await experimentEventsSince(mark)
    const counted = new Map<string, number>()
    for (const event of audited) {
      counted.set(event.action, (counted.get(event.action) ?? 0) + 1)
    }
    assert.deepEqual(Object.fromEntries(counted), {
      'experiment.create': 2,
      'experiment_session.upsert': 2,
      'experiment_member.add': 2,
    })

    // A second run of the same files changes nothing.
    const before = await auditMark()
    for (const [command, file, failed] of [
      ['experiments:import', experimentsFile, 2],
      ['experiments:import-sessions', sessionsFile, 2],
      ['experiments:import-members', membersFile, 1],
    ] as const) {
      const again = await ace(command, file)
      assert.equal(again.code, 1, output(again))
      assert.include(again.stdout, `created 0, updated 0, unchanged 2, failed ${failed}`)
    }
    assert.lengthOf(await experimentEventsSince(before), 0)
  })

  test('a clean file exits 0, and a change is reported as updated', async ({ assert, cleanup }) => {
    const { dir, tag } = await workspace(cleanup)
    const [one, two] = [`${tag}-1`, `${tag}-2`]
    forget(cleanup, [one, two])
    const file = join(dir, 'experiments.csv')

    await writeFile(
      file,
      `proposal_id,title,abstract,instrument,posix_uid,posix_gid\n${one},One,,,,\n`
    )
    const created = await ace('experiments:import', file)
    assert.equal(created.code, 0, output(created))
    assert.include(created.stdout, 'created 1, updated 0, unchanged 0, failed 0')

    // Columns in another order, with a byte order mark, and a new title.
    await writeFile(
      file,
      `\uFEFFtitle,proposal_id,abstract,instrument,posix_uid,posix_gid\nUno,${one},,,,\n`
    )
    const updated = await ace('experiments:import', file)
    assert.equal(updated.code, 0, output(updated))
    assert.include(updated.stdout, 'created 0, updated 1, unchanged 0, failed 0')

    await writeFile(file, `proposal_id,title\n${two},Two\n`)
    const wrongHeader = await ace('experiments:import', file)
    assert.equal(wrongHeader.code, 1)
    assert.include(output(wrongHeader), 'missing column(s): abstract')

    const missing = await ace('experiments:import', join(dir, 'nope.csv'))
    assert.equal(missing.code, 1)
    assert.include(output(missing), 'cannot read')

    const experiments = await Experiment.query().whereIn('proposal_id', [one, two])
    assert.deepEqual(
      experiments.map((row) => ({ proposalId: row.proposalId, title: row.title })),
      [{ proposalId: one, title: 'Uno' }]
    )
  })

  test('members are named by user_id, or by a username the portal or the User Office gave, never by one an IdP asserted', async ({
    assert,
    cleanup,
  }) => {
    const { dir, tag } = await workspace(cleanup)
    const proposalId = `${tag}-1`
    const staff = `${tag}staff`
    const facility = `${tag}uo`
    // A federated account whose IdP asserted the name the import means for someone else.
    const squatted = `${tag}squat`
    forget(cleanup, [proposalId], [staff, facility, squatted])
    await ExperimentFactory.merge({ proposalId, title: 'Members by id', source: 'local' }).create()
    const [staffUser, facilityUser, federatedUser] = await Promise.all([
      UserFactory.merge({
        username: staff,
        provider: 'local',
        password: 'x'.repeat(20),
        disabled: false,
        email: null,
        displayName: null,
        externalId: null,
      }).create(),
      UserFactory.merge({
        username: facility,
        provider: 'useroffice',
        externalId: facility,
        disabled: false,
        email: null,
        displayName: null,
        password: null,
      }).create(),
      UserFactory.merge({
        username: squatted,
        provider: 'saml',
        externalId: `eaa-${tag}`,
        disabled: false,
        email: null,
        displayName: null,
        password: null,
      }).create(),
    ])

    const byName = join(dir, 'members.csv')
    await writeFile(
      byName,
      csv([
        ['proposal_id', 'username', 'role'],
        [proposalId, staff, ''],
        [proposalId, facility, 'PI'],
        [proposalId, squatted, ''],
      ])
    )
    const named = await ace('experiments:import-members', byName)
    assert.equal(named.code, 1, output(named))
    assert.match(output(named), new RegExp(`line 4: [^\\n]*${squatted}[^\\n]*user_id`))
    assert.include(named.stdout, 'created 2, updated 0, unchanged 0, failed 1')

    // The federated account, named by its portal id (the admin API's key too).
    const byId = join(dir, 'members-by-id.csv')
    await writeFile(
      byId,
      csv([
        ['proposal_id', 'user_id', 'role'],
        [proposalId, String(federatedUser.id), 'member'],
        [proposalId, String(staffUser.id), ''],
        [proposalId, '99999999', ''],
      ])
    )
    const identified = await ace('experiments:import-members', byId)
    assert.equal(identified.code, 1, output(identified))
    assert.match(output(identified), /line 4: [^\n]*99999999[^\n]*not found/)
    assert.include(identified.stdout, 'created 1, updated 0, unchanged 1, failed 1')

    const members = await db
      .from('experiment_members')
      .join('experiments', 'experiments.id', 'experiment_members.experiment_id')
      .where('experiments.proposal_id', proposalId)
      .orderBy('experiment_members.user_id')
      .select('experiment_members.user_id', 'experiment_members.role')
    assert.deepEqual(
      members.map((row) => [Number(row.user_id), row.role]),
      [
        [staffUser.id, 'member'],
        [facilityUser.id, 'PI'],
        [federatedUser.id, 'member'],
      ].sort((a, b) => Number(a[0]) - Number(b[0]))
    )

    // Both columns, or neither: the header is refused.
    await writeFile(byId, csv([['proposal_id', 'username', 'user_id', 'role']]))
    const both = await ace('experiments:import-members', byId)
    assert.equal(both.code, 1)
    assert.include(output(both), 'exactly one of username, user_id')
  })

  /**
   * The one test with real `node ace` processes: what a script sees (the
   * summary on stdout, the error alone on stderr, the exit code).
   */
  test('as a real process: exit 0 and the summary, or exit 1 and one line on stderr', async ({
    assert,
    cleanup,
  }) => {
    const { dir, tag } = await workspace(cleanup)
    forget(cleanup, [`${tag}-1`])
    const file = join(dir, 'experiments.csv')
    await writeFile(
      file,
      `proposal_id,title,abstract,instrument,posix_uid,posix_gid\n${tag}-1,One,,,,\n`
    )
    const childEnv = { ...testDatabaseEnv(), DATA_DIR: dir, APP_KEY: appKey.release() }

    const [created, missing] = await Promise.all([
      runAce(['experiments:import', file], childEnv),
      runAce(['experiments:import', join(dir, 'nope.csv')], childEnv),
    ])
    assert.equal(created.code, 0, output(created))
    assert.include(created.stdout, 'created 1, updated 0, unchanged 0, failed 0')
    assert.equal(missing.code, 1, output(missing))
    const lines = missing.stderr.trim().split('\n')
    assert.lengthOf(lines, 1, missing.stderr)
    assert.include(lines[0], 'cannot read')
    assert.isNotNull(await Experiment.findBy('proposal_id', `${tag}-1`))
  })
})
