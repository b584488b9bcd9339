export const docsPaths = {
  '/api/v1/openapi.json': {
    get: {
      tags: ['Documentation'],
      summary: 'This OpenAPI document',
      security: [],
      responses: {
        200: {
          description: 'OpenAPI 3.1 document',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
    },
  },
  '/api/docs': {
    get: {
      tags: ['Documentation'],
      summary: 'Human-readable API reference (Swagger UI)',
      security: [],
      responses: { 200: { description: 'HTML page', content: { 'text/html': {} } } },
    },
  },
  '/api/docs/assets/{file}': {
    get: {
      tags: ['Documentation'],
      summary: 'Static assets of the API reference page',
      security: [],
      parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'Asset' },
        404: { $ref: '#/components/responses/NotFound' },
      },
    },
  },
}
