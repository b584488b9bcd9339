import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import { setTimeout as sleep } from 'node:timers/promises'
import logger from '@adonisjs/core/services/logger'
import { isDeadlock, isUniqueViolation } from '#services/database_errors'
import ConflictException, { CONCURRENT_CHANGE_MESSAGE } from '#exceptions/conflict_exception'

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

/** The 409 of a write that met a concurrent one and may simply be sent again. */
export function concurrentChange() {
  return new ConflictException(CONCURRENT_CHANGE_MESSAGE)
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
    throw taken ? taken() : concurrentChange()
  }
}

/** How often a transaction refused for meeting a concurrent one runs in all. */
const TRANSACTION_ATTEMPTS = 6

/**
 * Runs `transaction` (the whole of a database transaction: it reads
 * again what it writes from) until the database does not refuse it for
 * meeting a concurrent one (`conflicted`; a deadlock by default: InnoDB
 * rolls its victim back and expects it to run again). Each attempt waits a
 * little longer, at a random point, so that the same writers do not meet
 * again in step. The last refusal is thrown. `name` says in the log which
 * writer ran again.
 */
export async function retryingConflicts<Result>(
  name: string,
  transaction: () => Promise<Result>,
  conflicted: (error: unknown) => boolean = isDeadlock
): Promise<Result> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction()
    } catch (error) {
      if (attempt === TRANSACTION_ATTEMPTS || !conflicted(error)) {
        throw error
      }
      logger.info(
        { transaction: name, attempt, code: (error as { code?: string }).code },
        'a transaction met a concurrent one; running it again'
      )
      await sleep(Math.random() * 10 * 2 ** attempt)
    }
  }
}
