import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import db from '@adonisjs/lucid/services/db'
import limiter from '@adonisjs/limiter/services/main'
import Experiment from '#models/experiment'
import type User from '#models/user'
import { createUser, FACTORY_PASSWORD, UserFactory } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { aceInProcess, commandOutput } from '#tests/helpers/ace_in_process'
import { scratchDir } from '#tests/helpers/portal_process'
import { testUserOffice } from '#tests/helpers/test_user_office'
import { OverlappingProposals } from '#tests/helpers/overlapping_proposals'
import { makeExperiments, type UoExperiment } from '#tests/helpers/user_office_server'

const BASE = '/api/v1/admin/experiments'
const MEMBERS = 4
const PROPOSALS = 12
/** Each member's proposals: a window of the pool, starting STEP after the previous member's (wrapping). */
const STEP = 3
const WINDOW = 6
const ROUNDS = 4
const PREFIX = 'CADM'

/** What an admin's request answered. */
type Answer = { call: string; status: number; code?: string; message?: string }

/**
 * An admin's writes of one experiment (the admin API, the CSV import's
 * rows, membership changes) at the moment a User Office sync writes the
 * same experiments, or others: on MySQL both take row locks and, through
 * ADR 10's and 12's triggers, their sources' count rows and the words
 * table, in different orders. Whoever loses may be told "conflict" (the
 * sync got there first) but never gets a 500, the sync still stores every
 * member's experiments, and the counts the triggers keep equal the rows.
 * These tests commit for real (concurrent transactions cannot share the
 * per-test one), so they remove what they wrote.
 */
test.group('Experiment syncs beside an admin writing the same experiments', (group) => {
  let members: User[] = []
  let overlapping = new OverlappingProposals([], WINDOW, STEP)
  let staff: User[] = []
  let adminAccount: User
  let pool: UoExperiment[] = []

  group.each.setup(async () => {
    await limiter.clear()
    testUserOffice.reset()
    members = []
    for (let index = 0; index < MEMBERS; index++) {
      members.push(
        await UserFactory.merge({
          username: `cadm${index}`,
          provider: 'useroffice',
          password: null,
        }).create()
      )
    }
    overlapping = new OverlappingProposals(members, WINDOW, STEP)
    staff = [await createUser(), await createUser()]
    adminAccount = await createUser({ roles: ['admin'] })
    return async () => {
      await db.from('experiments').where('proposal_id', 'like', `${PREFIX}%`).delete()
      await db
        .from('users')
        .whereIn(
          'id',
          [...members, ...staff, adminAccount].map((user) => user.id)
        )
        .delete()
    }
  })

  async function signInAdmin(client: ApiClient) {
    const browser = new ApiSession(client)
    ;(await browser.login(adminAccount.username, FACTORY_PASSWORD)).assertStatus(200)
    return browser
  }

  /**
   * Starts every member's sync and resolves once each has asked the User
   * Office for its experiments (its transaction comes next), with their
   * failures to come: the admin's writes then meet the syncs' transactions,
   * and the User Office's answers (1 s timeout in tests) do not wait behind
   * them on a busy machine.
   */
  async function syncsUnderWay() {
    const asked = testUserOffice.requestsTo('experiments') + MEMBERS
    const failures = overlapping.syncAllAtOnce()
    const deadline = Date.now() + 10_000
    while (testUserOffice.requestsTo('experiments') < asked && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    return { failures }
  }

  /** A request as the console sends it, answered whatever its status. */
  async function send(
    browser: ApiSession,
    method: 'PATCH' | 'PUT' | 'POST' | 'DELETE',
    url: string,
    body?: object
  ) {
    let request = browser.request(method, url)
    if (body) {
      request = request.json(body)
    }
    const response = await request
    const error = response.body()?.errors?.[0]
    return {
      call: `${method} ${url}`,
      status: response.status(),
      code: error?.code,
      message: error?.message,
    } satisfies Answer
  }

  /** Refused because the sync took the experiment over first: what the admin must be told. */
  function takenOver(answer: Answer) {
    return answer.status === 409 && /managed by the User Office/.test(answer.message ?? '')
  }

  /** `node ace experiments:import` of these rows, in this process. */
  async function importExperiments(rows: string[][]) {
    const dir = await scratchDir('cadm')
    try {
      const file = join(dir, 'experiments.csv')
      const header = 'proposal_id,title,abstract,instrument,posix_uid,posix_gid'
      await writeFile(file, [header, ...rows.map((row) => row.join(','))].join('\n') + '\n')
      const result = await aceInProcess('experiments:import', [file])
      return {
        result,
        /** The rows it rejected ("line 3: …"). */
        problems: result.stdout
          .concat(result.stderr)
          .split('\n')
          .filter((line) => /^line \d+:/.test(line.trim())),
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  async function storedExperiments() {
    const rows = await db
      .from('experiments')
      .where('proposal_id', 'like', `${PREFIX}%`)
      .select('id', 'proposal_id', 'title', 'source')
    return new Map(rows.map((row) => [row.proposal_id as string, row]))
  }

  /** "proposal/session" of every session of these experiments. */
  async function sessionsOf(proposals: string[]) {
    const rows = await db
      .from('experiment_sessions as s')
      .join('experiments as e', 'e.id', 's.experiment_id')
      .whereIn('e.proposal_id', proposals)
      .select('e.proposal_id', 's.session_number')
    return rows.map((row) => `${row.proposal_id}/${row.session_number}`)
  }

  async function memberships(users: User[]) {
    const [row] = await db
      .from('experiment_members as m')
      .join('experiments as e', 'e.id', 'm.experiment_id')
      .where('e.proposal_id', 'like', `${PREFIX}%`)
      .whereIn(
        'm.user_id',
        users.map((user) => user.id)
      )
      .count('* as total')
    return Number(row.total)
  }

  /**
   * The counts ADR 10's triggers keep equal the experiments of each source,
   * and (MySQL) the words table holds exactly the words of each experiment
   * written here.
   */
  async function assertConsistent(assert: { deepEqual: Function }, when: string) {
    const bySource = (rows: { source: string; total: unknown }[]) =>
      Object.fromEntries(
        rows.filter((row) => Number(row.total) !== 0).map((row) => [row.source, Number(row.total)])
      )
    const real = await db.from('experiments').select('source').count('* as total').groupBy('source')
    const kept = await db.from('experiment_counts').select('source', 'total')
    assert.deepEqual(bySource(kept), bySource(real), `counts, ${when}`)

    if (db.connection().dialect.name.includes('sqlite')) {
      return
    }
    const experiments = await db
      .from('experiments')
      .where('proposal_id', 'like', `${PREFIX}%`)
      .select('id', 'proposal_id', 'title', 'instrument')
    const stored = await db
      .from('experiment_words')
      .whereIn(
        'experiment_id',
        experiments.map((row) => row.id)
      )
      .select('word', 'experiment_id')
    for (const row of experiments) {
      const record = [row.proposal_id, row.title, row.instrument].filter(Boolean).join(' ')
      const expected = [...new Set(record.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].sort()
      const found = stored
        .filter((word) => Number(word.experiment_id) === Number(row.id))
        .map((word) => word.word as string)
        .sort()
      assert.deepEqual(found, expected, `words of ${row.proposal_id}, ${when}`)
    }
  }

  test('an admin edits local experiments while the sync takes them over', async ({
    client,
    assert,
  }) => {
    const admin = await signInAdmin(client)

    for (let round = 1; round <= ROUNDS; round++) {
      pool = makeExperiments(PROPOSALS, { prefix: `${PREFIX}T${round}x`, sessionsPer: 1 })
      overlapping.assign(pool)
      // Two in three proposals were first entered by hand; the User Office now lists them too.
      // The admin edits the first of each three and deletes the second.
      const drafts: Experiment[] = []
      const withdrawn: Experiment[] = []
      for (const [index, experiment] of pool.entries()) {
        if (index % 3 !== 2) {
          const draft = await Experiment.create({
            proposalId: experiment.proposal_id,
            title: `Draft ${index}`,
            source: 'local',
          })
          ;(index % 3 === 0 ? drafts : withdrawn).push(draft)
        }
      }
      const added = [`${PREFIX}T${round}new1`, `${PREFIX}T${round}new2`]

      const syncs = await syncsUnderWay()
      const [failures, answers, imported] = await Promise.all([
        syncs.failures,
        Promise.all([
          ...drafts.flatMap((draft) => [
            send(admin, 'PATCH', `${BASE}/${draft.id}`, { title: `Edited ${round}` }),
            send(admin, 'PUT', `${BASE}/${draft.id}/sessions/A1`, { title: 'Added by hand' }),
            send(admin, 'PUT', `${BASE}/${draft.id}/members/${staff[0].id}`, { role: 'support' }),
          ]),
          ...withdrawn.map((draft) => send(admin, 'DELETE', `${BASE}/${draft.id}`)),
        ]),
        importExperiments([
          ...drafts.map((draft) => [draft.proposalId, `Imported ${round}`, '', 'I11', '', '']),
          ...added.map((proposal) => [proposal, `New ${round}`, '', '', '', '']),
        ]),
      ])

      assert.deepEqual(failures, [], `syncs, round ${round}`)
      assert.deepEqual(
        answers.filter((answer) => answer.status >= 300 && !takenOver(answer)),
        [],
        `admin requests, round ${round}`
      )
      assert.isUndefined(imported.result.error, commandOutput(imported.result))
      assert.deepEqual(
        imported.problems.filter((line) => !/managed by the User Office/.test(line)),
        [],
        `import, round ${round}`
      )
      const stored = await storedExperiments()
      for (const experiment of pool) {
        assert.containsSubset(
          stored.get(experiment.proposal_id),
          { title: experiment.subject, source: 'useroffice' },
          `${experiment.proposal_id}, round ${round}`
        )
      }
      for (const proposal of added) {
        assert.containsSubset(stored.get(proposal), { title: `New ${round}`, source: 'local' })
      }
      // A session added by hand before the takeover is not the User Office's: the sync removes it.
      assert.sameMembers(
        await sessionsOf(pool.map((experiment) => experiment.proposal_id)),
        pool.map((experiment) => `${experiment.proposal_id}/1`),
        `sessions, round ${round}`
      )
      await assertConsistent(assert, `round ${round}`)
    }
    assert.equal(await memberships(members), MEMBERS * WINDOW)
  }).timeout(120_000)

  test('an admin changes memberships of shared proposals while their members sync renames', async ({
    client,
    assert,
  }) => {
    const admin = await signInAdmin(client)
    pool = makeExperiments(PROPOSALS, { prefix: `${PREFIX}M`, sessionsPer: 2 })
    overlapping.assign(pool)
    await overlapping.syncOneAfterAnother()
    const ids = [...(await storedExperiments()).values()].map((row) => Number(row.id))

    for (let round = 1; round <= ROUNDS; round++) {
      pool = pool.map((experiment) => ({
        ...experiment,
        subject: `Renamed ${round} ${experiment.proposal_id}`,
      }))
      overlapping.assign(pool)
      const adding = round % 2 === 1
      // A member given a role by hand too: the sync keeps one membership either way.
      const member = members[round % MEMBERS]
      const memberIds = ids.slice(0, 3)

      const syncs = await syncsUnderWay()
      const [failures, answers] = await Promise.all([
        syncs.failures,
        Promise.all([
          ...ids.flatMap((id) =>
            staff.map((user) =>
              adding
                ? send(admin, 'PUT', `${BASE}/${id}/members/${user.id}`, { role: 'support' })
                : send(admin, 'DELETE', `${BASE}/${id}/members/${user.id}`)
            )
          ),
          ...memberIds.map((id) =>
            send(admin, 'PUT', `${BASE}/${id}/members/${member.id}`, { role: `lead ${round}` })
          ),
        ]),
      ])

      assert.deepEqual(failures, [], `syncs, round ${round}`)
      assert.deepEqual(
        answers.filter((answer) => answer.status >= 300),
        [],
        `admin requests, round ${round}`
      )
      const stored = await storedExperiments()
      for (const experiment of pool) {
        assert.equal(stored.get(experiment.proposal_id)?.title, experiment.subject)
      }
      assert.equal(await memberships(staff), adding ? ids.length * staff.length : 0)
      await assertConsistent(assert, `round ${round}`)
    }
    // Each member once per proposal of the window, whether the sync or the admin added it.
    const perMember = await Promise.all(members.map((user) => memberships([user])))
    assert.isTrue(
      perMember.every((count) => count >= WINDOW),
      perMember.join(',')
    )
  }).timeout(120_000)

  test('an admin writes local experiments while syncs write others', async ({ client, assert }) => {
    const admin = await signInAdmin(client)
    pool = []

    for (let round = 1; round <= ROUNDS; round++) {
      // New proposals for the syncs (inserts), renamed ones from the round before (updates).
      pool = [
        ...makeExperiments(PROPOSALS / 2, { prefix: `${PREFIX}S${round}x`, sessionsPer: 1 }),
        ...pool.slice(0, PROPOSALS / 2).map((experiment) => ({
          ...experiment,
          subject: `Renamed ${round} ${experiment.proposal_id}`,
        })),
      ]
      if (pool.length < PROPOSALS) {
        pool.push(
          ...makeExperiments(PROPOSALS - pool.length, {
            prefix: `${PREFIX}S${round}y`,
            sessionsPer: 1,
          })
        )
      }
      overlapping.assign(pool)
      const locals: Experiment[] = []
      for (let index = 0; index < 6; index++) {
        locals.push(
          await Experiment.create({
            proposalId: `${PREFIX}L${round}x${index}`,
            title: `Local ${index}`,
            source: 'local',
          })
        )
      }

      const syncs = await syncsUnderWay()
      const [failures, answers, imported] = await Promise.all([
        syncs.failures,
        Promise.all([
          ...[1, 2, 3].map((index) =>
            send(admin, 'POST', BASE, {
              proposalId: `${PREFIX}N${round}x${index}`,
              title: `Created ${round} ${index}`,
            })
          ),
          ...locals
            .slice(0, 4)
            .flatMap((local) => [
              send(admin, 'PATCH', `${BASE}/${local.id}`, { title: `Edited ${round}` }),
              send(admin, 'PUT', `${BASE}/${local.id}/sessions/1`, { title: 'By hand' }),
            ]),
          ...locals.slice(4).map((local) => send(admin, 'DELETE', `${BASE}/${local.id}`)),
        ]),
        importExperiments([
          [`${PREFIX}I${round}x1`, `Imported ${round}`, '', 'I11', '', ''],
          [`${PREFIX}I${round}x2`, `Imported ${round}`, '', '', '', ''],
        ]),
      ])

      assert.deepEqual(failures, [], `syncs, round ${round}`)
      assert.deepEqual(
        answers.filter((answer) => answer.status >= 300),
        [],
        `admin requests, round ${round}`
      )
      assert.equal(imported.result.code, 0, commandOutput(imported.result))
      const stored = await storedExperiments()
      for (const experiment of pool) {
        assert.equal(stored.get(experiment.proposal_id)?.title, experiment.subject)
      }
      for (const local of locals.slice(0, 4)) {
        assert.equal(stored.get(local.proposalId)?.title, `Edited ${round}`)
      }
      for (const local of locals.slice(4)) {
        assert.isFalse(stored.has(local.proposalId))
      }
      await assertConsistent(assert, `round ${round}`)
    }
  }).timeout(120_000)
})
