import { authenticatedErrors, bodyErrors, dataOf, json, ref, signedIn } from '#openapi/components'

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } }

export const experimentPaths = {
  '/api/v1/experiments': {
    get: {
      tags: ['Experiments'],
      summary: 'My experiments',
      description:
        'The experiments (proposals) the caller belongs to, and only those. Facility accounts are refreshed from the User Office when older than EXPERIMENTS_SYNC_MAX_AGE_MINUTES; when it cannot answer, the stored data is served with meta.stale = true.',
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
        {
          name: 'search',
          in: 'query',
          description: 'Substring of the proposal id, title, abstract or instrument',
          schema: { type: 'string', maxLength: 200 },
        },
        {
          name: 'sort',
          in: 'query',
          schema: {
            enum: [
              'proposalId',
              'title',
              'instrument',
              'startDate',
              '-proposalId',
              '-title',
              '-instrument',
              '-startDate',
            ],
            default: '-startDate',
          },
        },
        { name: 'favorite', in: 'query', schema: { enum: ['true', 'false'] } },
      ],
      responses: {
        200: json('Experiments', {
          type: 'object',
          additionalProperties: false,
          required: ['data', 'meta'],
          properties: {
            data: { type: 'array', items: { $ref: '#/components/schemas/Experiment' } },
            meta: {
              type: 'object',
              additionalProperties: false,
              required: ['total', 'perPage', 'currentPage', 'lastPage', 'stale', 'lastSyncedAt'],
              properties: {
                total: { type: 'integer' },
                perPage: { type: 'integer' },
                currentPage: { type: 'integer' },
                lastPage: { type: 'integer' },
                stale: {
                  type: 'boolean',
                  description: 'The User Office could not be asked; this is the last synced data',
                },
                lastSyncedAt: { type: ['string', 'null'], format: 'date-time' },
              },
            },
          },
        }),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/experiments/sync': {
    post: {
      tags: ['Experiments'],
      summary: 'Refresh my experiments from the User Office now',
      description:
        'At most 6 times a minute. Local accounts get source "local" and nothing happens.',
      security: signedIn,
      responses: {
        200: json('Synced', {
          type: 'object',
          additionalProperties: false,
          required: ['data'],
          properties: {
            data: {
              type: 'object',
              additionalProperties: false,
              required: ['source', 'syncedAt', 'experiments'],
              properties: {
                source: { enum: ['useroffice', 'local'] },
                syncedAt: { type: ['string', 'null'], format: 'date-time' },
                experiments: { type: ['integer', 'null'] },
              },
            },
          },
        }),
        429: ref('TooManyRequests'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/experiments/{id}': {
    get: {
      tags: ['Experiments'],
      summary: 'One of my experiments, with its sessions',
      description:
        'Dataset mounts are shown as container paths (the mode’s container root joined with the session’s bind, e.g. /data/2019001) and modes; host paths stay server-side. Another user’s experiment is a 404.',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        200: json('The experiment', dataOf('Experiment')),
        404: ref('NotFound'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/experiments/{id}/favorite': {
    put: {
      tags: ['Experiments'],
      summary: 'Mark or unmark one of my experiments as a favourite',
      security: signedIn,
      parameters: [idParameter],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['favorite'],
              properties: { favorite: { type: 'boolean' } },
            },
          },
        },
      },
      responses: {
        200: json('The experiment', dataOf('Experiment')),
        404: ref('NotFound'),
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
  },
}
