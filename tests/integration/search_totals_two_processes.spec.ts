import { randomBytes } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { appKey } from '#config/app'
import AdminExperimentListing from '#services/experiments/admin_experiment_listing'
import { runAce, scratchDir } from '#tests/helpers/portal_process'
import { testDatabaseEnv } from '#tests/helpers/replica_env'
import { commandOutput as output } from '#tests/helpers/ace_in_process'

/*
 * This process remembers a search's total with the versions of the words it was counted
 * under (migrations 0114 and 0115, ADR 12). Another process (a second portal replica,
 * an ace command) commits its writes to the same database: the totals this process answers
 * must follow them at once. Committed writes, no per-test transaction; the test removes
 * what it wrote.
 */
test.group('Admin search totals with writes of another process', (group) => {
  group.each.timeout(120_000)

  test('follows experiments that another process imports, renames and that are removed', async ({
    assert,
    cleanup,
  }) => {
    const tag = `two${randomBytes(4).toString('hex')}`
    // Proposal ids without the tag: only the titles carry it.
    const prefix = `P${randomBytes(4).toString('hex')}`
    const proposals = [1, 2, 3].map((number) => `${prefix}-${number}`)
    cleanup(async () => {
      await db.from('experiments').whereIn('proposal_id', proposals).delete()
    })
    const dir = await scratchDir('search-totals')
    cleanup(() => rm(dir, { recursive: true, force: true }))
    const childEnv = { ...testDatabaseEnv(), DATA_DIR: dir, APP_KEY: appKey.release() }
    const listing = new AdminExperimentListing()
    // Asked twice: counted, then remembered.
    const totals = async (search: string) => {
      const first = (await listing.list({ search })).meta.total
      const second = (await listing.list({ search })).meta.total
      assert.equal(second, first, `"${search}" asked again`)
      return first
    }
    const importTitles = async (titles: string[]) => {
      const file = join(dir, 'experiments.csv')
      const lines = titles.map((title, index) => `${proposals[index + 1]},${title},,,,`)
      await writeFile(
        file,
        ['proposal_id,title,abstract,instrument,posix_uid,posix_gid', ...lines, ''].join('\n')
      )
      const imported = await runAce(['experiments:import', file], childEnv)
      assert.equal(imported.code, 0, output(imported))
    }

    await db.table('experiments').insert({
      proposal_id: proposals[0],
      title: `Diffractometry ${tag}`,
      source: 'local',
      created_at: new Date(),
      updated_at: new Date(),
    })
    assert.equal(await totals(tag), 1)
    assert.equal(await totals(`${tag} diffractometry`), 1)

    await importTitles([`Diffractometry ${tag}`, `Tomography ${tag}`])
    assert.equal(await totals(tag), 3)
    assert.equal(await totals(`${tag} diffractometry`), 2)

    await importTitles([`Diffractometry`, `Tomography ${tag}`])
    assert.equal(await totals(tag), 2)
    assert.equal(await totals(`${tag} diffractometry`), 1)

    await db.from('experiments').where('proposal_id', proposals[0]).delete()
    assert.equal(await totals(tag), 1)
    assert.equal(await totals(`${tag} diffractometry`), 0)
  })
})
