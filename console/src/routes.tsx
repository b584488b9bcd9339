import type { JSX } from 'preact'
import { useEffect } from 'preact/hooks'
import { matchPath, navigate } from './router'
import { ExperimentsPage } from './pages/experiments'
import { ExperimentPage } from './pages/experiment'
import { EnvironmentsPage } from './pages/environments'
import { TokensPage } from './pages/tokens'
import { NotificationsPage } from './pages/notifications'
import { LinksPage } from './pages/links'
import { NotFoundPage } from './pages/not_found'
import { OverviewPage } from './pages/admin/overview'
import { UsersPage } from './pages/admin/users'
import { UserPage } from './pages/admin/user'
import { DefaultQuotaPage } from './pages/admin/default_quota'
import { ImagesPage } from './pages/admin/images'
import { AdminLinksPage } from './pages/admin/links'
import { AdminEnvironmentsPage } from './pages/admin/environments'
import { AuditPage } from './pages/admin/audit'
import { UsagePage } from './pages/admin/usage'

type Route = {
  pattern: string
  admin?: boolean
  view: (params: Record<string, string>) => JSX.Element
}

/** Every view of the console by path; admin views are refused to others by the API as well. */
const ROUTES: Route[] = [
  { pattern: '/experiments', view: () => <ExperimentsPage /> },
  { pattern: '/experiments/:id', view: ({ id }) => <ExperimentPage id={Number(id)} /> },
  { pattern: '/environments', view: () => <EnvironmentsPage /> },
  { pattern: '/links', view: () => <LinksPage /> },
  { pattern: '/notifications', view: () => <NotificationsPage /> },
  { pattern: '/tokens', view: () => <TokensPage /> },
  { pattern: '/admin', admin: true, view: () => <OverviewPage /> },
  { pattern: '/admin/users', admin: true, view: () => <UsersPage /> },
  { pattern: '/admin/users/:id', admin: true, view: ({ id }) => <UserPage id={Number(id)} /> },
  { pattern: '/admin/quota', admin: true, view: () => <DefaultQuotaPage /> },
  { pattern: '/admin/images', admin: true, view: () => <ImagesPage /> },
  { pattern: '/admin/links', admin: true, view: () => <AdminLinksPage /> },
  { pattern: '/admin/environments', admin: true, view: () => <AdminEnvironmentsPage /> },
  { pattern: '/admin/audit', admin: true, view: () => <AuditPage /> },
  { pattern: '/admin/usage', admin: true, view: () => <UsagePage /> },
]

/** Replaces the current history entry with `to` once rendered. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to])
  return <p class="loading">Loading…</p>
}

/** The view for a path (the experiments for "/" and after sign-in). */
export function routeFor(path: string, isAdmin: boolean): JSX.Element {
  if (path === '/' || path === '/sign-in') {
    return <Redirect to="/experiments" />
  }
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path)
    if (params && (!route.admin || isAdmin)) {
      return <route.view key={path} {...params} />
    }
  }
  return <NotFoundPage />
}
