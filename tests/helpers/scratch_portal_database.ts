import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { MigrationRunner } from '@adonisjs/lucid/migration'
import dbConfig from '#config/database'
import env from '#start/env'

/** Where a portal database lives: a MySQL/MariaDB server on loopback, as root. */
export type DatabaseAddress = {
  host: string
  port: number
  user: string
  password: string
  database: string
}

/** DB_* variables of a portal process using `address` (already migrated). */
export function portalDatabaseEnv(address: DatabaseAddress) {
  return {
    DB_CONNECTION: 'mysql',
    DB_HOST: address.host,
    DB_PORT: String(address.port),
    DB_USER: address.user,
    DB_PASSWORD: address.password,
    DB_DATABASE: address.database,
  }
}

/** Lucid connection settings of `address`, for `db.manager.add`. */
function connectionConfig(address: DatabaseAddress) {
  const mysql = dbConfig.connections.mysql as any
  return { ...mysql, connection: { ...mysql.connection, ...address }, pool: { min: 0, max: 2 } }
}

/**
 * Migrates the portal schema on Lucid connection `name`. Lucid's migration
 * lock is a server-wide GET_LOCK(1) that other runs on a shared server also
 * take, so it is left out: nothing else migrates this database.
 */
async function migrate(name: string) {
  const migrator = new MigrationRunner(db, app, {
    direction: 'up',
    connectionName: name,
    disableLocks: true,
  })
  await migrator.run()
  if (migrator.error) {
    throw migrator.error
  }
}

/** Migrates the portal schema into `address` from the test process. */
export async function migratePortalDatabase(address: DatabaseAddress) {
  const name = `migrate_${address.port}_${address.database}`
  db.manager.add(name, connectionConfig(address))
  try {
    await migrate(name)
  } finally {
    await db.manager.close(name, true)
  }
}

/**
 * A database of its own on the test run's MySQL server, migrated, for
 * portal processes a test starts: neither the test process's reconciler
 * nor other tests see their rows. `connection()` reads it from the test;
 * `drop()` closes that and drops the database.
 */
export async function scratchPortalDatabase(suffix: string) {
  const name = `${env.get('DB_DATABASE')}_${suffix}`.slice(0, 64)
  if (!/^\w+$/.test(name)) {
    throw new Error(`invalid database name "${name}"`)
  }
  await db.rawQuery(`DROP DATABASE IF EXISTS \`${name}\``)
  await db.rawQuery(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const address: DatabaseAddress = {
    host: env.get('DB_HOST', '127.0.0.1'),
    port: env.get('DB_PORT', 3306),
    user: env.get('DB_USER', 'root'),
    password: env.get('DB_PASSWORD')?.release() ?? '',
    database: name,
  }
  const connectionName = `scratch_${name}`
  db.manager.add(connectionName, connectionConfig(address))
  await migrate(connectionName)
  return {
    name,
    portalEnv: portalDatabaseEnv(address),
    connection: () => db.connection(connectionName),
    drop: async () => {
      await db.manager.close(connectionName, true)
      await db.rawQuery(`DROP DATABASE IF EXISTS \`${name}\``)
    },
  }
}
