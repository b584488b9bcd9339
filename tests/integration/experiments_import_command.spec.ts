import { mkdir, realpath, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from '@japa/runner'
import { runAce, scratchDir } from '#tests/helpers/portal_process'

/** A CSV line from cells, quoted as RFC 4180 says when needed. */
function csvLine(cells: string[]) {
  return cells
    .map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell))
    .join(',')
}

function csv(rows: string[][]) {
  return rows.map(csvLine).join('\r\n') + '\r\n'
}

test.group('ace experiments:import*', () => {
  test('imports experiments, sessions and members from CSV, idempotently', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await realpath(await scratchDir('import'))
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const env = { DATA_DIR: dataDir, DB_CONNECTION: 'sqlite' }
    const dataset = join(dataDir, 'datasets', 'p1', 'raw')
    await mkdir(dataset, { recursive: true })
    const output = (result: { stdout: string; stderr: string }) => result.stdout + result.stderr

    const migrated = await runAce(['migration:run'], env)
    assert.equal(migrated.code, 0, output(migrated))

    // Experiments: a quoted title with a comma, an abstract with a newline and
    // quotes (lines 2-3), a row with the optional fields empty, and two bad
    // rows (lines 5 and 6).
    const experimentsFile = join(dataDir, 'experiments.csv')
    await writeFile(
      experimentsFile,
      csv([
        ['proposal_id', 'title', 'abstract', 'instrument', 'posix_uid', 'posix_gid'],
        ['P-100', 'Crystals, big ones', 'Line one\nline "two"', 'I11', '40001', '40002'],
        ['P-200', 'Bare', '', '', '', ''],
        ['P-300', '', 'no title', '', '', ''],
        ['P-400', 'Root-owned', '', '', '0', '0'],
      ])
    )
    const first = await runAce(['experiments:import', experimentsFile], env)
    assert.equal(first.code, 1, output(first))
    assert.match(output(first), /line 5: [^\n]*title/)
    assert.match(output(first), /line 6: [^\n]*posix_uid/)
    assert.include(first.stdout, 'created 2, updated 0, unchanged 0, failed 2')

    // Sessions: an unknown proposal (line 5) and an end before the start (line 4).
    const sessionsFile = join(dataDir, 'sessions.csv')
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
          'P-100',
          'S1',
          'First beamtime',
          'Powder, fine',
          '2025-03-01T10:00:00+02:00',
          '2025-03-02T10:00:00Z',
          JSON.stringify({ [dataset]: { bind: '/data/raw', mode: 'ro' } }),
        ],
        [
          'P-100',
          'S2',
          '',
          '',
          '2025-01-15T08:00:00Z',
          '',
          JSON.stringify({ '/etc': { bind: '/data/etc', mode: 'ro' } }),
        ],
        ['P-100', 'S3', '', '', '2025-04-02T00:00:00Z', '2025-04-01T00:00:00Z', ''],
        ['P-999', 'S1', '', '', '', '', ''],
      ])
    )
    const sessions = await runAce(['experiments:import-sessions', sessionsFile], env)
    assert.equal(sessions.code, 1, output(sessions))
    assert.match(output(sessions), /line 4: [^\n]*ends_at/)
    assert.match(output(sessions), /line 5: [^\n]*P-999[^\n]*not found/)
    assert.include(sessions.stdout, 'created 2, updated 0, unchanged 0, failed 2')

    // Members: the user must exist; "ghost" does not (line 3).
    const user = await runAce(['user:create', 'alice', '--password=a-long-enough-password'], env)
    assert.equal(user.code, 0, output(user))
    const membersFile = join(dataDir, 'members.csv')
    await writeFile(
      membersFile,
      csv([
        ['proposal_id', 'username', 'role'],
        ['P-100', 'alice', ''],
        ['P-100', 'ghost', 'member'],
        ['P-200', 'alice', 'PI'],
      ])
    )
    const members = await runAce(['experiments:import-members', membersFile], env)
    assert.equal(members.code, 1, output(members))
    assert.match(output(members), /line 3: [^\n]*ghost[^\n]*not found/)
    assert.include(members.stdout, 'created 2, updated 0, unchanged 0, failed 1')

    const sqlite = new Database(join(dataDir, 'portal.sqlite'), { readonly: true })
    cleanup(() => {
      sqlite.close()
    })
    const experiments = sqlite
      .prepare('select * from experiments order by proposal_id')
      .all() as any[]
    assert.deepEqual(
      experiments.map((row) => row.proposal_id),
      ['P-100', 'P-200']
    )
    assert.containsSubset(experiments[0], {
      title: 'Crystals, big ones',
      abstract: 'Line one\nline "two"',
      instrument: 'I11',
      posix_uid: 40001,
      posix_gid: 40002,
      source: 'local',
      // The earliest session start, in UTC.
      starts_at: '2025-01-15 08:00:00',
    })
    assert.containsSubset(experiments[1], {
      abstract: null,
      instrument: null,
      posix_uid: null,
      starts_at: null,
    })

    const storedSessions = sqlite
      .prepare('select * from experiment_sessions order by session_number')
      .all() as any[]
    assert.deepEqual(
      storedSessions.map((row) => row.session_number),
      ['S1', 'S2']
    )
    assert.containsSubset(storedSessions[0], {
      title: 'First beamtime',
      description: 'Powder, fine',
      starts_at: '2025-03-01 08:00:00',
      ends_at: '2025-03-02 10:00:00',
    })
    const goodMounts = JSON.parse(storedSessions[0].mounts)
    assert.isTrue(goodMounts.launchable)
    assert.deepEqual(goodMounts.mounts, [
      { hostPath: dataset, containerPath: '/data/raw', mode: 'ro' },
    ])
    const badMounts = JSON.parse(storedSessions[1].mounts)
    assert.isFalse(badMounts.launchable)
    assert.equal(badMounts.errors[0].code, 'E_MOUNT_OUTSIDE_ROOT')

    const storedMembers = sqlite
      .prepare(
        `select e.proposal_id, u.username, m.role, m.source from experiment_members m
         join experiments e on e.id = m.experiment_id join users u on u.id = m.user_id
         order by e.proposal_id`
      )
      .all()
    assert.deepEqual(storedMembers, [
      { proposal_id: 'P-100', username: 'alice', role: 'member', source: 'local' },
      { proposal_id: 'P-200', username: 'alice', role: 'PI', source: 'local' },
    ])

    const audited = sqlite
      .prepare(
        `select action, count(*) as n from audit_events where action like 'experiment%'
                group by action order by action`
      )
      .all()
    assert.deepEqual(audited, [
      { action: 'experiment.create', n: 2 },
      { action: 'experiment_member.add', n: 2 },
      { action: 'experiment_session.upsert', n: 2 },
    ])

    // A second run of the same files changes nothing.
    const counts = () =>
      sqlite.prepare('select count(*) as n, max(id) as last from audit_events').get()
    const before = counts()
    for (const [command, file, failed] of [
      ['experiments:import', experimentsFile, 2],
      ['experiments:import-sessions', sessionsFile, 2],
      ['experiments:import-members', membersFile, 1],
    ] as const) {
      const again = await runAce([command, file], env)
      assert.equal(again.code, 1, output(again))
      assert.include(again.stdout, `created 0, updated 0, unchanged 2, failed ${failed}`)
    }
    assert.deepEqual(counts(), before)
  })

  test('a clean file exits 0, and a change is reported as updated', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('import')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const env = { DATA_DIR: dataDir, DB_CONNECTION: 'sqlite' }
    await runAce(['migration:run'], env)
    const file = join(dataDir, 'experiments.csv')

    await writeFile(
      file,
      'proposal_id,title,abstract,instrument,posix_uid,posix_gid\nP-1,One,,,,\n'
    )
    const created = await runAce(['experiments:import', file], env)
    assert.equal(created.code, 0, created.stdout + created.stderr)
    assert.include(created.stdout, 'created 1, updated 0, unchanged 0, failed 0')

    // Columns in another order, with a byte order mark, and a new title.
    await writeFile(
      file,
      '\uFEFFtitle,proposal_id,abstract,instrument,posix_uid,posix_gid\nUno,P-1,,,,\n'
    )
    const updated = await runAce(['experiments:import', file], env)
    assert.equal(updated.code, 0, updated.stdout + updated.stderr)
    assert.include(updated.stdout, 'created 0, updated 1, unchanged 0, failed 0')

    await writeFile(file, 'proposal_id,title\nP-2,Two\n')
    const wrongHeader = await runAce(['experiments:import', file], env)
    assert.equal(wrongHeader.code, 1)
    assert.include(wrongHeader.stdout + wrongHeader.stderr, 'missing column(s): abstract')

    const missing = await runAce(['experiments:import', join(dataDir, 'nope.csv')], env)
    assert.equal(missing.code, 1)
    assert.include(missing.stdout + missing.stderr, 'cannot read')

    const sqlite = new Database(join(dataDir, 'portal.sqlite'), { readonly: true })
    cleanup(() => {
      sqlite.close()
    })
    assert.deepEqual(sqlite.prepare('select proposal_id, title from experiments').all(), [
      { proposal_id: 'P-1', title: 'Uno' },
    ])
  })
})
