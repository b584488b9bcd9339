import db from '@adonisjs/lucid/services/db'
import type { ExperimentSortKey } from '#domain/listing'
import type { ExperimentColumns } from '#transformers/experiment_transformer'
import { isoFromDriver } from '#models/driver_timestamp'
import { PreparedSelect } from '#models/prepared_select'

const SORT_COLUMNS: Record<ExperimentSortKey, string> = {
  proposalId: 'experiments.proposal_id',
  title: 'experiments.title',
  instrument: 'experiments.instrument',
  startDate: 'experiments.starts_at',
}

/** What a list shows of an experiment: ExperimentTransformer's columns (the admins' search too). */
export const SHOWN_EXPERIMENT_COLUMNS = [
  'experiments.id',
  'experiments.proposal_id',
  'experiments.title',
  'experiments.abstract',
  'experiments.instrument',
  'experiments.source',
  'experiments.starts_at',
  'experiments.last_synced_at',
]

/** The scientist's list: the shown columns and the caller's flag (from the page's ids). */
const LISTED_COLUMNS = [...SHOWN_EXPERIMENT_COLUMNS, 'page.favorite as favorite']

const SEARCHED_COLUMNS = [
  'experiments.proposal_id',
  'experiments.title',
  'experiments.abstract',
  'experiments.instrument',
]

/** One experiment of a list: its columns (dates as the API shows them) and the caller's flag. */
export type ListedExperiment = ExperimentColumns & { favorite: unknown }

/**
 * The shapes of a user's experiment list: sort, whether it searches and
 * filters favourites, and whether it reads a page or counts.
 */
export type ListedExperimentShape =
  `${ExperimentSortKey | `-${ExperimentSortKey}`}|${'s' | ''}|${'f' | ''}|${'page' | 'count'}`

/**
 * The experiments a user is a member of (and only those), as one prepared
 * statement per shape. Parameters: userId, pattern (a LIKE pattern, when
 * searching), favorite (a boolean, when filtering), limit and offset (pages).
 */
export const listedExperiments = new PreparedSelect<ListedExperimentShape>((shape, slot) => {
  const [sort, search, favorite, reads] = shape.split('|')
  const column = SORT_COLUMNS[sort.replace(/^-/, '') as ExperimentSortKey]
  const query = db
    .from('experiments')
    .join('experiment_members as m', 'm.experiment_id', 'experiments.id')
    .where('m.user_id', slot('userId'))
  if (search) {
    // LIKE is case-insensitive under MySQL's utf8mb4 collations and SQLite (ASCII).
    query.where((where) => {
      for (const searched of SEARCHED_COLUMNS) {
        where.orWhereRaw('?? LIKE ? ESCAPE ?', [searched, slot('pattern'), '\\'])
      }
    })
  }
  if (favorite) {
    query.where('m.favorite', slot('favorite'))
  }
  if (reads === 'count') {
    return query.count('* as total')
  }
  const direction = sort.startsWith('-') ? 'desc' : 'asc'
  // The page's ids (with the caller's flag and the sort key) first, then the shown columns of
  // those rows only: sorting rows that carry the abstract (TEXT) made MariaDB sort in an on-disk
  // temporary table, 0.5 ms of its CPU per request (docs/benchmarks.md, issue 16 stop 27).
  const page = query
    .select('experiments.id as id', 'm.favorite as favorite', `${column} as sort_key`)
    .orderBy(column, direction)
    .orderBy('experiments.id', 'asc')
    .limit(slot('limit'))
    .offset(slot('offset'))
  return (
    db
      .from(page.as('page'))
      // CROSS JOIN with ON: an inner join that SQLite also reads page first.
      .crossJoin('experiments', 'experiments.id', 'page.id')
      .select(LISTED_COLUMNS)
      .orderBy('page.sort_key', direction)
      .orderBy('page.id', 'asc')
  )
})

/** A row of `listedExperiments` as the model would read it, dates as the API shows them. */
export function listedExperiment(row: Record<string, unknown>): ListedExperiment {
  return {
    id: row.id as number,
    proposalId: row.proposal_id as string,
    title: row.title as string,
    abstract: row.abstract as string | null,
    instrument: row.instrument as string | null,
    source: row.source as ListedExperiment['source'],
    startsAt: isoFromDriver(row.starts_at as Date | string | null),
    lastSyncedAt: isoFromDriver(row.last_synced_at as Date | string | null),
    favorite: row.favorite,
  }
}
