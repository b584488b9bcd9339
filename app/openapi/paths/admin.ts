import { authenticatedErrors, json, listOf, ref, signedIn } from '#openapi/components'

export const adminPaths = {
  '/api/v1/admin/audit': {
    get: {
      tags: ['Administration'],
      summary: 'The audit trail (admins only)',
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
        { name: 'actorId', in: 'query', schema: { type: 'integer' } },
        { name: 'action', in: 'query', schema: { type: 'string' }, example: 'auth.login' },
        { name: 'objectType', in: 'query', schema: { type: 'string' }, example: 'environment' },
        { name: 'objectId', in: 'query', schema: { type: 'string' } },
        {
          name: 'outcome',
          in: 'query',
          schema: { type: 'string', enum: ['success', 'failure', 'denied'] },
        },
        { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
        { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
      ],
      responses: {
        200: json('Events, newest first', listOf('AuditEvent')),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
}
