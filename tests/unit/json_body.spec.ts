import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { safeStringify } from '@poppinss/utils/json'
import { jsonBody } from '#config/json_body'

/*
 * Response bodies through V8's JSON.stringify (config/json_body.ts): the
 * same text as the framework's safeStringify for every value, including
 * the two it exists for (bigints, circular references).
 */
test.group('JSON body', () => {
  test('writes what safeStringify writes', ({ assert }) => {
    const circular: Record<string, unknown> = { name: 'loop' }
    circular.self = circular
    circular.list = [1, circular]
    const values: unknown[] = [
      {
        data: [{ id: 1, title: 'Perovskite "films"\n', tags: ['a', 'b'], abstract: null }],
        meta: { total: 1, page: 1, lastPage: 1 },
      },
      [1, undefined, () => 0, Symbol('x'), Number.NaN, Infinity, -0],
      { skipped: undefined, fn: () => 0, date: new Date(Date.UTC(2026, 11, 6)) },
      { at: DateTime.fromISO('2026-12-06T08:00:00Z', { zone: 'utc' }) },
      { lone: '\ud800 and \udfff', pair: '😀', control: '\u0000\u001f', unicode: 'Zürich' },
      { count: 12n, nested: { big: [1n, 2n] } },
      circular,
      { toJSON: () => ({ replaced: true }) },
      'plain',
      [],
      {},
    ]
    for (const value of values) {
      assert.equal(jsonBody(value), safeStringify(value))
    }
  })
})
