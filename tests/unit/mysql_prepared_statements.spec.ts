import { test } from '@japa/runner'
import { executeMarkedStatements, SERVER_PREPARED } from '#models/mysql_prepared_statements'

/** A stand-in for a mysql2 connection that records which of its methods ran what. */
function recordingConnection() {
  const calls: Array<[string, unknown[]]> = []
  return {
    calls,
    query: (...args: [unknown, ...unknown[]]) => calls.push(['query', args]),
    execute: (...args: [unknown, ...unknown[]]) => calls.push(['execute', args]),
  }
}

test.group('MySQL statements marked to run server-side prepared', () => {
  test('a marked statement runs through execute with its values and callback', ({ assert }) => {
    const connection = recordingConnection()
    executeMarkedStatements(connection)
    const options = { sql: 'select ? as one', ...SERVER_PREPARED }
    const callback = () => {}
    connection.query(options, [1], callback)
    assert.deepEqual(connection.calls, [['execute', [options, [1], callback]]])
  })

  test('everything else goes on as a text query, arguments unchanged', ({ assert }) => {
    const connection = recordingConnection()
    executeMarkedStatements(connection)
    const callback = () => {}
    connection.query({ sql: 'select ? as one' }, [1], callback)
    connection.query('select version() as version', callback)
    assert.deepEqual(connection.calls, [
      ['query', [{ sql: 'select ? as one' }, [1], callback]],
      ['query', ['select version() as version', callback]],
    ])
  })
})
