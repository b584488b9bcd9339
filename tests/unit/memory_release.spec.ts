import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { test } from '@japa/runner'

/*
 * The collection before `listen` (app/services/runtime/memory_release.ts)
 * must leave the young generation's capacity alone: shrunk, it made every
 * request dearer (docs/benchmarks.md, "Issue 16, stop 26: memory"). It runs
 * only under the start command's floor, in a process of its own here.
 */
const MODULE = new URL('../../app/services/runtime/memory_release.ts', import.meta.url).href
const SCRIPT = `
import v8 from 'node:v8'
const { releaseUnusedMemory } = await import(${JSON.stringify(MODULE)})
let kept = []
for (let i = 0; i < 1e6; i++) { kept.push({ i }); if (kept.length > 1e5) kept = [] }
const released = releaseUnusedMemory()
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

test.group('Memory release', () => {
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

/*
 * The release at rest (app/services/runtime/idle_memory_release.ts): after
 * the process grew and then used almost no CPU for a few checks, one
 * collection runs; while it keeps working, none does.
 */
const IDLE_MODULE = new URL('../../app/services/runtime/idle_memory_release.ts', import.meta.url)
  .href
const idleScript = (busy: boolean) => `
const { default: IdleMemoryRelease } = await import(${JSON.stringify(IDLE_MODULE)})
const watcher = new IdleMemoryRelease({ checkEveryMs: 100, restingChecks: 2, minimumGrowthMiB: 1 })
watcher.start()
let kept = []
for (let i = 0; i < 3e5; i++) kept.push({ i, text: 'x'.repeat(20) + i })
kept = []
const until = Date.now() + 1500
while (Date.now() < until) {
  // Busy: 20 ms slices of work, the timers running between them; resting: asleep.
  if (${busy}) { const slice = Date.now() + 20; while (Date.now() < slice) {} }
  await new Promise((r) => setTimeout(r, ${busy} ? 0 : 50))
}
watcher.stop()
console.log(JSON.stringify({ releases: watcher.releases }))
`

async function runIdle(busy: boolean) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--max-semi-space-size=16',
      '--min-semi-space-size=16',
      '--import=@poppinss/ts-exec',
      '--input-type=module',
      '--eval',
      idleScript(busy),
    ],
    { env: { PATH: process.env.PATH ?? '' } }
  )
  return JSON.parse(stdout) as { releases: number }
}

test.group('Memory release at rest', () => {
  test('releases once the process rests after growing', async ({ assert }) => {
    const { releases } = await runIdle(false)
    assert.equal(releases, 1)
  }).timeout(30_000)

  test('does not release while the process keeps working', async ({ assert }) => {
    const { releases } = await runIdle(true)
    assert.equal(releases, 0)
  }).timeout(30_000)
})
