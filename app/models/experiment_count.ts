import db from '@adonisjs/lucid/services/db'
import type { ExperimentSource } from '#models/experiment'

/**
 * How many experiments there are (of one source, or of all): read from the
 * `experiment_counts` rows that the database's triggers keep current on every
 * insert, delete and change of source (migration 0100, ADR 10), not counted.
 * Exact, and transactional like the rows themselves.
 */
export async function experimentTotal(source?: ExperimentSource): Promise<number> {
  const [row] = await db
    .from('experiment_counts')
    .if(source, (query) => query.where('source', source!))
    .sum('total as total')
  return Number(row?.total ?? 0)
}
