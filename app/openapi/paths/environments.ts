import { authenticatedErrors, bodyErrors, json, ref, signedIn } from '#openapi/components'

const ENVIRONMENT_STATES = [
  'provisioning',
  'running',
  'stopping',
  'stopped',
  'removing',
  'removed',
  'failed',
]

const resources = {
  type: 'object',
  additionalProperties: false,
  required: ['cpuMillicores', 'memoryBytes', 'storageBytes', 'gpus'],
  properties: {
    cpuMillicores: { type: 'integer' },
    memoryBytes: { type: 'integer' },
    storageBytes: { type: 'integer' },
    gpus: { type: 'integer' },
  },
}

const quotaAmounts = {
  type: 'object',
  additionalProperties: false,
  required: ['environments', 'cpuMillicores', 'memoryBytes', 'storageBytes', 'gpus'],
  properties: {
    environments: { type: 'integer' },
    cpuMillicores: { type: 'integer' },
    memoryBytes: { type: 'integer' },
    storageBytes: { type: 'integer' },
    gpus: { type: 'integer' },
  },
}

/** An environment as its owner sees it (no secret, no engine internals). */
export const environmentSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'name',
    'state',
    'failureReason',
    'driver',
    'imageId',
    'experimentId',
    'sessionId',
    'imageName',
    'protocol',
    'resources',
    'expiresAt',
    'lastActivityAt',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    state: { enum: ENVIRONMENT_STATES },
    failureReason: { type: ['string', 'null'], description: 'Why it failed, for people' },
    driver: { enum: ['docker', 'kubernetes'] },
    imageId: { type: 'integer' },
    experimentId: { type: ['integer', 'null'] },
    sessionId: { type: ['integer', 'null'] },
    imageName: { type: ['string', 'null'] },
    protocol: { enum: ['vnc', 'rdp', 'ssh', 'http', null] },
    resources,
    expiresAt: { type: 'string', format: 'date-time' },
    lastActivityAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description:
        "The latest use the portal knows of: Guacamole's connection history, the web application's own activity (Jupyter's /api/status), access granted by the portal, the last start. Null before it first ran.",
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
}

const one = json('The environment', {
  type: 'object',
  additionalProperties: false,
  required: ['data'],
  properties: { data: environmentSchema },
})

const accepted = json('Accepted; follow progress at /events or poll', {
  type: 'object',
  additionalProperties: false,
  required: ['data'],
  properties: { data: environmentSchema },
})

/** Body of both expiry changes (owner's and admin's). */
const expiryBody = {
  required: true,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['expiresAt'],
        properties: { expiresAt: { type: 'string', format: 'date-time' } },
      },
    },
  },
}

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } }

const conflict = json(
  'Not in a state that allows this (E_INVALID_STATE), or over quota (E_QUOTA_EXCEEDED)',
  {
    $ref: '#/components/schemas/ErrorBody',
  }
)

export const environmentPaths = {
  '/api/v1/quota': {
    get: {
      tags: ['Environments'],
      summary: 'My quota: limits, usage and what is available',
      security: signedIn,
      responses: {
        200: json('Quota', {
          type: 'object',
          additionalProperties: false,
          required: ['data'],
          properties: {
            data: {
              type: 'object',
              additionalProperties: false,
              required: ['limits', 'usage', 'available'],
              properties: { limits: quotaAmounts, usage: quotaAmounts, available: quotaAmounts },
            },
          },
        }),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/environments': {
    get: {
      tags: ['Environments'],
      summary: 'My environments (removed ones only when asked for by state)',
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
        { name: 'state', in: 'query', schema: { enum: ENVIRONMENT_STATES } },
      ],
      responses: {
        200: json('Environments', {
          type: 'object',
          additionalProperties: false,
          required: ['data', 'meta'],
          properties: {
            data: { type: 'array', items: environmentSchema },
            meta: { $ref: '#/components/schemas/ListMeta' },
          },
        }),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
    post: {
      tags: ['Environments'],
      summary: 'Requisition an environment',
      description:
        "Checks the image is one the caller may launch and the caller belongs to the experiment (else 404), reserves quota atomically (409 E_QUOTA_EXCEEDED names the limit; 429 E_LAUNCH_LIMIT while the site already starts ENVIRONMENT_MAX_CONCURRENT_LAUNCHES environments), records the environment as provisioning and starts it. Answers 202 at once. An environment tied to no experiment needs the User Office's authorisation when USER_OFFICE_AUTHORIZED_URL is set (contract endpoint 3): 403 E_NOT_AUTHORIZED_BY_USER_OFFICE when it says no or does not know the caller, 503 E_USER_OFFICE_UNAVAILABLE when it gives no answer (local accounts are not asked). A launch on an experiment re-syncs the caller\'s memberships first when they are older than LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES (503 E_USER_OFFICE_UNAVAILABLE when the User Office cannot answer: nothing is launched on stale rights).",
      security: signedIn,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['imageId'],
              properties: {
                imageId: { type: 'integer' },
                experimentId: { type: 'integer' },
                sessionId: { type: 'integer', description: 'Mounts this beamtime session’s data' },
                name: { type: 'string', maxLength: 100 },
              },
            },
          },
        },
      },
      responses: {
        202: accepted,
        404: ref('NotFound'),
        409: conflict,
        429: ref('LaunchLimit'),
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/environments/{id}': {
    get: {
      tags: ['Environments'],
      summary: 'One of my environments',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        200: one,
        404: ref('NotFound'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
    patch: {
      tags: ['Environments'],
      summary: 'Change the expiry (at most ENVIRONMENT_MAX_LIFETIME_HOURS after creation)',
      security: signedIn,
      parameters: [idParameter],
      requestBody: expiryBody,
      responses: {
        200: one,
        404: ref('NotFound'),
        409: conflict,
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
    delete: {
      tags: ['Environments'],
      summary: 'Stop if needed and remove (frees its quota)',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        202: accepted,
        404: ref('NotFound'),
        409: conflict,
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/environments/{id}': {
    patch: {
      tags: ['Administration'],
      summary: "Change the expiry of anyone's environment (admins)",
      description: 'At most ENVIRONMENT_MAX_LIFETIME_HOURS after creation.',
      security: signedIn,
      parameters: [idParameter],
      requestBody: expiryBody,
      responses: {
        200: one,
        404: ref('NotFound'),
        409: conflict,
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/environments/{id}/stop': {
    post: {
      tags: ['Environments'],
      summary: 'Stop (keeps it, and its slot and storage)',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        202: accepted,
        404: ref('NotFound'),
        409: conflict,
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/environments/{id}/start': {
    post: {
      tags: ['Environments'],
      summary: 'Start a stopped environment (its compute must fit the quota)',
      description:
        'Its compute must fit the quota again, and the rights it was launched with must still hold: the image is still offered to the owner and the owner still belongs to its experiment (memberships re-synced as at requisition), else 403 E_LAUNCH_NOT_ALLOWED; an environment tied to no experiment is authorised by the User Office again (403 E_NOT_AUTHORIZED_BY_USER_OFFICE, 503 E_USER_OFFICE_UNAVAILABLE).',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        202: accepted,
        404: ref('NotFound'),
        409: conflict,
        429: ref('LaunchLimit'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/environments/{id}/events': {
    get: {
      tags: ['Environments'],
      summary: 'Progress as server-sent events',
      description:
        'Events "progress" (id, step, message, state, at) — resumable with Last-Event-ID — with keep-alive comments, then a final "ready" (running), "failed", "stopped" or "removed" event and the end of the stream.',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        200: { description: 'The event stream', content: { 'text/event-stream': {} } },
        404: ref('NotFound'),
        422: ref('ValidationFailed'),
        429: ref('TooManyRequests'),
        ...authenticatedErrors,
      },
    },
  },
}
