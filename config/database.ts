import { format, parse } from 'node:path'
import env from '#start/env'
import { defineConfig } from '@adonisjs/lucid'
import { dataPath } from '#config/portal'
import { keepSqliteStatements } from '#models/sqlite_statements'
import {
  executeMarkedStatements,
  KEPT_PREPARED_STATEMENTS,
} from '#models/mysql_prepared_statements'

/**
 * SQLite is the zero-setup default for trying the portal on one machine;
 * MySQL/MariaDB is the production database and the one the tests use.
 */
const connection = env.get('DB_CONNECTION', 'sqlite')

const migrations = { naturalSort: true, paths: ['database/migrations'] }

// Models declare their columns themselves; no generated schema file.
const schemaGeneration = { enabled: false }

const sqliteFile = env.get('DB_SQLITE_FILE', dataPath('portal.sqlite'))

/**
 * How long a statement waits for another transaction's lock before the database refuses it
 * (a 503 E_DATABASE_BUSY with Retry-After, app/exceptions/api_error.ts): SQLite's busy_timeout,
 * MySQL's innodb_lock_wait_timeout for the pool's connections (InnoDB's own default, 50 s,
 * would hold a request, its pooled connection and the client that long).
 */
const lockWaitSeconds = env.get('DB_LOCK_WAIT_TIMEOUT', 5)

type SqliteHandle = {
  pragma(sql: string): unknown
  exec(sql: string): unknown
  prepare(sql: string): unknown
}
type PoolDone<Connection = SqliteHandle> = (error: Error | null, conn: Connection) => void
type MysqlHandle = Parameters<typeof executeMarkedStatements>[0] & {
  query(sql: string, callback: (error: Error | null) => void): unknown
}

function openSqlite(conn: SqliteHandle) {
  conn.pragma('foreign_keys = ON')
  conn.pragma('journal_mode = WAL')
  conn.pragma(`busy_timeout = ${lockWaitSeconds * 1000}`)
  keepSqliteStatements(conn)
}

const sqlite = {
  client: 'better-sqlite3' as const,
  connection: { filename: sqliteFile },
  useNullAsDefault: true,
  pool: {
    afterCreate: (conn: SqliteHandle, done: PoolDone) => {
      openSqlite(conn)
      done(null, conn)
    },
    // One connection (SQLite has one writer): waiting for it is bounded like MySQL's pool.
    acquireTimeoutMillis: 10000,
  },
  migrations,
  schemaGeneration,
}

/*
 * On SQLite the rate-limit counters live in a file of their own beside the
 * database (portal.sqlite -> portal-counters.sqlite): SQLite has one writer
 * per file, and a throttle must never wait for (or be rolled back with) a
 * request's own transaction. The file holds only the limiter's table, so it
 * is created here rather than by the migrations.
 */
const sqliteCountersFile = (() => {
  const { dir, name, ext } = parse(sqliteFile)
  return format({ dir, name: `${name}-counters`, ext })
})()

const sqliteCounters = {
  ...sqlite,
  connection: { filename: sqliteCountersFile },
  pool: {
    ...sqlite.pool,
    afterCreate: (conn: SqliteHandle, done: PoolDone) => {
      openSqlite(conn)
      conn.exec(
        'CREATE TABLE IF NOT EXISTS rate_limits (key VARCHAR(255) NOT NULL PRIMARY KEY, ' +
          'points INTEGER NOT NULL DEFAULT 0, expire BIGINT)'
      )
      done(null, conn)
    },
  },
}

const mysql = {
  client: 'mysql2' as const,
  connection: {
    host: env.get('DB_HOST', '127.0.0.1'),
    port: env.get('DB_PORT', 3306),
    user: env.get('DB_USER', 'root'),
    password: env.get('DB_PASSWORD')?.release() ?? '',
    database: env.get('DB_DATABASE', 'portal'),
    charset: 'utf8mb4',
    timezone: 'Z',
    dateStrings: false,
    maxPreparedStatements: KEPT_PREPARED_STATEMENTS,
  },
  pool: {
    min: 0,
    max: env.get('DB_POOL_MAX', 10),
    acquireTimeoutMillis: 10000,
    afterCreate: (conn: MysqlHandle, done: PoolDone<MysqlHandle>) => {
      executeMarkedStatements(conn)
      conn.query(
        `SET SESSION innodb_lock_wait_timeout = ${lockWaitSeconds}`,
        (error: Error | null) => done(error, conn)
      )
    },
  },
  migrations,
  schemaGeneration,
}

/*
 * Apache Guacamole's own database (JDBC MySQL module), written by the
 * "guacamole-db" access broker; never migrated by the portal.
 */
const guacamole = {
  client: 'mysql2' as const,
  connection: {
    host: env.get('GUACAMOLE_DB_HOST', '127.0.0.1'),
    port: env.get('GUACAMOLE_DB_PORT', 3306),
    user: env.get('GUACAMOLE_DB_USER', 'guacamole'),
    password: env.get('GUACAMOLE_DB_PASSWORD')?.release() ?? '',
    database: env.get('GUACAMOLE_DB_DATABASE', 'guacamole'),
    charset: 'utf8mb4',
    timezone: 'Z',
    dateStrings: false,
    // An unreachable Guacamole must fail an access request (and readiness) within its timeout.
    connectTimeout: Math.round(env.get('GUACAMOLE_TIMEOUT', 5) * 1000),
  },
  pool: { min: 0, max: 5, acquireTimeoutMillis: 10000 },
  schemaGeneration,
}

const dbConfig = defineConfig({
  connection,
  prettyPrintDebugQueries: false,
  connections: {
    sqlite,
    mysql,
    /*
     * The same database through a small pool of its own, for rate-limit
     * counters: a throttle must count even when the request's own
     * transaction rolls back (and tests' per-test transactions do not
     * wrap it).
     */
    counters:
      connection === 'mysql' ? { ...mysql, pool: { ...mysql.pool, max: 2 } } : sqliteCounters,
    guacamole,
  },
})

/** Whether the HTTP server migrates the schema before it listens. */
export const migrateOnStart = env.get('DB_MIGRATE_ON_START', connection === 'sqlite')

export default dbConfig
