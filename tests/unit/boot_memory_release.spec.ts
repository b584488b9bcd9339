import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { test } from '@japa/runner'

/*
 * The collection before `listen` (app/services/runtime/boot_memory_release.ts)
 * must leave the young generation's capacity alone: shrunk, it made every
 * request dearer (docs/benchmarks.md, "Issue 16, stop 26: memory"). It runs
 * only under the start command's floor, in a process of its own here.
 */
const MODULE = new URL('../../app/services/runtime/boot_memory_release.ts', import.meta.url).href
const SCRIPT = `
import v8 from 'node:v8'
const { releaseBootMemory } = await import(${JSON.stringify(MODULE)})
let kept = []
for (let i = 0; i < 1e6; i++) { kept.push({ i }); if (kept.length > 1e5) kept = [] }
const released = releaseBootMemory()
const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')
console.log(JSON.stringify({ released, capacityMiB: newSpace.space_size / 2 ** 20 }))
`

async function run(flags: string[]) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...flags, '--import=@poppinss/ts-exec', '--input-type=module', '--eval', SCRIPT],
    { env: { PATH: process.env.PATH ?? '' } }
  )
  return JSON.parse(stdout)
}

test.group('Boot memory release', () => {
  test('collects under the floor and keeps the young generation at 16 MiB', async ({ assert }) => {
    const { released, capacityMiB } = await run([
      '--max-semi-space-size=16',
      '--min-semi-space-size=16',
    ])
    assert.isAbove(released.releasedMiB, 0)
    assert.isAtLeast(capacityMiB, 16)
  }).timeout(30_000)

  test('does nothing without the floor (npm start, test processes)', async ({ assert }) => {
    const { released } = await run(['--max-semi-space-size=16'])
    assert.isNull(released)
  }).timeout(30_000)
})
