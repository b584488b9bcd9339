/**
 * Shared schemas, parameters and responses of the OpenAPI document.
 * Response schemas are strict (`additionalProperties: false`) so that the
 * contract tests notice any field the server adds without documenting it.
 */
const dateTime = { type: 'string', format: 'date-time' }
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' }

function errorResponse(description: string, example: string) {
  return {
    description,
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/ErrorBody' },
        example: { errors: [{ code: example, message: description }] },
      },
    },
  }
}

/** What a personal API token may do. */
const tokenScopes = {
  type: 'array',
  items: { type: 'string', enum: ['user', 'admin'] },
  description: '"user": everything the owner may do as a scientist; "admin": admin endpoints too.',
}

/** An image as users see it in the catalogue (ImageTransformer). */
const image = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'name',
    'description',
    'driver',
    'protocol',
    'port',
    'resources',
    'requiresExperiment',
    'lifetimeHours',
  ],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string', maxLength: 100 },
    description: { type: ['string', 'null'] },
    driver: { type: 'string', enum: ['docker', 'kubernetes'] },
    protocol: { type: 'string', enum: ['vnc', 'rdp', 'ssh', 'http'] },
    port: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      description: 'The port the service listens on inside the container.',
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      description: 'What an environment of this image gets by default.',
      required: ['cpuMillicores', 'memoryBytes', 'storageBytes', 'gpus'],
      properties: {
        cpuMillicores: { type: 'integer', minimum: 1, examples: [1500] },
        memoryBytes: { type: 'integer', minimum: 1, examples: [4294967296] },
        storageBytes: { type: 'integer', minimum: 0 },
        gpus: { type: 'integer', minimum: 0, maximum: 64 },
      },
    },
    requiresExperiment: {
      type: 'boolean',
      description: 'Environments of this image are launched for an experiment (its data mounted).',
    },
    lifetimeHours: {
      type: ['integer', 'null'],
      minimum: 1,
      description: "Lifetime of a new environment; null means the site's default.",
    },
  },
}

/** An image as admins manage it (AdminImageTransformer). */
const adminImage = {
  ...image,
  required: [
    ...image.required,
    'reference',
    'environment',
    'command',
    'enabled',
    'allowedRoles',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    ...image.properties,
    reference: {
      type: 'string',
      maxLength: 255,
      examples: ['registry.example.org/team/jupyter:2024.1'],
    },
    environment: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Variables passed to the container; never PORTAL_* (the portal sets those).',
    },
    command: {
      type: ['array', 'null'],
      items: { type: 'string', minLength: 1 },
      description: "Overrides the image's command; null keeps the image's own.",
    },
    enabled: { type: 'boolean' },
    allowedRoles: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/Role' } },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
}

export const components = {
  securitySchemes: {
    cookieSession: {
      type: 'apiKey',
      in: 'cookie',
      name: 'portal-session',
      description:
        'Session cookie set by POST /api/v1/auth/login. Unsafe methods must echo the XSRF-TOKEN cookie in the X-XSRF-TOKEN header.',
    },
    bearerToken: {
      type: 'http',
      scheme: 'bearer',
      description: 'A personal API token from POST /api/v1/auth/tokens. Exempt from CSRF checks.',
    },
    metricsToken: {
      type: 'http',
      scheme: 'bearer',
      description: 'The METRICS_TOKEN of the portal configuration (GET /metrics only).',
    },
  },

  schemas: {
    ErrorBody: {
      type: 'object',
      additionalProperties: false,
      required: ['errors'],
      properties: {
        errors: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', pattern: '^E_[A-Z_]+$' },
              message: { type: 'string' },
              field: {
                type: 'string',
                description: 'The offending input field (validation errors).',
              },
              meta: {
                type: 'object',
                description:
                  'Details, e.g. for E_QUOTA_EXCEEDED: limit, requested, available, max.',
              },
            },
          },
        },
      },
    },
    ListMeta: {
      type: 'object',
      additionalProperties: false,
      required: ['total', 'perPage', 'currentPage', 'lastPage'],
      properties: {
        total: { type: 'integer', minimum: 0 },
        perPage: { type: 'integer', minimum: 1 },
        currentPage: { type: 'integer', minimum: 1 },
        lastPage: { type: 'integer', minimum: 1 },
      },
    },
    Role: { type: 'string', enum: ['scientist', 'admin'] },
    User: {
      type: 'object',
      additionalProperties: false,
      required: [
        'id',
        'username',
        'email',
        'displayName',
        'provider',
        'roles',
        'disabled',
        'lastLoginAt',
        'createdAt',
      ],
      properties: {
        id: { type: 'integer' },
        username: { type: 'string' },
        email: { type: ['string', 'null'] },
        displayName: { type: ['string', 'null'] },
        provider: { type: 'string', enum: ['local', 'useroffice', 'saml', 'oidc'] },
        roles: { type: 'array', items: { $ref: '#/components/schemas/Role' } },
        disabled: { type: 'boolean' },
        lastLoginAt: nullableDateTime,
        createdAt: dateTime,
      },
    },
    AccessToken: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'name', 'scopes', 'createdAt', 'lastUsedAt', 'expiresAt'],
      properties: {
        id: { type: 'integer' },
        name: { type: ['string', 'null'] },
        scopes: tokenScopes,
        createdAt: dateTime,
        lastUsedAt: nullableDateTime,
        expiresAt: nullableDateTime,
      },
    },
    NewAccessToken: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'name', 'scopes', 'token', 'createdAt', 'expiresAt'],
      properties: {
        id: { type: 'integer' },
        name: { type: ['string', 'null'] },
        scopes: tokenScopes,
        token: { type: 'string', description: 'Shown once; only its hash is stored.' },
        createdAt: dateTime,
        expiresAt: nullableDateTime,
      },
    },
    AuditEvent: {
      type: 'object',
      additionalProperties: false,
      required: [
        'id',
        'occurredAt',
        'actorId',
        'actorName',
        'action',
        'objectType',
        'objectId',
        'outcome',
        'clientIp',
        'userAgent',
        'requestId',
        'details',
      ],
      properties: {
        id: { type: 'integer' },
        occurredAt: dateTime,
        actorId: { type: ['integer', 'null'] },
        actorName: { type: ['string', 'null'] },
        action: { type: 'string', examples: ['auth.login'] },
        objectType: { type: ['string', 'null'] },
        objectId: { type: ['string', 'null'] },
        outcome: { type: 'string', enum: ['success', 'failure', 'denied'] },
        clientIp: { type: ['string', 'null'] },
        userAgent: { type: ['string', 'null'] },
        requestId: { type: ['string', 'null'] },
        details: { type: ['object', 'null'] },
      },
    },
    Experiment: {
      type: 'object',
      additionalProperties: false,
      required: [
        'id',
        'proposalId',
        'title',
        'abstract',
        'instrument',
        'source',
        'startsAt',
        'lastSyncedAt',
        'favorite',
      ],
      properties: {
        id: { type: 'integer' },
        proposalId: { type: 'string' },
        title: { type: 'string' },
        abstract: { type: ['string', 'null'] },
        instrument: { type: ['string', 'null'] },
        source: { type: 'string', enum: ['useroffice', 'local'] },
        startsAt: { ...nullableDateTime, description: 'Start of the earliest session.' },
        lastSyncedAt: nullableDateTime,
        favorite: { type: 'boolean', description: "The caller's own favourite flag." },
        sessions: {
          type: 'array',
          description: 'Present where the operation says so.',
          items: { $ref: '#/components/schemas/ExperimentSession' },
        },
      },
    },
    ExperimentSession: {
      type: 'object',
      additionalProperties: false,
      required: [
        'id',
        'sessionNumber',
        'title',
        'description',
        'startsAt',
        'endsAt',
        'launchable',
        'mounts',
        'mountErrors',
      ],
      properties: {
        id: { type: 'integer' },
        sessionNumber: { type: 'string' },
        title: { type: ['string', 'null'] },
        description: { type: ['string', 'null'] },
        startsAt: nullableDateTime,
        endsAt: nullableDateTime,
        launchable: {
          type: 'boolean',
          description: 'Whether every requested mount passed the checks (mountErrors is empty).',
        },
        mounts: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['containerPath', 'mode'],
            properties: {
              containerPath: {
                type: 'string',
                description:
                  'Where the data appears in the environment: the container root of the mode (MOUNT_CONTAINER_RO_ROOT or MOUNT_CONTAINER_RW_ROOT) joined with the bind.',
                example: '/data/2019001',
              },
              mode: { type: 'string', enum: ['ro', 'rw'] },
            },
          },
        },
        mountErrors: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['code', 'containerPath'],
            properties: {
              code: { type: 'string', pattern: '^E_MOUNT_[A-Z_]+$' },
              containerPath: {
                type: ['string', 'null'],
                description:
                  'The joined container path when it could be computed, else the bind as sent (null when there was no bind string, or the error concerns the whole value).',
              },
            },
          },
        },
      },
    },
    ExperimentMember: {
      type: 'object',
      additionalProperties: false,
      required: ['userId', 'username', 'role', 'source'],
      properties: {
        userId: { type: 'integer' },
        username: { type: 'string' },
        role: { type: 'string', maxLength: 32, examples: ['member'] },
        source: { type: 'string', enum: ['useroffice', 'local'] },
      },
    },
    Image: image,
    AdminImage: adminImage,
    HealthReport: {
      type: 'object',
      additionalProperties: false,
      required: ['status', 'leader', 'checks'],
      properties: {
        status: {
          type: 'string',
          enum: ['ok', 'degraded', 'error'],
          description:
            'ok: every check passes; degraded: a check that is not required fails or warns (still 200); error: a required check fails (503)',
        },
        leader: {
          type: 'boolean',
          description:
            'Whether this process holds the background-jobs lease (runs the reconciler and expiry)',
        },
        checks: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'status', 'message', 'required'],
            properties: {
              name: {
                type: 'string',
                description:
                  'database, compute, and the configured outside systems: user_office, guacamole_db, guacamole_api (shutdown while draining)',
              },
              status: { type: 'string', enum: ['ok', 'warning', 'error'] },
              message: { type: 'string' },
              required: {
                type: 'boolean',
                description:
                  'Whether its failure makes the process not ready (HEALTH_REQUIRED_CHECKS; the database always)',
              },
            },
          },
        },
      },
    },
  },

  parameters: {
    page: {
      name: 'page',
      in: 'query',
      schema: { type: 'integer', minimum: 1, default: 1 },
    },
    perPage: {
      name: 'perPage',
      in: 'query',
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    },
  },

  responses: {
    InvalidJson: errorResponse('The body is not a JSON object', 'E_INVALID_JSON'),
    Unauthenticated: errorResponse('Authentication required', 'E_UNAUTHENTICATED'),
    Forbidden: errorResponse(
      'Not allowed (missing role, bad CSRF token or disabled account)',
      'E_FORBIDDEN'
    ),
    NotFound: errorResponse('Not found (or not yours)', 'E_NOT_FOUND'),
    PayloadTooLarge: errorResponse('Request body is too large', 'E_PAYLOAD_TOO_LARGE'),
    ValidationFailed: errorResponse(
      'Invalid input; each error names its field',
      'E_VALIDATION_ERROR'
    ),
    TooManyRequests: {
      ...errorResponse(
        'Throttled; retry after the number of seconds in Retry-After',
        'E_TOO_MANY_REQUESTS'
      ),
      headers: { 'Retry-After': { schema: { type: 'integer' } } },
    },
    LaunchLimit: {
      ...errorResponse(
        'The site is starting as many environments as it allows at once; retry after Retry-After seconds',
        'E_LAUNCH_LIMIT'
      ),
      headers: { 'Retry-After': { schema: { type: 'integer' } } },
    },
    ServiceUnavailable: errorResponse('A required service is unavailable', 'E_SERVICE_UNAVAILABLE'),
  },
}

/** `{data: <schema>}` */
export function dataOf(schemaRef: string) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['data'],
    properties: { data: { $ref: `#/components/schemas/${schemaRef}` } },
  }
}

/** `{data: [<schema>], meta}` */
export function listOf(schemaRef: string) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['data', 'meta'],
    properties: {
      data: { type: 'array', items: { $ref: `#/components/schemas/${schemaRef}` } },
      meta: { $ref: '#/components/schemas/ListMeta' },
    },
  }
}

export function json(description: string, schema: object) {
  return { description, content: { 'application/json': { schema } } }
}

export function ref(name: keyof typeof components.responses) {
  return { $ref: `#/components/responses/${name}` }
}

/** Error responses every authenticated endpoint can give. */
export const authenticatedErrors = {
  401: ref('Unauthenticated'),
  403: ref('Forbidden'),
  503: ref('ServiceUnavailable'),
}

/** Extra error responses of endpoints that take a JSON body. */
export const bodyErrors = {
  400: ref('InvalidJson'),
  413: ref('PayloadTooLarge'),
  422: ref('ValidationFailed'),
}

export const signedIn = [{ cookieSession: [] }, { bearerToken: [] }]
