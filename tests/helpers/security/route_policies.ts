import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import env from '#start/env'
import consoleConfig from '#config/console'
import {
  MISSING_ID,
  type Person,
  type SecurityFixtures,
} from '#tests/helpers/security/security_world'

/**
 * Who may call a route:
 * - public: anyone, signed in or not, gets the same answer;
 * - service: only the configured service credential (METRICS_TOKEN), never a person's;
 * - authenticated-self: any signed-in user, about themselves;
 * - owner-of-object: only the object's owner; anyone else gets the same 404 as for a missing object;
 * - member-of-experiment: only members of the experiment; anyone else, 404 likewise;
 * - admin: admins only; scientists get 403 before anything is validated or looked up.
 */
export type AccessClass =
  'public' | 'service' | 'authenticated-self' | 'owner-of-object' | 'member-of-experiment' | 'admin'

/** One request: a URL and its body (JSON, or a form as a browser posts it). */
export type Probe = {
  url: string
  body?: unknown
  form?: Record<string, string>
  /** A credential the request carries instead of the actor's (service routes). */
  authorization?: string
}

export type RoutePolicy = {
  access: AccessClass
  /** Whether the route is about one object (an owner's, or an admin's target). */
  object?: boolean
  /** The status of a request the route allows, with the probe's valid input. */
  allowed: number
  /** The status a person gets through a personal API token, when a token may not do it. */
  refusedToTokens?: number
  /**
   * Builds the request, with valid input so that authorisation (not
   * validation) decides; on object routes about `owner`'s object, a
   * missing one when `owner` is null.
   */
  probe: (fixtures: SecurityFixtures, owner: Person | null) => Promise<Probe>
  /** Lists of one's own things: seeds one per person and reads the ids an answer shows. */
  ownList?: {
    seed: (fixtures: SecurityFixtures, owner: Person) => Promise<number>
    ids: (body: any) => number[]
  }
}

const idsOf = (body: any) => (body.data as { id: number }[]).map((item) => item.id)
const inOneDay = () => DateTime.utc().plus({ days: 1 }).toISO()!
const usageWindow = () =>
  `from=${encodeURIComponent(DateTime.utc().minus({ days: 1 }).toISO()!)}&groupBy=user`
const unique = () => Math.random().toString(36).slice(2, 10)

const fixed =
  (url: string, body?: unknown): RoutePolicy['probe'] =>
  async () => ({ url, body })

/** A public route every caller gets the same answer from. */
function publicRoute(allowed: number, probe: RoutePolicy['probe']): RoutePolicy {
  return { access: 'public', allowed, probe }
}

function self(allowed: number, probe: RoutePolicy['probe'], extra: Partial<RoutePolicy> = {}) {
  return { access: 'authenticated-self', allowed, probe, ...extra } satisfies RoutePolicy
}

function owned(allowed: number, probe: RoutePolicy['probe']): RoutePolicy {
  return { access: 'owner-of-object', object: true, allowed, probe }
}

function member(allowed: number, probe: RoutePolicy['probe']): RoutePolicy {
  return { access: 'member-of-experiment', object: true, allowed, probe }
}

function admin(allowed: number, probe: RoutePolicy['probe'], object = false): RoutePolicy {
  return { access: 'admin', object, allowed, probe }
}

const environment = (state: 'running' | 'stopped', suffix = '', body?: () => unknown) =>
  (async (f, owner) => ({
    url: `/api/v1/environments/${await f.environment(owner, state)}${suffix}`,
    body: body?.(),
  })) satisfies RoutePolicy['probe']

const adminEnvironment = (state: 'running' | 'stopped', suffix = '', body?: () => unknown) =>
  (async (f, owner) => ({
    url: `/api/v1/admin/environments/${await f.environment(owner, state)}${suffix}`,
    body: body?.(),
  })) satisfies RoutePolicy['probe']

const adminExperiment = (
  suffix: (owner: Person | null) => string,
  body?: unknown,
  session?: string
) =>
  (async (f, owner) => ({
    url: `/api/v1/admin/experiments/${await f.experiment(owner, session)}${suffix(owner)}`,
    body,
  })) satisfies RoutePolicy['probe']

const imageInput = () => ({
  name: `sec-${unique()}`,
  reference: 'registry.example.org/analysis/jupyter:2024.1',
  driver: 'docker',
  protocol: 'http',
  port: 8888,
  cpu: 1,
  memory: '1Gi',
})

const quotaInput = { environments: 2, cpu: '2', memory: '4Gi', storage: '10Gi', gpus: 0 }

/**
 * Every route of the router, by method and pattern, with its access class
 * and how to build a request to it. The authorisation matrix test fails
 * for a route the router has and this table lacks (and the reverse).
 */
export const ROUTE_POLICIES: Record<string, RoutePolicy> = {
  'GET /health/live': publicRoute(200, fixed('/health/live')),
  'GET /health/ready': publicRoute(200, fixed('/health/ready')),
  'GET /metrics': {
    access: 'service',
    allowed: 200,
    probe: async () => ({
      url: '/metrics',
      authorization: `Bearer ${env.get('METRICS_TOKEN')?.release() ?? ''}`,
    }),
  },
  'GET /api/docs': publicRoute(200, fixed('/api/docs')),
  'GET /api/docs/assets/:file': publicRoute(200, fixed('/api/docs/assets/init.js')),
  'GET /api/v1/openapi.json': publicRoute(200, fixed('/api/v1/openapi.json')),

  // The web console (scripts/test.sh builds it before the run).
  'GET /': publicRoute(200, fixed('/')),
  'GET /assets/:file': publicRoute(200, async () => {
    const [file] = await readdir(join(consoleConfig.buildDir, 'assets'))
    return { url: `/assets/${file}` }
  }),
  'GET /*': publicRoute(200, fixed('/experiments')),

  'GET /api/v1/auth/providers': publicRoute(200, fixed('/api/v1/auth/providers')),
  'GET /api/v1/auth/csrf': publicRoute(204, fixed('/api/v1/auth/csrf')),
  'POST /api/v1/auth/login': publicRoute(200, async (f) => ({
    url: '/api/v1/auth/login',
    body: f.credentials(),
  })),
  'POST /api/v1/auth/logout': self(204, fixed('/api/v1/auth/logout')),
  'GET /api/v1/auth/tokens': self(200, fixed('/api/v1/auth/tokens'), {
    ownList: { seed: (f, owner) => f.token(owner), ids: idsOf },
  }),
  // Only a browser session mints tokens: a leaked token cannot outlive its own revocation.
  'POST /api/v1/auth/tokens': self(
    201,
    fixed('/api/v1/auth/tokens', { name: 'matrix', expiresInDays: 1 }),
    { refusedToTokens: 403 }
  ),
  'DELETE /api/v1/auth/tokens/:id': owned(204, async (f, owner) => ({
    url: `/api/v1/auth/tokens/${await f.token(owner)}`,
  })),

  // The SAML endpoints are the browser's; the IdP's signature, not a session, protects them.
  'GET /api/v1/auth/saml/metadata': publicRoute(200, fixed('/api/v1/auth/saml/metadata')),
  'GET /api/v1/auth/saml/login': publicRoute(302, fixed('/api/v1/auth/saml/login')),
  'POST /api/v1/auth/saml/acs': publicRoute(401, async () => ({
    url: '/api/v1/auth/saml/acs',
    form: { SAMLResponse: Buffer.from('<not-a-response/>').toString('base64') },
  })),
  'GET /api/v1/auth/saml/slo': publicRoute(401, fixed('/api/v1/auth/saml/slo')),
  'POST /api/v1/auth/saml/slo': publicRoute(401, async () => ({
    url: '/api/v1/auth/saml/slo',
    form: { SAMLRequest: Buffer.from('<not-a-request/>').toString('base64') },
  })),
  // OpenID Connect likewise: the browser's binding cookie, state and the ID token protect them.
  'GET /api/v1/auth/oidc/login': publicRoute(302, fixed('/api/v1/auth/oidc/login')),
  'GET /api/v1/auth/oidc/callback': publicRoute(
    401,
    fixed('/api/v1/auth/oidc/callback?state=not-a-state&code=not-a-code')
  ),

  'GET /api/v1/me': self(200, fixed('/api/v1/me')),
  // A browser session only (a leaked token must not take the account over).
  'PUT /api/v1/me/password': self(
    204,
    async (f) => ({
      url: '/api/v1/me/password',
      body: { currentPassword: f.credentials().password, newPassword: `matrix-${unique()}-pw` },
    }),
    { refusedToTokens: 403 }
  ),
  'GET /api/v1/images': self(200, fixed('/api/v1/images')),
  'GET /api/v1/quota': self(200, fixed('/api/v1/quota')),
  // A templated link opened for the owner's experiment: anyone else's experiment is "not found".
  'GET /api/v1/links': self(200, fixed('/api/v1/links')),
  'POST /api/v1/links/:id/open': member(200, async (f, owner) => ({
    url: `/api/v1/links/${(await f.sharedLink()).id}/open`,
    body: { experimentId: await f.experiment(owner) },
  })),

  'GET /api/v1/environments': self(200, fixed('/api/v1/environments'), {
    ownList: { seed: (f, owner) => f.environment(owner, 'stopped'), ids: idsOf },
  }),
  'POST /api/v1/environments': self(202, async (f) => ({
    url: '/api/v1/environments',
    body: { imageId: (await f.unstartableImage()).id, name: 'matrix' },
  })),
  'GET /api/v1/environments/:id': owned(200, environment('stopped')),
  'GET /api/v1/environments/:id/events': owned(200, environment('stopped', '/events')),
  'POST /api/v1/environments/:id/stop': owned(202, environment('running', '/stop')),
  'POST /api/v1/environments/:id/start': owned(202, environment('stopped', '/start')),
  'POST /api/v1/environments/:id/access': owned(200, environment('running', '/access')),
  'PATCH /api/v1/environments/:id': owned(
    200,
    environment('stopped', '', () => ({ expiresAt: inOneDay() }))
  ),
  'DELETE /api/v1/environments/:id': owned(202, environment('stopped')),
  // Colleagues a share names get 403 on these (tests/functional/security/sharing_matrix.spec.ts).
  'GET /api/v1/environments/:id/shares': owned(200, async (f, owner) => ({
    url: `/api/v1/environments/${(await f.shareableEnvironment(owner, true)).id}/shares`,
  })),
  'POST /api/v1/environments/:id/shares': owned(201, async (f, owner) => {
    const { id, colleague } = await f.shareableEnvironment(owner)
    return {
      url: `/api/v1/environments/${id}/shares`,
      body: { username: colleague?.username ?? 'nobody', role: 'user' },
    }
  }),
  'DELETE /api/v1/environments/:id/shares/:userId': owned(204, async (f, owner) => {
    const { id, colleague } = await f.shareableEnvironment(owner, true)
    return { url: `/api/v1/environments/${id}/shares/${colleague?.id ?? MISSING_ID}` }
  }),

  'GET /api/v1/notifications': self(200, fixed('/api/v1/notifications'), {
    ownList: { seed: (f, owner) => f.notification(owner), ids: idsOf },
  }),
  'POST /api/v1/notifications/read-all': self(200, fixed('/api/v1/notifications/read-all')),
  'POST /api/v1/notifications/:id/read': owned(200, async (f, owner) => ({
    url: `/api/v1/notifications/${await f.notification(owner)}/read`,
  })),

  'GET /api/v1/experiments': self(200, fixed('/api/v1/experiments'), {
    ownList: { seed: (f, owner) => f.experiment(owner), ids: idsOf },
  }),
  'POST /api/v1/experiments/sync': self(200, fixed('/api/v1/experiments/sync')),
  'GET /api/v1/experiments/:id': member(200, async (f, owner) => ({
    url: `/api/v1/experiments/${await f.experiment(owner)}`,
  })),
  'PUT /api/v1/experiments/:id/favorite': member(200, async (f, owner) => ({
    url: `/api/v1/experiments/${await f.experiment(owner)}/favorite`,
    body: { favorite: true },
  })),

  'GET /api/v1/admin/audit': admin(200, fixed('/api/v1/admin/audit')),
  'GET /api/v1/admin/audit.csv': admin(200, fixed('/api/v1/admin/audit.csv')),
  'GET /api/v1/admin/usage': admin(200, async () => ({
    url: `/api/v1/admin/usage?${usageWindow()}`,
  })),
  'GET /api/v1/admin/usage.csv': admin(200, async () => ({
    url: `/api/v1/admin/usage.csv?${usageWindow()}`,
  })),
  'GET /api/v1/admin/overview': admin(200, fixed('/api/v1/admin/overview')),
  'GET /api/v1/admin/environments': admin(200, fixed('/api/v1/admin/environments')),
  'PATCH /api/v1/admin/environments/:id': admin(
    200,
    adminEnvironment('stopped', '', () => ({ expiresAt: inOneDay() })),
    true
  ),
  'POST /api/v1/admin/environments/:id/stop': admin(
    202,
    adminEnvironment('running', '/stop'),
    true
  ),
  'DELETE /api/v1/admin/environments/:id': admin(202, adminEnvironment('stopped'), true),
  'GET /api/v1/admin/environments/:id/shares': admin(
    200,
    async (f, owner) => ({
      url: `/api/v1/admin/environments/${(await f.shareableEnvironment(owner, true)).id}/shares`,
    }),
    true
  ),
  'DELETE /api/v1/admin/environments/:id/shares/:userId': admin(
    204,
    async (f, owner) => {
      const { id, colleague } = await f.shareableEnvironment(owner, true)
      return { url: `/api/v1/admin/environments/${id}/shares/${colleague?.id ?? MISSING_ID}` }
    },
    true
  ),

  'GET /api/v1/admin/users': admin(200, fixed('/api/v1/admin/users')),
  'GET /api/v1/admin/users/:id': admin(
    200,
    async (f, owner) => ({ url: `/api/v1/admin/users/${f.userId(owner)}` }),
    true
  ),
  'PATCH /api/v1/admin/users/:id': admin(
    200,
    async (f, owner) => ({
      url: `/api/v1/admin/users/${f.userId(owner)}`,
      body: { roles: ['scientist'] },
    }),
    true
  ),
  'DELETE /api/v1/admin/users/:id': admin(
    204,
    async (f, owner) => ({ url: `/api/v1/admin/users/${f.userId(owner)}` }),
    true
  ),

  'GET /api/v1/admin/experiments': admin(200, fixed('/api/v1/admin/experiments')),
  'POST /api/v1/admin/experiments': admin(201, async () => ({
    url: '/api/v1/admin/experiments',
    body: { proposalId: `SEC-NEW-${unique()}`, title: 'Made by the matrix' },
  })),
  'GET /api/v1/admin/experiments/:id': admin(
    200,
    adminExperiment(() => ''),
    true
  ),
  'PATCH /api/v1/admin/experiments/:id': admin(
    200,
    adminExperiment(() => '', { title: 'Renamed by the matrix' }),
    true
  ),
  'DELETE /api/v1/admin/experiments/:id': admin(
    204,
    adminExperiment(() => ''),
    true
  ),
  'PUT /api/v1/admin/experiments/:id/sessions/:sessionNumber': admin(
    201,
    adminExperiment(() => '/sessions/S1', { title: 'First beamtime' }),
    true
  ),
  'DELETE /api/v1/admin/experiments/:id/sessions/:sessionNumber': admin(
    204,
    adminExperiment(() => '/sessions/S1', undefined, 'S1'),
    true
  ),
  // The owner is already a member: PUT sets the role (200).
  'PUT /api/v1/admin/experiments/:id/members/:userId': admin(
    200,
    async (f, owner) => ({
      url: `/api/v1/admin/experiments/${await f.experiment(owner)}/members/${f.userId(owner)}`,
      body: { role: 'lead' },
    }),
    true
  ),
  'DELETE /api/v1/admin/experiments/:id/members/:userId': admin(
    204,
    async (f, owner) => ({
      url: `/api/v1/admin/experiments/${await f.experiment(owner)}/members/${f.userId(owner)}`,
    }),
    true
  ),

  'GET /api/v1/admin/images': admin(200, fixed('/api/v1/admin/images')),
  'POST /api/v1/admin/images': admin(201, async () => ({
    url: '/api/v1/admin/images',
    body: imageInput(),
  })),
  'GET /api/v1/admin/images/:id': admin(
    200,
    async (f, owner) => ({ url: `/api/v1/admin/images/${await f.image(owner)}` }),
    true
  ),
  'PATCH /api/v1/admin/images/:id': admin(
    200,
    async (f, owner) => ({
      url: `/api/v1/admin/images/${await f.image(owner)}`,
      body: { description: 'Changed by the matrix' },
    }),
    true
  ),
  'DELETE /api/v1/admin/images/:id': admin(
    204,
    async (f, owner) => ({ url: `/api/v1/admin/images/${await f.image(owner)}` }),
    true
  ),

  'GET /api/v1/admin/links': admin(200, fixed('/api/v1/admin/links')),
  'POST /api/v1/admin/links': admin(201, async () => ({
    url: '/api/v1/admin/links',
    body: {
      name: `sec-${unique()}`,
      url: 'https://logbook.example.org/proposals/{proposal}',
      proposalTemplate: true,
    },
  })),
  'GET /api/v1/admin/links/:id': admin(
    200,
    async (f, owner) => ({ url: `/api/v1/admin/links/${await f.link(owner)}` }),
    true
  ),
  'PATCH /api/v1/admin/links/:id': admin(
    200,
    async (f, owner) => ({
      url: `/api/v1/admin/links/${await f.link(owner)}`,
      body: { description: 'Changed by the matrix' },
    }),
    true
  ),
  'DELETE /api/v1/admin/links/:id': admin(
    204,
    async (f, owner) => ({ url: `/api/v1/admin/links/${await f.link(owner)}` }),
    true
  ),

  'GET /api/v1/admin/quotas/default': admin(200, fixed('/api/v1/admin/quotas/default')),
  'PUT /api/v1/admin/quotas/default': admin(200, fixed('/api/v1/admin/quotas/default', quotaInput)),
  'GET /api/v1/admin/users/:id/quota': admin(
    200,
    async (f, owner) => ({ url: `/api/v1/admin/users/${f.userId(owner)}/quota` }),
    true
  ),
  'PUT /api/v1/admin/users/:id/quota': admin(
    200,
    async (f, owner) => ({ url: `/api/v1/admin/users/${f.userId(owner)}/quota`, body: quotaInput }),
    true
  ),
  'DELETE /api/v1/admin/users/:id/quota': admin(
    204,
    async (f, owner) => ({ url: `/api/v1/admin/users/${await f.userWithQuota(owner)}/quota` }),
    true
  ),
}

/** "GET /api/v1/environments/:id" keys of every route the router registers (HEAD mirrors GET). */
export function routeKeys(routes: { pattern: string; methods: string[] }[]) {
  return routes.flatMap((route) =>
    route.methods
      .filter((method) => method !== 'HEAD')
      .map((method) => `${method} ${route.pattern}`)
  )
}
