import { html, json, operation, ref, schemaRef, strict } from '#openapi/builder'

const file = [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }]
const page = html('The console page (index.html)')
const notBuilt = html('The console has not been built: a page saying how to build it')

/**
 * Operations outside /api/v1: probes, metrics, the reference page, and the
 * web console (not part of the API, listed so that the document names every
 * route the server answers).
 */
export const platformPaths = {
  'GET /health/live': operation('Health', 'checkLiveness', {
    security: 'public',
    summary: 'Liveness: the process answers',
    description: 'Checks nothing else; for the orchestrator’s liveness probe.',
    responses: {
      200: json('Alive', strict({ status: { const: 'ok' } })),
    },
  }),
  'GET /health/ready': operation('Health', 'checkReadiness', {
    security: 'public',
    summary: 'Readiness: the database and every configured outside system answer',
    description:
      'Checks the database, the compute engines, and each configured outside system (the User Office when enabled, Guacamole\'s database with ACCESS_BROKER=guacamole-db, Guacamole\'s web application when its URL is set). A failing check named in HEALTH_REQUIRED_CHECKS (the database always) makes the answer 503; any other failure or warning makes it 200 with status "degraded".',
    responses: {
      200: json(
        'Ready: status "ok", or "degraded" when an optional system fails',
        schemaRef('HealthReport')
      ),
      503: json(
        'Not ready: a required check fails (or shutting down: the "shutdown" check); the checks say why',
        schemaRef('HealthReport')
      ),
    },
  }),
  'GET /metrics': operation('Monitoring', 'getMetrics', {
    security: 'metrics',
    summary: 'Prometheus metrics (docs/metrics.md)',
    description: [
      'Answered on the API port only when `METRICS_TOKEN` is set and `METRICS_PORT` is not (with `METRICS_PORT` the metrics move to a listener of their own); otherwise this path is a 404 like any unknown one.',
      'Send the token as `Authorization: Bearer <METRICS_TOKEN>`; personal API tokens and sessions do not open it.',
    ].join('\n'),
    responses: {
      200: {
        description: 'The Prometheus text exposition format, version 0.0.4',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
      401: ref('Unauthenticated'),
      404: ref('NotFound'),
    },
  }),
  'GET /api/v1/openapi.json': operation('Documentation', 'getOpenApiDocument', {
    security: 'public',
    summary: 'This OpenAPI document',
    description: 'Generated from the routes’ validators and the transformers’ field lists.',
    responses: {
      200: json('OpenAPI 3.1 document', { type: 'object' }),
    },
  }),
  'GET /api/docs': operation('Documentation', 'getApiReference', {
    security: 'public',
    summary: 'Human-readable API reference (Swagger UI)',
    description:
      'Swagger UI served by the portal itself (no outside scripts), reading this document.',
    responses: { 200: html('HTML page') },
  }),
  'GET /api/docs/assets/{file}': operation('Documentation', 'getApiReferenceAsset', {
    security: 'public',
    summary: 'Static assets of the API reference page',
    description: 'Only the Swagger UI files the page loads; any other name is a 404.',
    parameters: file,
    responses: { 200: { description: 'Asset' }, 404: ref('NotFound') },
  }),
  'GET /': operation('Console', 'getConsole', {
    security: 'public',
    summary: 'The web console (where sign-in and sign-out land the browser)',
    description: 'Revalidated on every load (`Cache-Control: no-cache`), with a strict CSP.',
    responses: { 200: page, 503: notBuilt },
  }),
  'GET /assets/{file}': operation('Console', 'getConsoleAsset', {
    security: 'public',
    summary: 'A hashed script, style sheet or image of the console',
    description: 'Cached for a year: a new build gives new names.',
    parameters: file,
    responses: { 200: { description: 'Asset' }, 404: ref('NotFound') },
  }),
  'GET /{path}': operation('Console', 'getConsoleRoute', {
    security: 'public',
    summary: "The console's client-side routes",
    description:
      'Any other GET path (also several segments deep, e.g. `/experiments/12`) answers the console page, whose router shows the view. Paths under `/api`, `/health`, `/metrics` and `/assets` never do: an unknown one is a JSON 404 `E_ROUTE_NOT_FOUND`.',
    parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
    responses: {
      200: page,
      404: {
        description: 'An unknown path under `/api`, `/health`, `/metrics` or `/assets`',
        content: {
          'application/json': {
            schema: schemaRef('ErrorBody'),
            example: { errors: [{ code: 'E_ROUTE_NOT_FOUND', message: 'No such endpoint' }] },
          },
        },
      },
      503: notBuilt,
    },
  }),
}
