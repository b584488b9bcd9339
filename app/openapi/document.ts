import { pathsOf } from '#openapi/builder'
import { components } from '#openapi/components'
import { adminPaths } from '#openapi/paths/admin'
import { adminExperimentPaths } from '#openapi/paths/admin_experiments'
import { authPaths } from '#openapi/paths/auth'
import { environmentPaths } from '#openapi/paths/environments'
import { experimentPaths } from '#openapi/paths/experiments'
import { imagePaths } from '#openapi/paths/images'
import { linkPaths } from '#openapi/paths/links'
import { notificationPaths } from '#openapi/paths/notifications'
import { platformPaths } from '#openapi/paths/platform'

/**
 * The OpenAPI 3.1 description of every route the server registers. Request
 * schemas come from the validators and response schemas from the
 * transformers' field lists (ADR 0008); the contract tests check each route
 * is here and that real requests and responses match it.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Facility Portal API',
    version: '1.0.0',
    description: [
      'Remote data analysis for research facilities: sign in, see your experiments, requisition analysis environments and open them in the browser.',
      '',
      'Every error has the shape `{"errors": [{"code": "E_…", "message": "…", "field": "…"}]}`; lists are `{"data": [...], "meta": {"total", "perPage", "currentPage", "lastPage"}}`.',
      'Every response carries an `X-Request-Id` header (the caller may supply one).',
    ].join('\n'),
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: '/' }],
  security: [{ cookieSession: [] }, { bearerToken: [] }],
  tags: [
    {
      name: 'Authentication',
      description: 'Sign-in (password and SAML), sessions and API tokens.',
    },
    { name: 'Experiments', description: 'The experiments (proposals) the caller belongs to.' },
    { name: 'Images', description: 'The catalogue of analysis images the caller may launch.' },
    {
      name: 'Links',
      description: 'Web services that are not containers (e-logbooks, data catalogues), to open.',
    },
    {
      name: 'Environments',
      description: 'The caller’s analysis environments: requisition, lifecycle, access, quota.',
    },
    {
      name: 'Notifications',
      description: 'Warnings before expiry or an idle stop, and idle stops, for their recipient.',
    },
    {
      name: 'Administration',
      description:
        'Accounts, quotas, images, links, experiments, environments and reports (admins only).',
    },
    { name: 'Health', description: 'Liveness and readiness probes for the orchestrator.' },
    { name: 'Monitoring', description: 'Prometheus metrics.' },
    { name: 'Documentation', description: 'This document and its reference page.' },
    { name: 'Console', description: 'The web console the portal serves (not part of the API).' },
  ],
  paths: pathsOf({
    ...authPaths,
    ...experimentPaths,
    ...imagePaths,
    ...linkPaths,
    ...environmentPaths,
    ...notificationPaths,
    ...adminPaths,
    ...adminExperimentPaths,
    // Last: the console's catch-all template must not shadow a documented path.
    ...platformPaths,
  }),
  components,
}
