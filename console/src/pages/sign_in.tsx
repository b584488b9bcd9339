import { useEffect, useRef, useState } from 'preact/hooks'
import { api, unwrap, ApiError } from '../api/client'
import type { Providers, User } from '../api/types'
import { ErrorMessage } from '../components/error_message'

/**
 * The sign-in form (local and facility accounts share it) and, when the
 * portal offers it, the single sign-on button.
 */
export function SignInPage({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const [providers, setProviders] = useState<Providers>()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const heading = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    document.title = 'Sign in · Facility Portal'
    heading.current?.focus()
    unwrap(api.GET('/api/v1/auth/providers'))
      .then((answer) => setProviders(answer.data))
      .catch(setError)
  }, [])

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const answer = await unwrap(api.POST('/api/v1/auth/login', { body: { username, password } }))
      onSignedIn(answer.data)
    } catch (caught) {
      setError(caught)
      setBusy(false)
    }
  }

  const fieldError = (field: string) =>
    error instanceof ApiError ? error.forField(field) : undefined
  const saml = providers?.saml
  const oidc = providers?.oidc
  // Back to this view after the IdP (a path on the portal, which the API accepts as returnTo).
  const returnTo = `${window.location.pathname === '/sign-in' ? '/' : window.location.pathname}${window.location.search}`

  return (
    <main id="main" class="sign-in">
      <h1 tabIndex={-1} ref={heading}>
        Sign in to the Facility Portal
      </h1>
      <p>Use your facility (User Office) account.</p>
      <form onSubmit={submit} noValidate>
        <label>
          Username
          <input
            name="username"
            autocomplete="username"
            required
            value={username}
            aria-invalid={fieldError('username') ? true : undefined}
            aria-describedby={fieldError('username') ? 'username-error' : undefined}
            onInput={(event) => setUsername(event.currentTarget.value)}
          />
        </label>
        {fieldError('username') ? (
          <p class="field-error" id="username-error">
            {fieldError('username')}
          </p>
        ) : null}
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            aria-invalid={fieldError('password') ? true : undefined}
            aria-describedby={fieldError('password') ? 'password-error' : undefined}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </label>
        {fieldError('password') ? (
          <p class="field-error" id="password-error">
            {fieldError('password')}
          </p>
        ) : null}
        <ErrorMessage error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {saml?.enabled && saml.loginUrl ? (
        <p class="sso">
          <a class="button" href={`${saml.loginUrl}?returnTo=${encodeURIComponent(returnTo)}`}>
            Sign in with {saml.label ?? 'single sign-on'}
          </a>
        </p>
      ) : null}
      {oidc?.enabled && oidc.loginUrl ? (
        <p class="sso">
          <a class="button" href={`${oidc.loginUrl}?returnTo=${encodeURIComponent(returnTo)}`}>
            Sign in with {oidc.label ?? 'OpenID Connect'}
          </a>
        </p>
      ) : null}
    </main>
  )
}
