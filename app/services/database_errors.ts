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

/**
 * MySQL/MariaDB rolled the transaction back as the victim of a deadlock
 * with another one: nothing of it stayed, so it may run again.
 */
export function isDeadlock(error: unknown) {
  return (error as { code?: string })?.code === 'ER_LOCK_DEADLOCK'
}
