import { test } from '@japa/runner'
import { csvCell, csvRow } from '#services/csv'

test.group('CSV cells', () => {
  test('neutralises every start a spreadsheet reads as a formula, tab and carriage return included', ({
    assert,
  }) => {
    assert.equal(csvCell('=1+2'), `'=1+2`)
    assert.equal(csvCell('+1'), `'+1`)
    assert.equal(csvCell('-1'), `'-1`)
    assert.equal(csvCell('@SUM(A1)'), `'@SUM(A1)`)
    assert.equal(csvCell('\t=cmd|calc'), `'\t=cmd|calc`)
    assert.equal(csvCell('\r=cmd|calc'), `"'\r=cmd|calc"`)
  })

  test('leaves ordinary text alone and quotes what needs quoting', ({ assert }) => {
    assert.equal(csvCell('plain'), 'plain')
    assert.equal(csvCell('a\tb'), 'a\tb')
    assert.equal(csvCell(null), '')
    assert.equal(csvRow(['a,b', 'say "hi"']), `"a,b","say ""hi"""\r\n`)
  })
})
