const page = { description: 'The console page (index.html)', content: { 'text/html': {} } }
const notBuilt = {
  description: 'The console has not been built: a page saying how to build it',
  content: { 'text/html': {} },
}

/**
 * The web console the portal serves (console/, built with Vite). Not part of
 * the API: listed so that the document names every route the server answers.
 */
export const consolePaths = {
  '/': {
    get: {
      tags: ['Console'],
      summary: 'The web console (where sign-in and sign-out land the browser)',
      description: 'Revalidated on every load (`Cache-Control: no-cache`), with a strict CSP.',
      security: [],
      responses: { 200: page, 503: notBuilt },
    },
  },
  '/assets/{file}': {
    get: {
      tags: ['Console'],
      summary: 'A hashed script, style sheet or image of the console',
      description: 'Cached for a year: a new build gives new names.',
      security: [],
      parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'Asset' },
        404: { $ref: '#/components/responses/NotFound' },
      },
    },
  },
  '/{path}': {
    get: {
      tags: ['Console'],
      summary: "The console's client-side routes",
      description:
        'Any other GET path (also several segments deep, e.g. `/experiments/12`) answers the console page, whose router shows the view. Paths under `/api`, `/health`, `/metrics` and `/assets` never do: an unknown one is a JSON 404 `E_ROUTE_NOT_FOUND`.',
      security: [],
      parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: page,
        404: {
          description: 'An unknown path under `/api`, `/health`, `/metrics` or `/assets`',
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/ErrorBody' },
              example: { errors: [{ code: 'E_ROUTE_NOT_FOUND', message: 'No such endpoint' }] },
            },
          },
        },
        503: notBuilt,
      },
    },
  },
}
