import {
  authenticatedErrors,
  bodyErrors,
  dataOf,
  json,
  listOf,
  ref,
  signedIn,
} from '#openapi/components'

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
}

const searchParameter = {
  name: 'search',
  in: 'query',
  description: 'Part of the name or description',
  schema: { type: 'string', maxLength: 100 },
}

const bytes = (minimum: number, description: string) => ({
  description,
  oneOf: [
    { type: 'integer', minimum },
    {
      type: 'string',
      pattern: '^[0-9]+(\\.[0-9]+)?(k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$',
      examples: ['4Gi', '512Mi', '1.5Gi', '2G'],
    },
  ],
})

/** Input fields; cpu, memory and storage take units and are stored as exact integers. */
const imageFields = {
  name: { type: 'string', minLength: 1, maxLength: 100, description: 'Unique.' },
  description: { type: ['string', 'null'], maxLength: 16000 },
  reference: {
    type: 'string',
    maxLength: 255,
    description:
      'Docker image / pod image reference: [host[:port]/]lowercase/path[:tag][@sha256:<64 hex>].',
    examples: ['registry.example.org/team/jupyter:2024.1'],
  },
  driver: { type: 'string', enum: ['docker', 'kubernetes'] },
  protocol: { type: 'string', enum: ['vnc', 'rdp', 'ssh', 'http'] },
  port: { type: 'integer', minimum: 1, maximum: 65535 },
  cpu: {
    description:
      'Cores (a number, or a string such as "1.5") or millicores ("500m"); whole millicores, more than 0, at most 1024 cores.',
    oneOf: [
      { type: 'number', exclusiveMinimum: 0, maximum: 1024 },
      { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?m?$', examples: ['2', '1.5', '500m'] },
    ],
  },
  memory: bytes(1, 'Bytes, or a size with a unit (Ki, Mi, Gi, Ti, Pi, or decimal k, M, G, T, P).'),
  storage: bytes(0, 'Bytes, or a size with a unit, as memory; 0 by default.'),
  gpus: { type: 'integer', minimum: 0, maximum: 64, default: 0 },
  environment: {
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 8192 },
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 128 },
    description: 'Variables for the container. Names starting with PORTAL_ are refused.',
    default: {},
  },
  command: {
    type: ['array', 'null'],
    minItems: 1,
    items: { type: 'string', minLength: 1 },
    description: "Overrides the image's command; null (the default) keeps the image's own.",
  },
  requiresExperiment: { type: 'boolean', default: true },
  readOnlyRootFilesystem: {
    type: 'boolean',
    default: false,
    description:
      'Run with a read-only root file system (/tmp a writable scratch volume); only for images that write nowhere else but their mounts.',
  },
  enabled: { type: 'boolean', default: true },
  allowedRoles: {
    type: 'array',
    minItems: 1,
    items: { $ref: '#/components/schemas/Role' },
    default: ['scientist'],
    description: 'Roles that may launch the image; everyone holds "scientist".',
  },
  lifetimeHours: {
    type: ['integer', 'null'],
    minimum: 1,
    maximum: 8760,
    description: "Overrides the site's environment lifetime; null (the default) uses it.",
  },
  idleLimitMinutes: {
    type: ['integer', 'null'],
    minimum: 5,
    maximum: 43200,
    description:
      'Stops (never removes) a running environment unused this long; null (the default): never.',
  },
}

const conflict = (description: string) =>
  json(description, { $ref: '#/components/schemas/ErrorBody' })
const notFound = ref('NotFound')
const tags = ['Images']

export const imagePaths = {
  '/api/v1/images': {
    get: {
      tags,
      summary: 'Images I may launch',
      description: "Enabled images whose allowedRoles include one of the caller's roles, by name.",
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
        searchParameter,
      ],
      responses: {
        200: json('Images', listOf('Image')),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/images': {
    get: {
      tags: ['Administration'],
      summary: 'Every image, disabled ones too (admins only)',
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
        searchParameter,
        { name: 'driver', in: 'query', schema: { type: 'string', enum: ['docker', 'kubernetes'] } },
        { name: 'enabled', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } },
      ],
      responses: {
        200: json('Images, by name', listOf('AdminImage')),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
    post: {
      tags: ['Administration'],
      summary: 'Add an image to the catalogue (admins only)',
      security: signedIn,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['name', 'reference', 'driver', 'protocol', 'port', 'cpu', 'memory'],
              properties: imageFields,
            },
          },
        },
      },
      responses: {
        201: json('Created', dataOf('AdminImage')),
        409: conflict('The name is taken (E_CONFLICT)'),
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/images/{id}': {
    get: {
      tags: ['Administration'],
      summary: 'An image (admins only)',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        200: json('The image', dataOf('AdminImage')),
        404: notFound,
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
    patch: {
      tags: ['Administration'],
      summary: 'Change an image (admins only)',
      description:
        'Only the fields sent change; null clears description, command, lifetimeHours and idleLimitMinutes.',
      security: signedIn,
      parameters: [idParameter],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: 'object', properties: imageFields } } },
      },
      responses: {
        200: json('The changed image', dataOf('AdminImage')),
        404: notFound,
        409: conflict('The name is taken (E_CONFLICT)'),
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
    delete: {
      tags: ['Administration'],
      summary: 'Remove an image from the catalogue (admins only)',
      description:
        'An image that environments still reference cannot be deleted (409); disable it instead.',
      security: signedIn,
      parameters: [idParameter],
      responses: {
        204: { description: 'Deleted' },
        404: notFound,
        409: conflict('The image is in use; disable it instead (E_CONFLICT)'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
}
