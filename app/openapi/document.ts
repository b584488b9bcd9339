import { components } from '#openapi/components'
import { accessPaths } from '#openapi/paths/access'
import { adminPaths } from '#openapi/paths/admin'
import { adminExperimentPaths } from '#openapi/paths/admin_experiments'
import { adminQuotaPaths } from '#openapi/paths/admin_quotas'
import { adminUserPaths } from '#openapi/paths/admin_users'
import { adminReportPaths } from '#openapi/paths/admin_reports'
import { authPaths } from '#openapi/paths/auth'
import { consolePaths } from '#openapi/paths/console'
import { docsPaths } from '#openapi/paths/docs'
import { environmentPaths } from '#openapi/paths/environments'
import { experimentPaths } from '#openapi/paths/experiments'
import { healthPaths } from '#openapi/paths/health'
import { imagePaths } from '#openapi/paths/images'
import { metricsPaths } from '#openapi/paths/metrics'
import { samlPaths } from '#openapi/paths/saml'
import { oidcPaths } from '#openapi/paths/oidc'

/**
 * The OpenAPI 3.1 description of every route the server registers. The
 * contract tests check each route is here and real responses match it.
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
    { name: 'Authentication' },
    { name: 'Experiments' },
    { name: 'Images' },
    { name: 'Environments' },
    { name: 'Administration' },
    { name: 'Health' },
    { name: 'Monitoring' },
    { name: 'Documentation' },
    { name: 'Console' },
  ],
  paths: {
    ...authPaths,
    ...samlPaths,
    ...oidcPaths,
    ...experimentPaths,
    ...imagePaths,
    ...environmentPaths,
    ...accessPaths,
    ...adminPaths,
    ...adminExperimentPaths,
    ...adminQuotaPaths,
    ...adminUserPaths,
    ...adminReportPaths,
    ...healthPaths,
    ...metricsPaths,
    ...docsPaths,
    // Last: its catch-all template must not shadow a documented path.
    ...consolePaths,
  },
  components,
}
