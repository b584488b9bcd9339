import {
  authenticatedErrors,
  bodyErrors,
  components,
  json,
  ref,
  signedIn,
} from '#openapi/components'
import { environmentPaths, environmentSchema } from '#openapi/paths/environments'
import { ENVIRONMENT_STATES } from '#domain/environment_states'
import { ADMIN_ENVIRONMENT_SORTS } from '#domain/listing'

const tags = ['Administration']

const amounts = {
  type: 'object',
  additionalProperties: false,
  required: ['environments', 'cpuMillicores', 'memoryBytes', 'storageBytes', 'gpus'],
  properties: {
    environments: { type: 'integer', minimum: 0 },
    cpuMillicores: { type: 'integer', minimum: 0 },
    memoryBytes: { type: 'integer', minimum: 0 },
    storageBytes: { type: 'integer', minimum: 0 },
    gpus: { type: 'integer', minimum: 0 },
  },
}

/** An environment as admins see it: the owner's view, the owner, and the engine endpoint. */
const adminEnvironment = {
  ...environmentSchema,
  required: [...environmentSchema.required, 'userId', 'username', 'endpoint'],
  properties: {
    ...environmentSchema.properties,
    userId: { type: 'integer' },
    username: { type: ['string', 'null'] },
    endpoint: {
      description: 'Where the engine serves it (null until provisioned); never the secret',
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['host', 'port'],
          properties: { host: { type: 'string' }, port: { type: 'integer' } },
        },
      ],
    },
  },
}

/** A user (the shared User schema) with their quota and live environments. */
const userDetails = {
  ...components.schemas.User,
  required: [...components.schemas.User.required, 'quota', 'environments'],
  properties: {
    ...components.schemas.User.properties,
    quota: {
      type: 'object',
      additionalProperties: false,
      required: ['limits', 'usage', 'available', 'custom'],
      properties: {
        limits: amounts,
        usage: amounts,
        available: amounts,
        custom: { type: 'boolean', description: 'Whether the limits are an override' },
      },
    },
    environments: {
      type: 'array',
      description: 'Their environments not yet removed, newest first',
      items: adminEnvironment,
    },
  },
}

const data = (description: string, schema: object) =>
  json(description, {
    type: 'object',
    additionalProperties: false,
    required: ['data'],
    properties: { data: schema },
  })

const list = (description: string, item: object) =>
  json(description, {
    type: 'object',
    additionalProperties: false,
    required: ['data', 'meta'],
    properties: {
      data: { type: 'array', items: item },
      meta: { $ref: '#/components/schemas/ListMeta' },
    },
  })

const idParameter = (description: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description,
  schema: { type: 'integer', minimum: 1 },
})

const conflict = (description: string) =>
  json(description, { $ref: '#/components/schemas/ErrorBody' })

const accepted = data('Accepted; the engine work follows', adminEnvironment)

const existing = environmentPaths['/api/v1/admin/environments/{id}']

export const adminUserPaths = {
  '/api/v1/admin/users': {
    get: {
      tags,
      summary: 'Search accounts (admins only)',
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
        {
          name: 'search',
          in: 'query',
          description: 'Part of the username, email or display name',
          schema: { type: 'string', maxLength: 255 },
        },
        { name: 'role', in: 'query', schema: { $ref: '#/components/schemas/Role' } },
        {
          name: 'provider',
          in: 'query',
          schema: { enum: ['local', 'useroffice', 'saml', 'oidc'] },
        },
        { name: 'disabled', in: 'query', schema: { enum: ['true', 'false'] } },
      ],
      responses: {
        200: list('Accounts, oldest first', { $ref: '#/components/schemas/User' }),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/users/{id}': {
    get: {
      tags,
      summary: 'An account with its quota usage and environments (admins only)',
      security: signedIn,
      parameters: [idParameter('The user')],
      responses: {
        200: data('The account', userDetails),
        404: ref('NotFound'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
    patch: {
      tags,
      summary: 'Change roles, disable or enable an account (admins only)',
      description:
        'roles replaces the manual roles (scientist is always kept; roles from the SAML IdP stay). Disabling ends every browser session and revokes every API token of the account; stopEnvironments stops its running environments. An admin cannot remove their own admin role or disable themselves (409 E_CONFLICT). Audited as user.update with the changed fields.',
      security: signedIn,
      parameters: [idParameter('The user')],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                roles: { type: 'array', items: { $ref: '#/components/schemas/Role' } },
                disabled: { type: 'boolean' },
                stopEnvironments: { type: 'boolean' },
              },
            },
          },
        },
      },
      responses: {
        200: data('The account', { $ref: '#/components/schemas/User' }),
        404: ref('NotFound'),
        409: conflict('Your own admin role or account (E_CONFLICT)'),
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
    delete: {
      tags,
      summary: 'Erase an account (GDPR; admins only)',
      description:
        'Removes its environments through the engine (not waited for), replaces the username by a stable pseudonym (erased-…), clears email, display name, external id and password, disables it, drops its roles, tokens, sessions and experiment memberships, and pseudonymises the audit trail. An admin cannot erase themselves (409 E_CONFLICT). Audited as user.erase.',
      security: signedIn,
      parameters: [idParameter('The user')],
      responses: {
        204: { description: 'Erased' },
        404: ref('NotFound'),
        409: conflict('Your own account (E_CONFLICT)'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/environments': {
    get: {
      tags,
      summary: "Everyone's environments (admins only; removed ones only when asked for by state)",
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
        { name: 'state', in: 'query', schema: { enum: ENVIRONMENT_STATES } },
        { name: 'userId', in: 'query', schema: { type: 'integer', minimum: 1 } },
        { name: 'imageId', in: 'query', schema: { type: 'integer', minimum: 1 } },
        { name: 'experimentId', in: 'query', schema: { type: 'integer', minimum: 1 } },
        { name: 'driver', in: 'query', schema: { enum: ['docker', 'kubernetes'] } },
        {
          name: 'sort',
          in: 'query',
          description: 'A leading "-" sorts descending; default -createdAt',
          schema: { enum: ADMIN_ENVIRONMENT_SORTS },
        },
      ],
      responses: {
        200: list('Environments', adminEnvironment),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/environments/{id}': {
    // The PATCH (expiry) is described with the owner's routes.
    ...existing,
    delete: {
      tags,
      summary: "Remove anyone's environment (admins only)",
      description:
        'The same guarded transition as the owner’s (409 E_INVALID_STATE otherwise). Audited as environment.remove with the owner in the details.',
      security: signedIn,
      parameters: [idParameter('The environment')],
      responses: {
        202: accepted,
        404: ref('NotFound'),
        409: conflict('Not in a state that allows this (E_INVALID_STATE)'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/admin/environments/{id}/stop': {
    post: {
      tags,
      summary: "Stop anyone's running environment (admins only)",
      description:
        'The same guarded transition as the owner’s (409 E_INVALID_STATE otherwise). Audited as environment.stop with the owner in the details.',
      security: signedIn,
      parameters: [idParameter('The environment')],
      responses: {
        202: accepted,
        404: ref('NotFound'),
        409: conflict('Not in a state that allows this (E_INVALID_STATE)'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
}
