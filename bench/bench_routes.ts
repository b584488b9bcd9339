/*
 * The portal routes the load benchmarks hit (bench/http_load.ts,
 * bench/cpu_profile.ts and bench/ab_builds.ts), their credentials, the
 * BENCH_ROUTES selection and one autocannon run against a route. One list,
 * so the profile and the load figures speak of the same requests.
 */
import autocannon from 'autocannon'
import type mysql from 'mysql2/promise'
import { encodeListCursor } from '../app/domain/list_cursor.ts'
import { HttpBrowser } from '../tests/helpers/portal_process.ts'
import { mintToken, type SeededFacility } from './seed_facility.ts'

export type RouteKind = 'raw' | 'bare' | 'live' | 'me' | 'list' | 'admin' | 'other'

/** A route as measured: where it is served, by which process, with which credential. */
export type BenchRoute = {
  name: string
  path: string
  token: string | null
  /** The Cookie header of a signed-in browser, for the routes read with a session instead. */
  cookie?: string
  kind: RouteKind
  baseUrl: string
  pid: number
}

/**
 * What the routes need from the seeded database: two tokens, the admins' last-page cursor and
 * a proposal id (a word of one experiment only, the rarest an admin can search for).
 */
export type BenchCredentials = {
  scientistToken: string
  adminToken: string
  lastPageCursor: string
  /** A cursor past the middle of the list: a search scrolled that far. */
  middleCursor: string
  rareProposalId: string
}

/**
 * Mints the scientist's and the admin's tokens in the seeded database; call
 * before the facility is copied to SQLite, so that the copy holds them.
 */
export async function benchCredentials(
  db: mysql.Connection,
  facility: SeededFacility
): Promise<BenchCredentials> {
  // The cursor of the admins' last page: after the 21st oldest experiment.
  const [[cursorRow]] = (await db.query(
    'SELECT id FROM experiments ORDER BY id ASC LIMIT 1 OFFSET 20'
  )) as any
  const [[middleRow]] = (await db.query(
    'SELECT id FROM experiments ORDER BY id ASC LIMIT 1 OFFSET ?',
    [Math.floor(facility.size.experiments / 2)]
  )) as any
  // Not the newest experiment's: its page would be the first of the whole list anyway.
  const [[rareRow]] = (await db.query(
    'SELECT proposal_id FROM experiments ORDER BY id ASC LIMIT 1 OFFSET 100'
  )) as any
  return {
    scientistToken: await mintToken(db, facility.scientist.id),
    adminToken: await mintToken(db, facility.admin.id),
    lastPageCursor: encodeListCursor({ after: cursorRow.id }),
    middleCursor: encodeListCursor({ after: middleRow.id }),
    rareProposalId: rareRow.proposal_id,
  }
}

/**
 * The admins' searches measured, each its own route held to the target on its own, so that
 * one kind of search cannot hide behind another (issue 16, stop 31). From the seed's
 * vocabulary (bench/seed_facility.ts: "<technique> of <subject> <condition>", 20 instruments,
 * 16 subjects): a word of one experiment (a proposal id), the word of one subject, a short
 * prefix of four common words, two words of one subject, and two words whose rarer one (an
 * instrument) is the shorter.
 */
export function adminSearchTerms(credentials: BenchCredentials) {
  return [
    { term: credentials.rareProposalId, what: 'one experiment' },
    { term: 'perovskite', what: 'one word, 6 %' },
    { term: 'in', what: 'a prefix of 4 words, 41 %' },
    { term: 'lithium-ion', what: 'two words of the same 6 %' },
    { term: 'scattering ID11', what: 'two words, the shorter rarer' },
  ]
}

/** The portal's routes on the seeded facility, served by `portal`. */
export function portalRoutes(
  facility: SeededFacility,
  credentials: BenchCredentials,
  portal: { baseUrl: string; pid: number }
): BenchRoute[] {
  const { scientistToken, adminToken, lastPageCursor } = credentials
  const lastAdminPage = Math.ceil(facility.size.experiments / 20)
  const deepScientistPage = Math.max(1, Math.ceil(facility.scientist.experiments / 5))
  const term = facility.scientist.searchTerm
  const search = encodeURIComponent(term)
  const route = (name: string, path: string, token: string | null, kind: RouteKind) => ({
    name,
    path,
    token,
    kind,
    baseUrl: portal.baseUrl,
    pid: portal.pid,
  })
  const searches = adminSearchTerms(credentials).flatMap(({ term: searched, what }) => [
    route(
      `GET /api/v1/admin/experiments?search=${searched} (admin, ${what})`,
      `/api/v1/admin/experiments?search=${encodeURIComponent(searched)}`,
      adminToken,
      'admin'
    ),
    // Scripts page a search by cursor (the console by number): the same terms, past the middle.
    route(
      `GET /api/v1/admin/experiments?search=${searched}&cursor=… (admin, ${what}, past the middle by cursor)`,
      `/api/v1/admin/experiments?search=${encodeURIComponent(searched)}&cursor=${credentials.middleCursor}`,
      adminToken,
      'admin'
    ),
  ])
  return [
    route('GET /health/live', '/health/live', null, 'live'),
    route('GET /api/v1/me', '/api/v1/me', scientistToken, 'me'),
    route('GET /api/v1/experiments (page 1)', '/api/v1/experiments', scientistToken, 'list'),
    route(
      `GET /api/v1/experiments?search=${term}`,
      `/api/v1/experiments?search=${search}`,
      scientistToken,
      'other'
    ),
    route(
      `GET /api/v1/experiments?perPage=5&page=${deepScientistPage} (last page)`,
      `/api/v1/experiments?perPage=5&page=${deepScientistPage}`,
      scientistToken,
      'other'
    ),
    route('GET /api/v1/environments', '/api/v1/environments', scientistToken, 'list'),
    route('GET /api/v1/images', '/api/v1/images', scientistToken, 'list'),
    route(
      'GET /api/v1/admin/environments (admin)',
      '/api/v1/admin/environments',
      adminToken,
      'admin'
    ),
    route(
      'GET /api/v1/admin/experiments (admin, page 1)',
      '/api/v1/admin/experiments',
      adminToken,
      'admin'
    ),
    route(
      `GET /api/v1/admin/experiments?page=${lastAdminPage} (admin, last)`,
      `/api/v1/admin/experiments?page=${lastAdminPage}`,
      adminToken,
      'admin'
    ),
    route(
      'GET /api/v1/admin/experiments?cursor=… (admin, last page by cursor)',
      `/api/v1/admin/experiments?cursor=${lastPageCursor}`,
      adminToken,
      'admin'
    ),
    ...searches,
  ]
}

/**
 * The console's reads as the seeded scientist's browser makes them: signed
 * in through the login route the console uses, then `/me` and the
 * experiments page with the cookies the sign-in set (the session's, read
 * from the sessions table at most once per AUTH_CACHE_TTL, ADR 14) instead
 * of a token. The same
 * scientist and paths as the token routes, so that a run compares the two.
 * Call once the portal serves: the session lives in its database.
 */
export async function sessionRoutes(
  facility: SeededFacility,
  portal: { baseUrl: string; pid: number }
): Promise<BenchRoute[]> {
  const browser = new HttpBrowser(portal.baseUrl, 30_000)
  const { username } = facility.scientist
  const login = await browser.login(username, facility.localPassword)
  if (login.status !== 200) {
    throw new Error(
      `sign-in of ${username} answered ${login.status}: ${JSON.stringify(login.body).slice(0, 300)}`
    )
  }
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  const route = (name: string, path: string, kind: RouteKind) => ({
    name,
    path,
    token: null,
    cookie,
    kind,
    baseUrl: portal.baseUrl,
    pid: portal.pid,
  })
  return [
    route('GET /api/v1/me (session cookie)', '/api/v1/me', 'me'),
    route('GET /api/v1/experiments (page 1, session cookie)', '/api/v1/experiments', 'list'),
  ]
}

/**
 * The routes whose path holds one of the comma-separated parts of
 * `selection` (BENCH_ROUTES, e.g. "experiments,admin/environments"), plus
 * those of the kinds always kept; every route when there is no selection.
 */
export function selectRoutes(
  routes: BenchRoute[],
  selection = process.env.BENCH_ROUTES,
  alwaysKept: RouteKind[] = []
) {
  const parts = selection?.split(',').filter((part) => part !== '')
  return routes.filter(
    (route) =>
      alwaysKept.includes(route.kind) ||
      !parts?.length ||
      parts.some((part) => route.path.includes(part))
  )
}

export function routeHeaders(route: BenchRoute): Record<string, string> {
  return {
    ...(route.token ? { authorization: `Bearer ${route.token}` } : {}),
    ...(route.cookie ? { cookie: route.cookie } : {}),
  }
}

/** Fails unless the route answers 200 with data (a list must not be empty). */
export async function checkRouteAnswers(route: BenchRoute) {
  const response = await fetch(`${route.baseUrl}${route.path}`, { headers: routeHeaders(route) })
  const body = (await response.json()) as { data?: unknown[] | object }
  const empty = Array.isArray(body.data) && body.data.length === 0
  if (response.status !== 200 || empty) {
    throw new Error(`${route.name}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`)
  }
}

/** `connections` keep-alive clients requesting the route for `seconds`. */
export function loadRoute(route: BenchRoute, connections: number, seconds: number) {
  return autocannon({
    url: `${route.baseUrl}${route.path}`,
    connections,
    duration: seconds,
    headers: routeHeaders(route),
  })
}
