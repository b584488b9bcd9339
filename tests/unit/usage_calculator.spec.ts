import { test } from '@japa/runner'
import {
  calculateUsage,
  type UsageEnvironment,
  type UsageTransition,
} from '#services/usage/usage_calculator'
import type { EnvironmentState } from '#domain/environment_states'

const GIB = 2 ** 30
const T0 = Date.parse('2026-03-01T00:00:00.000Z')
const HOUR = 3_600_000

/** `at` hours after T0 (fractions allowed). */
const h = (hours: number) => T0 + hours * HOUR

function environment(
  steps: [number, EnvironmentState][],
  overrides: Partial<UsageEnvironment> = {}
): UsageEnvironment {
  const transitions: UsageTransition[] = steps.map(([at, state]) => ({ state, at: h(at) }))
  return {
    key: { id: 1, label: 'alice' },
    cpuMillicores: 1500,
    memoryBytes: 4 * GIB,
    gpus: 0,
    transitions,
    endings: [],
    ...overrides,
  }
}

const wide = { from: h(-100), end: h(100) }

test.group('Usage calculator', () => {
  test('running 2 h with 1.5 cores and 4 GiB', ({ assert }) => {
    const rows = calculateUsage(
      [
        environment([
          [0, 'running'],
          [2, 'removing'],
          [2, 'removed'],
        ]),
      ],
      wide
    )
    assert.deepEqual(rows, [
      {
        key: { id: 1, label: 'alice' },
        environmentHours: 2,
        cpuCoreHours: 3,
        memoryGiBHours: 8,
        gpuHours: 0,
        manualStops: 0,
        idleStops: 0,
        expiries: 0,
      },
    ])
  })

  test('counts how runs ended, by cause, per group', ({ assert }) => {
    const bob = { id: 2, label: 'bob' }
    const rows = calculateUsage(
      [
        environment([[0, 'running']], { endings: ['idle', 'manual', 'idle'] }),
        environment([[0, 'running']], { endings: ['expiry'] }),
        environment([[0, 'running']], { key: bob, endings: ['manual'] }),
      ],
      wide
    )
    assert.deepInclude(rows[0], { manualStops: 1, idleStops: 2, expiries: 1 })
    assert.deepInclude(rows[1], { manualStops: 1, idleStops: 0, expiries: 0 })
  })

  test('stopped periods count environment hours but no compute', ({ assert }) => {
    const [row] = calculateUsage(
      [
        environment([
          [0, 'provisioning'],
          [0.5, 'running'],
          [1, 'stopping'],
          [1.5, 'stopped'],
          [4.5, 'removing'],
          [5, 'removed'],
        ]),
      ],
      wide
    )
    // Compute: provisioning + running + stopping = 1.5 h; slot: 5 h.
    assert.equal(row.environmentHours, 5)
    assert.equal(row.cpuCoreHours, 2.25)
    assert.equal(row.memoryGiBHours, 6)
  })

  test('clips to the window at both ends', ({ assert }) => {
    const [row] = calculateUsage(
      [
        environment([
          [0, 'running'],
          [10, 'removed'],
        ]),
      ],
      { from: h(3), end: h(4.25) }
    )
    assert.equal(row.environmentHours, 1.25)
    assert.equal(row.cpuCoreHours, 1.875)
  })

  test('an environment still running accrues to the end of the window', ({ assert }) => {
    const [row] = calculateUsage([environment([[1, 'running']])], { from: h(0), end: h(3) })
    assert.equal(row.environmentHours, 2)
    assert.equal(row.memoryGiBHours, 8)
  })

  test('failed and removed end accrual', ({ assert }) => {
    const [row] = calculateUsage(
      [
        environment([
          [0, 'provisioning'],
          [0.25, 'failed'],
        ]),
        environment([
          [0, 'running'],
          [1, 'removed'],
        ]),
      ],
      wide
    )
    assert.equal(row.environmentHours, 1.25)
    assert.equal(row.cpuCoreHours, 1.875)
  })

  test('groups environments by key and sorts by label; gpus count', ({ assert }) => {
    const bob = { id: 2, label: 'bob' }
    const rows = calculateUsage(
      [
        environment([[0, 'running']], { key: bob, gpus: 2, cpuMillicores: 250 }),
        environment([
          [0, 'running'],
          [1, 'removed'],
        ]),
        environment(
          [
            [0, 'running'],
            [0.5, 'removed'],
          ],
          { key: bob, gpus: 1, memoryBytes: GIB / 2 }
        ),
      ],
      { from: h(0), end: h(3) }
    )
    assert.deepEqual(
      rows.map((row) => row.key.label),
      ['alice', 'bob']
    )
    const bobRow = rows[1]
    assert.equal(bobRow.environmentHours, 3.5)
    assert.equal(bobRow.gpuHours, 6.5)
    assert.equal(bobRow.cpuCoreHours, 0.75 + 0.75)
    assert.equal(bobRow.memoryGiBHours, 12 + 0.25)
  })

  test('is exact to the second and rounds to 4 decimals', ({ assert }) => {
    const [row] = calculateUsage(
      [
        environment([
          [0, 'running'],
          [1 / 3600, 'removed'],
        ]),
      ],
      wide
    )
    // One second: 1/3600 h = 0.000277… → 0.0003.
    assert.equal(row.environmentHours, 0.0003)
    assert.equal(row.cpuCoreHours, 0.0004)
  })

  test('transitions out of order and environments outside the window', ({ assert }) => {
    const rows = calculateUsage(
      [
        environment([
          [2, 'removed'],
          [0, 'running'],
        ]),
        environment(
          [
            [-10, 'running'],
            [-5, 'removed'],
          ],
          { key: { id: 3, label: 'carol' } }
        ),
      ],
      { from: h(0), end: h(5) }
    )
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].environmentHours, 2)
  })
})
