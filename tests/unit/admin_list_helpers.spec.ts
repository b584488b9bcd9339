import { test } from '@japa/runner'
import { decodeListCursor, encodeListCursor } from '#domain/list_cursor'
import { searchWords } from '#domain/search_words'

test.group('Admin list helpers (ADR 9)', () => {
  test('search words are the runs of letters and digits, lower-cased, at most 8', ({ assert }) => {
    assert.deepEqual(searchWords('  "LOC-A" +b24* 100% über_x '), [
      'loc',
      'a',
      'b24',
      '100',
      'über',
      'x',
    ])
    assert.deepEqual(searchWords('%%  -- '), [])
    assert.lengthOf(searchWords('a b c d e f g h i j'), 8)
  })

  test('a cursor reads back as made; anything else is refused', ({ assert }) => {
    const made = encodeListCursor({ after: 42, sort: '-createdAt' })
    assert.deepEqual(decodeListCursor(made), { after: 42, sort: '-createdAt' })
    assert.deepEqual(decodeListCursor(encodeListCursor({ after: 7 })), { after: 7 })
    for (const bad of [
      '',
      'nonsense',
      encodeListCursor({ after: 0 }),
      btoa('[1]'),
      btoa('{"after":1.5}'),
    ]) {
      assert.isNull(decodeListCursor(bad), bad)
    }
  })
})
