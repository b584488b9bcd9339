import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from '@japa/runner'
import { runAce, scratchDir } from '#tests/helpers/portal_process'

test.group('ace user:password', () => {
  test('sets a local password read from standard input, never from the command line', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('ace-password')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const env = { DATA_DIR: dataDir, DB_CONNECTION: 'sqlite' }
    assert.equal((await runAce(['migration:run'], env)).code, 0)
    const created = await runAce(
      ['user:create', 'staff-member', '--password=the-first-password-1'],
      env
    )
    assert.equal(created.code, 0, created.stderr + created.stdout)
    const sqlite = new Database(join(dataDir, 'portal.sqlite'), { readonly: true })
    cleanup(() => {
      sqlite.close()
    })
    const hashOf = () =>
      (
        sqlite.prepare('select password from users where username = ?').get('staff-member') as {
          password: string
        }
      ).password
    const before = hashOf()

    const tooShort = await runAce(['user:password', 'staff-member'], env, 'short\n')
    assert.equal(tooShort.code, 1)
    assert.equal(hashOf(), before)

    const asArgument = await runAce(
      ['user:password', 'staff-member', '--password=the-second-password-2'],
      env,
      ''
    )
    assert.notEqual(asArgument.code, 0)
    assert.equal(hashOf(), before)

    const changed = await runAce(['user:password', 'staff-member'], env, 'the-second-password-2\n')
    assert.equal(changed.code, 0, changed.stderr + changed.stdout)
    assert.notEqual(hashOf(), before)
    assert.match(hashOf(), /^\$scrypt\$/)
    assert.notInclude(changed.stdout + changed.stderr, 'the-second-password-2')
    const audit = sqlite
      .prepare("select * from audit_events where action = 'user.password_change'")
      .all()
    assert.lengthOf(audit, 1)

    const unknown = await runAce(['user:password', 'nobody'], env, 'the-third-password-3\n')
    assert.equal(unknown.code, 1)
  })
})
