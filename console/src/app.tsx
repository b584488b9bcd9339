import { useEffect, useState } from 'preact/hooks'
import { api, onUnauthenticated, unwrap, ApiError } from './api/client'
import type { User } from './api/types'
import { Layout } from './components/layout'
import { ErrorMessage } from './components/error_message'
import { navigate, usePath } from './router'
import { SessionContext } from './session'
import { SignInPage } from './pages/sign_in'
import { routeFor } from './routes'

type Status =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'signed-in'; user: User }
  | { kind: 'error'; error: unknown }

/**
 * The console: asks who is signed in, then shows the sign-in form or the
 * view of the current path. A session that ends (sign-out elsewhere,
 * expiry, a disabled account) brings the sign-in form back.
 */
export function App() {
  const [status, setStatus] = useState<Status>({ kind: 'loading' })
  const path = usePath()

  const loadMe = async () => {
    try {
      const me = await unwrap(api.GET('/api/v1/me'))
      setStatus({ kind: 'signed-in', user: me.data })
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        setStatus({ kind: 'signed-out' })
      } else {
        setStatus({ kind: 'error', error })
      }
    }
  }

  useEffect(() => {
    void loadMe()
    return onUnauthenticated(() => setStatus({ kind: 'signed-out' }))
  }, [])

  if (status.kind === 'loading') {
    return <p class="loading">Loading…</p>
  }
  if (status.kind === 'error') {
    return (
      <main id="main" class="narrow">
        <h1>Facility Portal</h1>
        <ErrorMessage error={status.error} />
        <button type="button" onClick={() => void loadMe()}>
          Try again
        </button>
      </main>
    )
  }
  if (status.kind === 'signed-out') {
    return <SignInPage onSignedIn={(user) => setStatus({ kind: 'signed-in', user })} />
  }

  const user = status.user
  const signOut = async () => {
    const result = await unwrap(api.POST('/api/v1/auth/logout'))
    setStatus({ kind: 'signed-out' })
    navigate('/', { replace: true })
    // After a SAML sign-in the IdP's session ends too.
    if (result && 'data' in result && result.data.redirectUrl) {
      window.location.assign(result.data.redirectUrl)
    }
  }
  const route = routeFor(path, user.roles.includes('admin'))
  return (
    <SessionContext.Provider value={{ user, isAdmin: user.roles.includes('admin'), signOut }}>
      <Layout>{route}</Layout>
    </SessionContext.Provider>
  )
}
