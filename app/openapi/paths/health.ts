import { json } from '#openapi/components'

export const healthPaths = {
  '/health/live': {
    get: {
      tags: ['Health'],
      summary: 'Liveness: the process answers',
      security: [],
      responses: {
        200: json('Alive', {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: { status: { const: 'ok' } },
        }),
      },
    },
  },
  '/health/ready': {
    get: {
      tags: ['Health'],
      summary: 'Readiness: the database and every configured outside system answer',
      description:
        'Checks the database, the compute engines, and each configured outside system (the User Office when enabled, Guacamole\'s database with ACCESS_BROKER=guacamole-db, Guacamole\'s web application when its URL is set). A failing check named in HEALTH_REQUIRED_CHECKS (the database always) makes the answer 503; any other failure or warning makes it 200 with status "degraded".',
      security: [],
      responses: {
        200: json('Ready: status "ok", or "degraded" when an optional system fails', {
          $ref: '#/components/schemas/HealthReport',
        }),
        503: json(
          'Not ready: a required check fails (or shutting down: the "shutdown" check); the checks say why',
          {
            $ref: '#/components/schemas/HealthReport',
          }
        ),
      },
    },
  },
}
