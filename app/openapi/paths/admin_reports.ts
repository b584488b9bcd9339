import { authenticatedErrors, json, ref, signedIn } from '#openapi/components'

/** Admin reports: the audit CSV export, usage accounting and the live overview. */

const dateTime = { type: 'string', format: 'date-time' }

function csv(description: string, example: string) {
  return {
    description,
    headers: {
      'Content-Disposition': {
        schema: { type: 'string' },
        description: 'attachment; filename="…csv"',
      },
    },
    content: { 'text/csv': { schema: { type: 'string' }, example } },
  }
}

const auditFilters = [
  { name: 'actorId', in: 'query', schema: { type: 'integer' } },
  { name: 'action', in: 'query', schema: { type: 'string' }, example: 'auth.login' },
  { name: 'objectType', in: 'query', schema: { type: 'string' }, example: 'environment' },
  { name: 'objectId', in: 'query', schema: { type: 'string' } },
  {
    name: 'outcome',
    in: 'query',
    schema: { type: 'string', enum: ['success', 'failure', 'denied'] },
  },
  { name: 'from', in: 'query', schema: dateTime },
  { name: 'to', in: 'query', schema: dateTime },
]

const usageParameters = [
  {
    name: 'from',
    in: 'query',
    required: true,
    schema: dateTime,
    description: 'Start of the window (ISO 8601).',
  },
  {
    name: 'to',
    in: 'query',
    schema: dateTime,
    description: 'End of the window; defaults to now. At most 400 days after `from`.',
  },
  {
    name: 'groupBy',
    in: 'query',
    required: true,
    schema: { type: 'string', enum: ['user', 'experiment', 'image'] },
  },
]

const hours = { type: 'number', minimum: 0, description: 'Rounded to 4 decimals.' }

const usageRow = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'environmentHours', 'cpuCoreHours', 'memoryGiBHours', 'gpuHours'],
  properties: {
    key: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'label'],
      properties: {
        id: {
          type: ['integer', 'null'],
          description: 'User, experiment or image id; null for "(no experiment)".',
        },
        label: { type: 'string', description: 'Username, proposal id or image name.' },
      },
    },
    environmentHours: { ...hours, description: 'Hours holding a slot (any live state).' },
    cpuCoreHours: { ...hours, description: 'Cores × hours holding compute.' },
    memoryGiBHours: { ...hours, description: 'GiB × hours holding compute.' },
    gpuHours: hours,
  },
}

const usageBody = {
  type: 'object',
  additionalProperties: false,
  required: ['data', 'meta'],
  properties: {
    data: { type: 'array', items: usageRow },
    meta: {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'to', 'groupBy'],
      properties: {
        from: dateTime,
        to: dateTime,
        groupBy: { type: 'string', enum: ['user', 'experiment', 'image'] },
      },
    },
  },
}

const resources = {
  type: 'object',
  additionalProperties: false,
  required: ['cpuMillicores', 'memoryBytes', 'gpus'],
  properties: {
    cpuMillicores: { type: 'integer', minimum: 0 },
    memoryBytes: { type: 'integer', minimum: 0 },
    gpus: { type: 'integer', minimum: 0 },
  },
}

const states = ['provisioning', 'running', 'stopping', 'stopped', 'removing', 'removed', 'failed']

const overviewBody = {
  type: 'object',
  additionalProperties: false,
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['environmentsByState', 'reserved', 'capacity', 'activeUsers24h', 'failures24h'],
      properties: {
        environmentsByState: {
          type: 'object',
          additionalProperties: false,
          required: states,
          properties: Object.fromEntries(
            states.map((state) => [state, { type: 'integer', minimum: 0 }])
          ),
        },
        reserved: {
          ...resources,
          description: 'Sum over environments holding compute (provisioning, running, stopping).',
        },
        capacity: {
          type: 'object',
          additionalProperties: false,
          required: ['cpuMillicores', 'memoryBytes', 'gpus'],
          description: 'CAPACITY_CPU / CAPACITY_MEMORY / CAPACITY_GPUS; null when not configured.',
          properties: {
            cpuMillicores: { type: ['integer', 'null'], minimum: 0 },
            memoryBytes: { type: ['integer', 'null'], minimum: 0 },
            gpus: { type: ['integer', 'null'], minimum: 0 },
          },
        },
        activeUsers24h: {
          type: 'integer',
          minimum: 0,
          description: 'Distinct users with a successful sign-in in the last 24 hours.',
        },
        failures24h: {
          type: 'integer',
          minimum: 0,
          description: 'Environments that entered "failed" in the last 24 hours.',
        },
      },
    },
  },
}

export const adminReportPaths = {
  '/api/v1/admin/audit.csv': {
    get: {
      tags: ['Administration'],
      summary: 'The audit trail as CSV (admins only)',
      description:
        'The same filters as `/admin/audit`; at most 100,000 rows, newest first. Cells that start with = + - @ are prefixed with a single quote.',
      security: signedIn,
      parameters: auditFilters,
      responses: {
        200: csv(
          'RFC 4180 CSV, header row first',
          'id,occurredAt,actorId,actorName,action,objectType,objectId,outcome,clientIp,userAgent,requestId,details\r\n'
        ),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/usage': {
    get: {
      tags: ['Administration'],
      summary: 'Resource usage per user, experiment or image (admins only)',
      description:
        'Computed from recorded state transitions: environment hours while an environment holds a slot, CPU/memory/GPU hours while it holds compute, clipped to the window.',
      security: signedIn,
      parameters: usageParameters,
      responses: {
        200: json('Usage rows, by label', usageBody),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/usage.csv': {
    get: {
      tags: ['Administration'],
      summary: 'Resource usage as CSV (admins only)',
      security: signedIn,
      parameters: usageParameters,
      responses: {
        200: csv(
          'RFC 4180 CSV, header row first',
          'userId,label,environmentHours,cpuCoreHours,memoryGiBHours,gpuHours\r\n'
        ),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/overview': {
    get: {
      tags: ['Administration'],
      summary: 'Live facility overview (admins only)',
      security: signedIn,
      responses: {
        200: json('Environments, reservations, capacity and the last day', overviewBody),
        ...authenticatedErrors,
      },
    },
  },
}
