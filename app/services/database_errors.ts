/**
 * Driver error codes the services react to, for MySQL/MariaDB and SQLite.
 */

/** A unique or primary key refused the row (someone got there first). */
export function isUniqueViolation(error: unknown) {
  const code = (error as { code?: string })?.code
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
}
