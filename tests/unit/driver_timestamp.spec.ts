import { test } from '@japa/runner'
import { safeStringify } from '@poppinss/utils/json'
import Experiment from '#models/experiment'
import { isoFromDriver } from '#models/driver_timestamp'

/** What a model shows for a stored date: Lucid's `consume`, then the API's JSON. */
function asTheModelShowsIt(value: Date | string | null): string | null {
  const consumed = Experiment.$getColumn('startsAt')!.consume!(
    value,
    'startsAt',
    Experiment.prototype
  )
  return JSON.parse(safeStringify({ value: consumed })!).value
}

test.group('Dates of a list read from the driver', () => {
  test('show what the model shows, for what mysql2 and SQLite return', ({ assert }) => {
    const values: (Date | string | null)[] = [
      null,
      new Date(Date.UTC(2026, 11, 5, 23, 7, 2, 9)),
      new Date(Date.UTC(1999, 0, 1, 0, 0, 0, 0)),
      new Date(Number.NaN),
      '2026-12-05 23:07:02.009',
      '2026-12-05 23:07:02',
      '2026-12-05 23:07:02.1',
      '2026-12-05 23:07:02.123456',
      '2026-02-31 10:00:00',
      '2026-12-05 24:00:00',
      '2026-12-05T23:07:02.000Z',
      '2026-12-05',
      'not a date',
    ]
    for (const value of values) {
      assert.deepEqual(
        isoFromDriver(value),
        asTheModelShowsIt(value),
        `${value instanceof Date ? `Date ${value.getTime()}` : value}`
      )
    }
  })

  test('also in a process whose zone is not UTC (luxon shows that zone)', ({ assert, cleanup }) => {
    const zone = process.env.TZ
    process.env.TZ = 'Europe/Paris'
    cleanup(() => {
      process.env.TZ = zone
      if (zone === undefined) delete process.env.TZ
    })
    for (const value of [new Date(Date.UTC(2026, 6, 1, 12)), '2026-07-01 12:00:00.5']) {
      assert.equal(isoFromDriver(value), asTheModelShowsIt(value))
      assert.include(isoFromDriver(value), '+02:00')
    }
  })

  test('an instant shown before, again: the same text, and not kept across a change of zone', ({
    assert,
    cleanup,
  }) => {
    const instant = new Date(Date.UTC(2026, 6, 1, 12, 30, 0, 250))
    const first = isoFromDriver(instant)
    assert.equal(first, asTheModelShowsIt(instant))
    assert.equal(isoFromDriver(new Date(instant.getTime())), first)

    const zone = process.env.TZ
    process.env.TZ = 'Europe/Paris'
    cleanup(() => {
      process.env.TZ = zone
      if (zone === undefined) delete process.env.TZ
    })
    assert.equal(isoFromDriver(instant), asTheModelShowsIt(instant))
    assert.include(isoFromDriver(instant), '+02:00')
  })

  test("SQLite's text shown before, again: the same text, and not kept across a change of zone", ({
    assert,
    cleanup,
  }) => {
    const text = '2026-07-01 12:30:00.25'
    const first = isoFromDriver(text)
    assert.equal(first, asTheModelShowsIt(text))
    assert.equal(isoFromDriver(` ${text}`.slice(1)), first)

    const zone = process.env.TZ
    process.env.TZ = 'Europe/Paris'
    cleanup(() => {
      process.env.TZ = zone
      if (zone === undefined) delete process.env.TZ
    })
    assert.equal(isoFromDriver(text), asTheModelShowsIt(text))
    assert.include(isoFromDriver(text), '+02:00')
  })

  test('more SQLite texts than are kept: each still shows as the model shows it', ({ assert }) => {
    const start = Date.UTC(2020, 0, 1)
    for (let index = 0; index < 25_000; index += 1) {
      const text = new Date(start + index * 61_001).toISOString().slice(0, 23).replace('T', ' ')
      if (index % 997 === 0 || index > 24_990) {
        assert.equal(isoFromDriver(text), asTheModelShowsIt(text))
      } else {
        isoFromDriver(text)
      }
    }
  })

  test('more instants than are kept: each still shows as the model shows it', ({ assert }) => {
    const start = Date.UTC(2020, 0, 1)
    for (let index = 0; index < 25_000; index += 1) {
      const value = new Date(start + index * 61_001)
      if (index % 997 === 0 || index > 24_990) {
        assert.equal(isoFromDriver(value), asTheModelShowsIt(value))
      } else {
        isoFromDriver(value)
      }
    }
  })

  test('the API text of a list is what the default serialiser writes', ({ assert }) => {
    const body = {
      data: [{ id: 1, title: 'é "quoted" \u2028', startsAt: isoFromDriver(new Date(0)), tags: [] }],
      meta: { total: 1, stale: false, lastSyncedAt: null },
    }
    assert.equal(JSON.stringify(body), safeStringify(body))
  })
})
