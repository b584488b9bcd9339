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
      security: [],
      responses: {
        200: json('Ready', { $ref: '#/components/schemas/HealthReport' }),
        503: json(
          'Not ready (or shutting down: the "shutdown" check); the failing checks say why',
          {
            $ref: '#/components/schemas/HealthReport',
          }
        ),
      },
    },
  },
}
