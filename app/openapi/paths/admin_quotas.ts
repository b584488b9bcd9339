import { authenticatedErrors, bodyErrors, json, ref, signedIn } from '#openapi/components'
import { MAX_QUOTA_ENVIRONMENTS, MAX_QUOTA_GPUS } from '#validators/quota'

const LIMIT_NAMES = ['environments', 'cpuMillicores', 'memoryBytes', 'storageBytes', 'gpus']

/** Five amounts: a quota's limits, what a user holds, or what is left. */
const amounts = (description: string) => ({
  type: 'object',
  additionalProperties: false,
  description,
  required: LIMIT_NAMES,
  properties: {
    environments: { type: 'integer', minimum: 0 },
    cpuMillicores: { type: 'integer', minimum: 0 },
    memoryBytes: { type: 'integer', minimum: 0 },
    storageBytes: { type: 'integer', minimum: 0 },
    gpus: { type: 'integer', minimum: 0 },
  },
})

const limits = amounts('The limits')

const bytes = (description: string) => ({
  description,
  oneOf: [
    { type: 'integer', minimum: 0 },
    {
      type: 'string',
      pattern: '^[0-9]+(\\.[0-9]+)?(k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$',
      examples: ['8Gi', '512Mi', '1.5Ti', '100G'],
    },
  ],
})

/** A whole quota as admins write it; sizes take the same units as images. */
const quotaInput = {
  type: 'object',
  additionalProperties: false,
  required: ['environments', 'cpu', 'memory', 'storage', 'gpus'],
  properties: {
    environments: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_QUOTA_ENVIRONMENTS,
      description: 'Environments that may exist at once (stopped ones count).',
    },
    cpu: {
      description:
        'Cores (a number, or a string such as "1.5") or millicores ("500m"); whole millicores, more than 0, at most 1024 cores.',
      oneOf: [
        { type: 'number', exclusiveMinimum: 0, maximum: 1024 },
        { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?m?$', examples: ['10', '1.5', '500m'] },
      ],
    },
    memory: bytes('Bytes, or a size with a unit (Ki, Mi, Gi, Ti, Pi, or decimal k, M, G, T, P).'),
    storage: bytes('Bytes, or a size with a unit, as memory.'),
    gpus: { type: 'integer', minimum: 0, maximum: MAX_QUOTA_GPUS },
  },
}

const requestBody = {
  required: true,
  content: { 'application/json': { schema: quotaInput } },
}

const siteDefault = json('The site default', {
  type: 'object',
  additionalProperties: false,
  required: ['data'],
  properties: { data: amounts('The limits of every user without an override') },
})

const summaryProperties = {
  limits,
  usage: amounts(
    'What the user holds: slots and storage while environments exist, compute while they run'
  ),
  available: amounts('What is left (never below 0)'),
}

const userIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The user',
  schema: { type: 'integer', minimum: 1 },
}

const tags = ['Administration']

export const adminQuotaPaths = {
  '/api/v1/admin/quotas/default': {
    get: {
      tags,
      summary: 'The site default quota (admins only)',
      description:
        'The stored default, or the configured one (QUOTA_DEFAULT_*) until an admin stores one.',
      security: signedIn,
      responses: {
        200: siteDefault,
        ...authenticatedErrors,
      },
    },
    put: {
      tags,
      summary: 'Set the site default quota (admins only)',
      description:
        'Applies at once to every user without an override. Audited as quota.default.update with the old and new values.',
      security: signedIn,
      requestBody,
      responses: {
        200: siteDefault,
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/users/{id}/quota': {
    get: {
      tags,
      summary: "A user's quota: limits, usage and what is available (admins only)",
      security: signedIn,
      parameters: [userIdParameter],
      responses: {
        200: json("The user's quota", {
          type: 'object',
          additionalProperties: false,
          required: ['data'],
          properties: {
            data: {
              type: 'object',
              additionalProperties: false,
              required: ['limits', 'usage', 'available', 'custom'],
              properties: {
                ...summaryProperties,
                custom: {
                  type: 'boolean',
                  description: 'Whether the limits are an override (else the site default).',
                },
              },
            },
          },
        }),
        404: ref('NotFound'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
    put: {
      tags,
      summary: "Override a user's quota (admins only)",
      description:
        'Limits below what the user already holds are allowed: nothing is stopped, new requisitions are refused until usage drops, and overLimit names the limits concerned. Audited as quota.user.update.',
      security: signedIn,
      parameters: [userIdParameter],
      requestBody,
      responses: {
        200: json("The user's quota", {
          type: 'object',
          additionalProperties: false,
          required: ['data'],
          properties: {
            data: {
              type: 'object',
              additionalProperties: false,
              required: ['limits', 'usage', 'available', 'custom', 'overLimit'],
              properties: {
                ...summaryProperties,
                custom: { const: true },
                overLimit: {
                  type: 'array',
                  uniqueItems: true,
                  items: { enum: LIMIT_NAMES },
                  description: 'Limits the current usage is above.',
                },
              },
            },
          },
        }),
        404: ref('NotFound'),
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
    delete: {
      tags,
      summary: "Remove a user's override: back to the site default (admins only)",
      description: 'Audited as quota.user.reset. 404 when the user has no override.',
      security: signedIn,
      parameters: [userIdParameter],
      responses: {
        204: { description: 'Removed' },
        404: ref('NotFound'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
}
