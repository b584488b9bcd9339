import {
  authenticatedErrors,
  bodyErrors,
  components,
  dataOf,
  json,
  listOf,
  ref,
  signedIn,
} from '#openapi/components'

const experiment = components.schemas.Experiment

/**
 * An experiment as admins see it: the Experiment schema (sessions always
 * present) plus the POSIX identity and the members.
 */
const adminExperiment = {
  type: 'object',
  additionalProperties: false,
  required: ['data'],
  properties: {
    data: {
      ...experiment,
      required: [...experiment.required, 'sessions', 'posixUid', 'posixGid', 'members'],
      properties: {
        ...experiment.properties,
        posixUid: { type: ['integer', 'null'], minimum: 1 },
        posixGid: { type: ['integer', 'null'], minimum: 1 },
        members: { type: 'array', items: { $ref: '#/components/schemas/ExperimentMember' } },
      },
    },
  },
}

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
}
const sessionNumberParameter = {
  name: 'sessionNumber',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 64 },
}
const userIdParameter = {
  name: 'userId',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
}

const posixId = {
  type: ['integer', 'null'],
  minimum: 1,
  maximum: 2147483647,
  description: 'POSIX id the data belongs to; 0 (root) is refused.',
}
const experimentFields = {
  proposalId: { type: 'string', minLength: 1, maxLength: 64 },
  title: { type: 'string', minLength: 1, maxLength: 500 },
  abstract: { type: ['string', 'null'], maxLength: 16000 },
  instrument: { type: ['string', 'null'], maxLength: 128 },
  posixUid: posixId,
  posixGid: posixId,
}

const notFound = ref('NotFound')
const userOfficeConflict = json('The experiment is managed by the User Office (E_CONFLICT)', {
  $ref: '#/components/schemas/ErrorBody',
})
const tags = ['Administration']

export const adminExperimentPaths = {
  '/api/v1/admin/experiments': {
    get: {
      tags,
      summary: 'All experiments, local and User Office (admins only)',
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
        {
          name: 'search',
          in: 'query',
          description: 'Part of the proposal id, title or instrument',
          schema: { type: 'string', maxLength: 128 },
        },
        { name: 'source', in: 'query', schema: { type: 'string', enum: ['local', 'useroffice'] } },
      ],
      responses: {
        200: json('Experiments, newest first (without sessions)', listOf('Experiment')),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
    post: {
      tags,
      summary: 'Create a local experiment (admins only)',
      security: signedIn,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['proposalId', 'title'],
              properties: experimentFields,
            },
          },
        },
      },
      responses: {
        201: json('Created', adminExperiment),
        409: json('The proposal id is taken (E_CONFLICT)', {
          $ref: '#/components/schemas/ErrorBody',
        }),
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/experiments/{id}': {
    get: {
      tags,
      summary: 'An experiment with its sessions and members (admins only)',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        200: json('The experiment', adminExperiment),
        404: notFound,
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
    patch: {
      tags,
      summary: 'Change a local experiment (admins only)',
      description: 'Only the fields sent change; null clears an optional field.',
      security: signedIn,
      parameters: [idParameter],
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: { type: 'object', properties: experimentFields } },
        },
      },
      responses: {
        200: json('The changed experiment', adminExperiment),
        404: notFound,
        409: json(
          'The proposal id is taken, or the experiment is managed by the User Office (E_CONFLICT)',
          { $ref: '#/components/schemas/ErrorBody' }
        ),
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
    delete: {
      tags,
      summary: 'Delete a local experiment with its sessions and members (admins only)',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        204: { description: 'Deleted' },
        404: notFound,
        409: userOfficeConflict,
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/experiments/{id}/sessions/{sessionNumber}': {
    put: {
      tags,
      summary: 'Create or replace a session of a local experiment (admins only)',
      description:
        'Fields left out become null. The mounts dataSetPath asks for are checked against the mount policy and stored: a value that fails the checks is kept, and the session is not launchable (see mountErrors).',
      security: signedIn,
      parameters: [idParameter, sessionNumberParameter],
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                title: { type: ['string', 'null'], maxLength: 500 },
                description: { type: ['string', 'null'], maxLength: 16000 },
                startsAt: { type: ['string', 'null'], format: 'date-time' },
                endsAt: {
                  type: ['string', 'null'],
                  format: 'date-time',
                  description: 'Not before startsAt.',
                },
                dataSetPath: {
                  type: ['string', 'null'],
                  maxLength: 16000,
                  description:
                    'JSON, as the User Office sends it: host path → {"bind", "mode"}. "bind" is a sub-path of the mode\'s container root (MOUNT_CONTAINER_RO_ROOT for "ro", MOUNT_CONTAINER_RW_ROOT for "rw"; "" is the root itself): the example mounts /data/2019001 read-only and /output/2019001 read-write.',
                  example:
                    '{"/srv/data/2019001": {"bind": "/2019001", "mode": "ro"}, "/srv/results/2019001": {"bind": "/2019001", "mode": "rw"}}',
                },
              },
            },
          },
        },
      },
      responses: {
        200: json('Replaced (or unchanged)', dataOf('ExperimentSession')),
        201: json('Created', dataOf('ExperimentSession')),
        404: notFound,
        409: userOfficeConflict,
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
    delete: {
      tags,
      summary: 'Delete a session of a local experiment (admins only)',
      security: signedIn,
      parameters: [idParameter, sessionNumberParameter],
      responses: {
        204: { description: 'Deleted' },
        404: notFound,
        409: userOfficeConflict,
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/experiments/{id}/members/{userId}': {
    put: {
      tags,
      summary: 'Add a member to a local experiment, or set their role (admins only)',
      security: signedIn,
      parameters: [idParameter, userIdParameter],
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                role: { type: 'string', minLength: 1, maxLength: 32, default: 'member' },
              },
            },
          },
        },
      },
      responses: {
        200: json('The role was set (or already was)', dataOf('ExperimentMember')),
        201: json('Added', dataOf('ExperimentMember')),
        404: notFound,
        409: userOfficeConflict,
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
    delete: {
      tags,
      summary: 'Remove a member from a local experiment (admins only)',
      security: signedIn,
      parameters: [idParameter, userIdParameter],
      responses: {
        204: { description: 'Removed' },
        404: notFound,
        409: userOfficeConflict,
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
}
