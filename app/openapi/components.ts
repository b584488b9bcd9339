import { ROLES } from '#models/role'
import { strict } from '#openapi/builder'
import { objectSchema } from '#transformers/field_list'
import { accessTokenFields, newAccessTokenFields } from '#transformers/access_token_transformer'
import { adminEnvironmentFields } from '#transformers/admin_environment_transformer'
import { adminExperimentFields } from '#transformers/admin_experiment_transformer'
import { adminImageFields } from '#transformers/admin_image_transformer'
import { adminLinkFields } from '#transformers/admin_link_transformer'
import { auditEventFields } from '#transformers/audit_event_transformer'
import { environmentFields, environmentHoldingFields } from '#transformers/environment_transformer'
import { environmentShareFields } from '#transformers/environment_share_transformer'
import { experimentMemberFields } from '#transformers/experiment_member_transformer'
import { experimentSessionFields } from '#transformers/experiment_session_transformer'
import { experimentFields } from '#transformers/experiment_transformer'
import { imageFields } from '#transformers/image_transformer'
import { linkFields } from '#transformers/link_transformer'
import { notificationFields } from '#transformers/notification_transformer'
import { userFields } from '#transformers/user_transformer'
import { usageRowFields } from '#transformers/usage_row_fields'

/**
 * Shared schemas and responses. Resource schemas come from the field lists
 * beside the transformers; they are strict (`additionalProperties: false`)
 * so the contract tests notice any field the server adds without declaring it.
 */

function errorResponse(description: string, code: string, retryAfter = false) {
  return {
    description,
    ...(retryAfter ? { headers: { 'Retry-After': { schema: { type: 'integer' } } } } : {}),
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/ErrorBody' },
        example: { errors: [{ code, message: description }] },
      },
    },
  }
}

const amount = { type: 'integer', minimum: 0 }

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
    ErrorBody: strict({
      errors: {
        type: 'array',
        minItems: 1,
        items: strict(
          { code: { type: 'string', pattern: '^E_[A-Z_]+$' }, message: { type: 'string' } },
          {
            optional: {
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
          }
        ),
      },
    }),
    ListMeta: objectSchema({
      total: { type: 'integer', schema: { minimum: 0 } },
      perPage: { type: 'integer', schema: { minimum: 1 } },
      currentPage: { type: 'integer', schema: { minimum: 1 } },
      lastPage: { type: 'integer', schema: { minimum: 1 } },
    }),
    KeysetListMeta: objectSchema(
      {
        total: { type: 'integer', optional: true, schema: { minimum: 0 } },
        perPage: { type: 'integer', schema: { minimum: 1 } },
        currentPage: { type: 'integer', optional: true, schema: { minimum: 1 } },
        lastPage: { type: 'integer', optional: true, schema: { minimum: 1 } },
        nextCursor: {
          type: 'string',
          nullable: true,
          description: 'Pass as `cursor` for the rows after this page; null on the last page.',
        },
      },
      'Asked by page: total, perPage, currentPage, lastPage and nextCursor. Asked by cursor: perPage and nextCursor only (no total).'
    ),
    Role: { type: 'string', enum: ROLES },
    User: objectSchema(userFields),
    AccessToken: objectSchema(accessTokenFields),
    NewAccessToken: objectSchema(newAccessTokenFields),
    AuditEvent: objectSchema(auditEventFields),
    Experiment: objectSchema(experimentFields),
    AdminExperiment: objectSchema(adminExperimentFields),
    ExperimentSession: objectSchema(experimentSessionFields),
    ExperimentMember: objectSchema(experimentMemberFields),
    Image: objectSchema(imageFields),
    AdminImage: objectSchema(adminImageFields),
    Link: objectSchema(linkFields),
    AdminLink: objectSchema(adminLinkFields),
    Environment: objectSchema({ ...environmentFields, ...environmentHoldingFields }),
    EnvironmentShare: objectSchema(environmentShareFields),
    Notification: objectSchema(notificationFields),
    AdminEnvironment: objectSchema(adminEnvironmentFields),
    UsageRow: objectSchema(usageRowFields),
    /** Five amounts: a quota's limits, what a user holds, or what is left. */
    QuotaAmounts: strict({
      environments: amount,
      cpuMillicores: amount,
      memoryBytes: amount,
      storageBytes: amount,
      gpus: amount,
    }),
    HealthReport: strict({
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
        items: strict({
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
        }),
      },
    }),
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
    TooManyRequests: errorResponse(
      'Throttled; retry after the number of seconds in Retry-After',
      'E_TOO_MANY_REQUESTS',
      true
    ),
    LaunchLimit: errorResponse(
      'The site is starting as many environments as it allows at once; retry after Retry-After seconds',
      'E_LAUNCH_LIMIT',
      true
    ),
    ServiceUnavailable: errorResponse('A required service is unavailable', 'E_SERVICE_UNAVAILABLE'),
  },
}
