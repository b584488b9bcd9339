import { test } from '@japa/runner'
import Database from 'better-sqlite3'
import { keepSqliteStatements, sqlWithOpaqueParameters } from '#models/sqlite_statements'

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

test.group('SQLite parameters the planner cannot look at', () => {
  test('the same rows and the same plan as bare parameters', ({ assert }) => {
    const sqlite = new Database(':memory:')
    sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, owner INTEGER, name TEXT, at TEXT)')
    sqlite.exec('CREATE INDEX t_owner ON t (owner)')
    const insert = sqlite.prepare('INSERT INTO t (owner, name, at) VALUES (?, ?, ?)')
    for (let id = 1; id <= 50; id++) {
      insert.run(id % 3, `name ${id} 100%`, `2026-01-${String((id % 28) + 1).padStart(2, '0')}`)
    }
    const statements: [string, unknown[]][] = [
      ['SELECT id, name FROM t WHERE owner = ? ORDER BY at DESC, id LIMIT ? OFFSET ?', [1, 5, 2]],
      [
        'SELECT id FROM t WHERE owner = ? AND name LIKE ? ESCAPE ? ORDER BY id',
        [2, '%0\\%%', '\\'],
      ],
      ['SELECT count(*) AS total FROM t WHERE owner IN (?, ?) AND id > ?', [0, 1, '10']],
    ]
    for (const [sql, bindings] of statements) {
      const opaque = sqlWithOpaqueParameters(sql, bindings.length)
      assert.notEqual(opaque, sql)
      assert.deepEqual(
        sqlite.prepare(opaque).all(...bindings),
        sqlite.prepare(sql).all(...bindings)
      )
      const plan = (text: string) =>
        (sqlite.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...bindings) as { detail: string }[])
          .map((row) => row.detail)
          .join('\n')
      assert.equal(plan(opaque), plan(sql))
    }
    sqlite.close()
  })

  test('SQL with a question mark that is no parameter is left as it is', ({ assert }) => {
    const sql = "SELECT id FROM t WHERE name = '?' AND owner = ?"
    assert.equal(sqlWithOpaqueParameters(sql, 1), sql)
  })
})
