import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from '@japa/runner'
import { runAce, scratchDir } from '#tests/helpers/portal_process'

test.group('ace user:create', () => {
  test('creates a local admin whose password is stored hashed', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('ace')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const env = { DATA_DIR: dataDir, DB_CONNECTION: 'sqlite' }

    const migrated = await runAce(['migration:run'], env)
    assert.equal(migrated.code, 0, migrated.stderr + migrated.stdout)

    const created = await runAce(
      [
        'user:create',
        'beamline-staff',
        '--admin',
        '--password=a-long-enough-password',
        '--email=staff@facility.example',
      ],
      env
    )
    assert.equal(created.code, 0, created.stderr + created.stdout)
    assert.include(created.stdout, 'Created user "beamline-staff"')

    const sqlite = new Database(join(dataDir, 'portal.sqlite'), { readonly: true })
    cleanup(() => {
      sqlite.close()
    })
    const user = sqlite
      .prepare('select * from users where username = ?')
      .get('beamline-staff') as any
    assert.equal(user.provider, 'local')
    assert.match(user.password, /^\$scrypt\$/)
    const roles = sqlite
      .prepare('select role from user_roles where user_id = ? order by role')
      .all(user.id)
      .map((row: any) => row.role)
    assert.deepEqual(roles, ['admin', 'scientist'])

    const duplicate = await runAce(
      ['user:create', 'beamline-staff', '--password=another-long-password'],
      env
    )
    assert.notEqual(duplicate.code, 0)
  })

  test('refuses a short password without creating anything', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('ace')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const env = { DATA_DIR: dataDir, DB_CONNECTION: 'sqlite' }
    await runAce(['migration:run'], env)

    const result = await runAce(['user:create', 'shorty', '--password=short'], env)
    assert.equal(result.code, 1)
    assert.include(result.stdout + result.stderr, 'password')

    const sqlite = new Database(join(dataDir, 'portal.sqlite'), { readonly: true })
    cleanup(() => {
      sqlite.close()
    })
    assert.equal((sqlite.prepare('select count(*) as n from users').get() as any).n, 0)
  })
})
