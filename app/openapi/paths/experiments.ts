import { dataOf, json, listOf, operation, ref, strict } from '#openapi/builder'
import {
  experimentListValidator,
  experimentParamsValidator,
  favoriteValidator,
} from '#validators/experiment'

const tag = 'Experiments'
const experiment = json('The experiment', dataOf('Experiment'))

export const experimentPaths = {
  'GET /api/v1/experiments': operation(tag, 'listExperiments', {
    summary: 'My experiments',
    description:
      'The experiments (proposals) the caller belongs to, and only those. Facility accounts are refreshed from the User Office when older than EXPERIMENTS_SYNC_MAX_AGE_MINUTES; when it cannot answer, the stored data is served with meta.stale = true.',
    query: experimentListValidator,
    responses: {
      200: json(
        'Experiments',
        listOf(
          'Experiment',
          strict({
            total: { type: 'integer' },
            perPage: { type: 'integer' },
            currentPage: { type: 'integer' },
            lastPage: { type: 'integer' },
            stale: {
              type: 'boolean',
              description: 'The User Office could not be asked; this is the last synced data',
            },
            lastSyncedAt: { type: ['string', 'null'], format: 'date-time' },
          })
        )
      ),
    },
  }),
  'POST /api/v1/experiments/sync': operation(tag, 'syncExperiments', {
    summary: 'Refresh my experiments from the User Office now',
    description: 'At most 6 times a minute. Local accounts get source "local" and nothing happens.',
    responses: {
      200: json(
        'Synced',
        dataOf(
          strict({
            source: { enum: ['useroffice', 'local'] },
            syncedAt: { type: ['string', 'null'], format: 'date-time' },
            experiments: { type: ['integer', 'null'] },
          })
        )
      ),
      429: ref('TooManyRequests'),
    },
  }),
  'GET /api/v1/experiments/{id}': operation(tag, 'getExperiment', {
    summary: 'One of my experiments, with its sessions',
    description:
      'Dataset mounts are shown as container paths (the mode’s container root joined with the session’s bind, e.g. /data/2019001) and modes; host paths stay server-side. Another user’s experiment is a 404.',
    params: experimentParamsValidator,
    responses: { 200: experiment, 404: ref('NotFound') },
  }),
  'PUT /api/v1/experiments/{id}/favorite': operation(tag, 'setExperimentFavorite', {
    summary: 'Mark or unmark one of my experiments as a favourite',
    description: 'The flag is the caller’s own; other members do not see it.',
    params: experimentParamsValidator,
    body: favoriteValidator,
    responses: { 200: experiment, 404: ref('NotFound') },
  }),
}
