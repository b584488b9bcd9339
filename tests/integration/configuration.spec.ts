import { rm } from 'node:fs/promises'
import { test } from '@japa/runner'
import { runNode, scratchDir } from '#tests/helpers/portal_process'

const SERVER = ['--import=@poppinss/ts-exec', 'bin/server.ts']

test.group('Configuration is validated at boot', () => {
  test('refuses to start with an invalid variable and names it', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('env')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const result = await runNode(SERVER, { DATA_DIR: dataDir, PORT: 'eighty' })
    assert.notEqual(result.code, 0)
    assert.include(result.stdout + result.stderr, '"PORT" env variable must be a number')
  })

  test('refuses an unknown database driver', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('env')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const result = await runNode(SERVER, { DATA_DIR: dataDir, DB_CONNECTION: 'oracle' })
    assert.notEqual(result.code, 0)
    assert.include(result.stdout + result.stderr, '"DB_CONNECTION" env variable')
  })

  test('production refuses to start without APP_KEY', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('env')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const result = await runNode(SERVER, { DATA_DIR: dataDir, NODE_ENV: 'production' })
    assert.notEqual(result.code, 0)
    assert.include(result.stdout + result.stderr, 'APP_KEY')
  })

  test('refuses a short APP_KEY', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('env')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const result = await runNode(SERVER, { DATA_DIR: dataDir, APP_KEY: 'short' })
    assert.notEqual(result.code, 0)
    assert.include(result.stdout + result.stderr, 'APP_KEY')
  })
})
