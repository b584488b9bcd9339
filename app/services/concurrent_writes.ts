import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import { isUniqueViolation } from '#services/database_errors'
import ConflictException from '#exceptions/conflict_exception'

/*
 * How the catalogue services (images, local experiments, their sessions
 * and members) meet a concurrent writer: the row they change is locked
 * for their transaction, and a unique index settles a race past an
 * existence check.
 */

/**
 * The row `query` finds, locked for the rest of its transaction (MySQL;
 * SQLite serialises writers anyway). Throws `missing()` when there is none.
 */
export async function lockedRow<Model extends LucidModel>(
  query: ModelQueryBuilderContract<Model>,
  missing: () => Error
): Promise<InstanceType<Model>> {
  if (!query.client.dialect.name.includes('sqlite')) {
    query.forUpdate()
  }
  const row = await query.first()
  if (!row) {
    throw missing()
  }
  return row
}

/**
 * Runs `write`. Two writers racing past an existence check meet the
 * unique index; the loser gets `taken()`, the same 409 as if it had
 * checked later, or (when no value is known to have collided) a 409
 * asking to retry.
 */
export async function guardUnique<Result>(
  write: () => Promise<Result>,
  taken?: () => Error
): Promise<Result> {
  try {
    return await write()
  } catch (error) {
    if (!isUniqueViolation(error)) {
      throw error
    }
    throw taken
      ? taken()
      : new ConflictException('A concurrent change got there first; please retry')
  }
}
