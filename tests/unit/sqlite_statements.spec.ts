import { test } from '@japa/runner'
import Database from 'better-sqlite3'
import { keepSqliteStatements } from '#models/sqlite_statements'

test.group('SQLite statements kept by their SQL', () => {
  test('the same SQL runs the same statement again, with other bindings', ({ assert }) => {
    const sqlite = new Database(':memory:')
    keepSqliteStatements(sqlite)
    sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)')
    const insert = sqlite.prepare('INSERT INTO t (name) VALUES (?)')
    insert.run('a')
    assert.strictEqual(sqlite.prepare('INSERT INTO t (name) VALUES (?)'), insert)
    sqlite.prepare('INSERT INTO t (name) VALUES (?)').run('b')
    const select = 'SELECT id, name FROM t WHERE name = ?'
    assert.deepEqual(sqlite.prepare(select).all('a'), [{ id: 1, name: 'a' }])
    assert.deepEqual(sqlite.prepare(select).all('b'), [{ id: 2, name: 'b' }])
    sqlite.close()
  })

  test('a kept statement follows a schema change', ({ assert }) => {
    const sqlite = new Database(':memory:')
    keepSqliteStatements(sqlite)
    sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)')
    sqlite.exec('INSERT INTO t (id) VALUES (1)')
    assert.deepEqual(sqlite.prepare('SELECT * FROM t').all(), [{ id: 1 }])
    sqlite.exec("ALTER TABLE t ADD COLUMN name TEXT DEFAULT 'x'")
    assert.deepEqual(sqlite.prepare('SELECT * FROM t').all(), [{ id: 1, name: 'x' }])
    sqlite.close()
  })

  test('keeps at most so many, forgetting the oldest', ({ assert }) => {
    const sqlite = new Database(':memory:')
    keepSqliteStatements(sqlite, 2)
    const first = sqlite.prepare('SELECT 1')
    const second = sqlite.prepare('SELECT 2')
    sqlite.prepare('SELECT 3')
    assert.strictEqual(sqlite.prepare('SELECT 2'), second)
    assert.notStrictEqual(sqlite.prepare('SELECT 1'), first)
    sqlite.close()
  })
})
