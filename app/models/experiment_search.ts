import type { ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import type Experiment from '#models/experiment'

type ExperimentQuery = ModelQueryBuilderContract<typeof Experiment>

/**
 * Narrows an experiments query to the rows where every word starts a word of
 * the proposal id, title or instrument (ADR 9), through the full-text index
 * of migration 0080: InnoDB FULLTEXT on MySQL/MariaDB, FTS5 on SQLite.
 * `words` come from `searchWords` (letters and digits only), so they never
 * carry an operator of either search syntax. No words: nothing matches.
 */
export function whereSearchMatches(query: ExperimentQuery, words: string[]) {
  if (words.length === 0) {
    return query.whereRaw('1 = 0')
  }
  if (query.client.dialect.name.includes('sqlite')) {
    const match = words.map((word) => `"${word}"*`).join(' ')
    return query.whereRaw(
      'experiments.id IN (SELECT rowid FROM experiments_search WHERE experiments_search MATCH ?)',
      [match]
    )
  }
  const match = words.map((word) => `+${word}*`).join(' ')
  return query.whereRaw(
    'MATCH (experiments.proposal_id, experiments.title, experiments.instrument) AGAINST (? IN BOOLEAN MODE)',
    [match]
  )
}
