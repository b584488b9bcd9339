import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { Link, usePath } from '../router'
import { useSession } from '../session'
import { ErrorMessage } from './error_message'

const SCIENTIST_LINKS = [
  { href: '/experiments', label: 'Experiments' },
  { href: '/environments', label: 'Environments' },
  { href: '/links', label: 'Web resources' },
  { href: '/notifications', label: 'Notifications' },
  { href: '/tokens', label: 'API tokens' },
]

const ADMIN_LINKS = [
  { href: '/admin', label: 'Overview' },
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/quota', label: 'Default quota' },
  { href: '/admin/images', label: 'Images' },
  { href: '/admin/links', label: 'Links' },
  { href: '/admin/environments', label: 'All environments' },
  { href: '/admin/audit', label: 'Audit trail' },
  { href: '/admin/usage', label: 'Usage' },
]

function NavList({ links, path }: { links: { href: string; label: string }[]; path: string }) {
  return (
    <ul>
      {links.map(({ href, label }) => {
        const current = path === href || (href !== '/admin' && path.startsWith(`${href}/`))
        return (
          <li key={href}>
            <Link href={href} aria-current={current ? 'page' : undefined}>
              {label}
            </Link>
          </li>
        )
      })}
    </ul>
  )
}

/** The frame of every signed-in view: skip link, navigation, who is signed in, sign-out. */
export function Layout({ children }: { children: ComponentChildren }) {
  const { user, isAdmin, signOut } = useSession()
  const path = usePath()
  const [error, setError] = useState<unknown>(null)
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/experiments" class="brand">
          Facility Portal
        </Link>
        <div class="who">
          <span>
            Signed in as <strong>{user.displayName ?? user.username}</strong>
          </span>
          <button
            type="button"
            onClick={() => signOut().catch((caught: unknown) => setError(caught))}
          >
            Sign out
          </button>
        </div>
      </header>
      <div class="frame">
        <nav class="side" aria-label="Main">
          <NavList links={SCIENTIST_LINKS} path={path} />
          {isAdmin ? (
            <>
              <h2 class="nav-heading" id="admin-nav">
                Administration
              </h2>
              <NavList links={ADMIN_LINKS} path={path} />
            </>
          ) : null}
        </nav>
        <main id="main" tabIndex={-1}>
          <ErrorMessage error={error} />
          {children}
        </main>
      </div>
    </>
  )
}
