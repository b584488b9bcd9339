// Exits 0 when a MySQL/MariaDB server on 127.0.0.1:<port> accepts the
// DB_USER/DB_PASSWORD login over TCP (within 3 seconds), 1 otherwise.
// With "--recreate NAME" it also drops and recreates database NAME, and with
// "--recreate NAME FILE.sql" loads the statements of FILE.sql into it.
import { readFile } from 'node:fs/promises'
import mysql from 'mysql2/promise'

const [portArgument, flag, database, schemaFile] = process.argv.slice(2)
const port = Number(portArgument ?? 3306)
try {
  const connection = await mysql.createConnection({
    host: '127.0.0.1',
    port,
    user: process.env.DB_USER || 'root',
    password: process.env.DB_PASSWORD || '',
    connectTimeout: 3000,
  })
  await connection.query('SELECT 1')
  if (flag === '--recreate') {
    if (!/^\w+$/.test(database ?? '')) {
      throw new Error(`invalid database name "${database}"`)
    }
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await connection.query(
      `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`
    )
    if (schemaFile) {
      await connection.query(`USE \`${database}\``)
      const statements = (await readFile(schemaFile, 'utf8'))
        .replace(/^\s*--.*$/gm, '')
        .split(';')
        .map((statement) => statement.trim())
        .filter(Boolean)
      for (const statement of statements) {
        await connection.query(statement)
      }
    }
  }
  await connection.end()
  process.exit(0)
} catch (error) {
  console.error(`MySQL on 127.0.0.1:${port}: ${error.message}`)
  process.exit(1)
}
