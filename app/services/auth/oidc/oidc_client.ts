import * as client from 'openid-client'
import oidcConfig from '#config/oidc'
import OidcDisabledException from '#exceptions/oidc_disabled_exception'
import OidcRejectedException from '#exceptions/oidc_rejected_exception'
import OidcUnavailableException from '#exceptions/oidc_unavailable_exception'

/** What the browser's binding cookie keeps of one sign-in (never sent to the provider as is). */
export type OidcChecks = { state: string; nonce: string; codeVerifier: string }

/** The provider's answer, every check passed. */
export type OidcTokens = {
  /** The validated ID token's claims, completed from userinfo when enabled. */
  claims: Record<string, unknown>
  /** The raw ID token, kept for `id_token_hint` at logout. */
  idToken: string
}

/** Provider metadata is public and changes rarely: one discovery per process and TTL. */
const DISCOVERY_TTL_MS = 10 * 60_000

/**
 * The portal as an OpenID Connect relying party, on openid-client 6:
 * discovery from OIDC_ISSUER, authorization URLs with PKCE (S256), state
 * and nonce, the code exchange with every ID token check (signature
 * against the provider's published keys, issuer, audience, nonce, expiry
 * within OIDC_CLOCK_SKEW_SECONDS, the RFC 9207 `iss` response parameter
 * when the provider sends it), userinfo and RP-initiated logout.
 *
 * Nothing here is per sign-in state: that lives in the browser's binding
 * cookie and the shared database, so any portal process can finish a
 * sign-in another one started.
 */
export default class OidcClient {
  static #cached: { configuration: client.Configuration; until: number } | null = null

  /** Forgets the provider's metadata (tests, key rollover). */
  static forgetDiscovery() {
    OidcClient.#cached = null
  }

  get enabled() {
    return oidcConfig.enabled
  }

  /** The provider's metadata, discovered once per DISCOVERY_TTL_MS. */
  async configuration(): Promise<client.Configuration> {
    if (!oidcConfig.enabled) {
      throw new OidcDisabledException()
    }
    const cached = OidcClient.#cached
    if (cached && cached.until > Date.now()) {
      return cached.configuration
    }
    const secret = oidcConfig.clientSecret?.release()
    const execute = [client.enableNonRepudiationChecks]
    if (oidcConfig.allowInsecureHttp) {
      execute.push(client.allowInsecureRequests)
    }
    let configuration: client.Configuration
    try {
      configuration = await client.discovery(
        new URL(oidcConfig.issuer),
        oidcConfig.clientId,
        {
          [client.clockTolerance]: oidcConfig.clockSkewSeconds,
          id_token_signed_response_alg: 'RS256',
        },
        secret ? client.ClientSecretBasic(secret) : client.None(),
        { execute, timeout: oidcConfig.timeoutSeconds }
      )
    } catch (error) {
      throw new OidcUnavailableException(`discovery: ${describe(error)}`)
    }
    OidcClient.#cached = { configuration, until: Date.now() + DISCOVERY_TTL_MS }
    return configuration
  }

  /** Fresh state, nonce and PKCE verifier for one sign-in. */
  newChecks(): OidcChecks {
    return {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    }
  }

  /** Where to send the browser to sign in. */
  async authorizationUrl(checks: OidcChecks) {
    const configuration = await this.configuration()
    return client
      .buildAuthorizationUrl(configuration, {
        redirect_uri: oidcConfig.redirectUri,
        scope: oidcConfig.scopes.join(' '),
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      })
      .toString()
  }

  /**
   * Exchanges the code of the provider's answer (`query`: the callback's
   * query string) for tokens and validates the ID token against `checks`.
   * OidcRejectedException when anything does not hold,
   * OidcUnavailableException when the provider does not answer.
   */
  async exchange(query: string, checks: OidcChecks): Promise<OidcTokens> {
    const configuration = await this.configuration()
    // The callback URL as registered, not as the Host header claims it.
    const currentUrl = new URL(oidcConfig.redirectUri)
    currentUrl.search = query
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
    try {
      tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      })
    } catch (error) {
      throw unreachable(error)
        ? new OidcUnavailableException(`token: ${describe(error)}`)
        : new OidcRejectedException(describe(error))
    }
    const idClaims = tokens.claims()
    if (!idClaims || !tokens.id_token) {
      throw new OidcRejectedException('no ID token')
    }
    let claims: Record<string, unknown> = { ...idClaims }
    if (oidcConfig.useUserinfo && configuration.serverMetadata().userinfo_endpoint) {
      try {
        const userinfo = await client.fetchUserInfo(
          configuration,
          tokens.access_token,
          idClaims.sub
        )
        // The signed ID token wins; userinfo only fills in what it lacks.
        claims = { ...userinfo, ...idClaims }
      } catch (error) {
        throw unreachable(error)
          ? new OidcUnavailableException(`userinfo: ${describe(error)}`)
          : new OidcRejectedException(`userinfo: ${describe(error)}`)
      }
    }
    return { claims, idToken: tokens.id_token }
  }

  /**
   * The provider's end-session URL for RP-initiated logout, or null when it
   * publishes none (or cannot be reached: the portal session ends anyway).
   */
  async endSessionUrl(idToken: string | undefined) {
    let configuration: client.Configuration
    try {
      configuration = await this.configuration()
    } catch {
      return null
    }
    if (!configuration.serverMetadata().end_session_endpoint) {
      return null
    }
    const parameters: Record<string, string> = {
      client_id: oidcConfig.clientId,
      post_logout_redirect_uri: oidcConfig.postLogoutRedirectUrl,
    }
    if (idToken) {
      parameters.id_token_hint = idToken
    }
    return client.buildEndSessionUrl(configuration, parameters).toString()
  }
}

/** The provider did not answer (network, timeout, 5xx), as opposed to answering wrongly. */
function unreachable(error: unknown): boolean {
  if (error instanceof TypeError) {
    return true
  }
  if (error instanceof DOMException && ['TimeoutError', 'AbortError'].includes(error.name)) {
    return true
  }
  const cause = (error as { cause?: unknown })?.cause
  if (cause instanceof Response) {
    return cause.status >= 500
  }
  return cause !== undefined && cause !== error && unreachable(cause)
}

/** A short, secret-free reason for the log and the audit trail. */
function describe(error: unknown) {
  const {
    code,
    message,
    error: oauthError,
  } = error as {
    code?: string
    message?: string
    error?: string
  }
  // Which claim failed (never its value: a nonce or state is a secret while it is live).
  let claim: string | undefined
  let cause = error as { cause?: unknown; claim?: unknown } | undefined
  for (let depth = 0; cause && depth < 5 && !claim; depth++) {
    claim = typeof cause.claim === 'string' ? `claim ${cause.claim}` : undefined
    cause = cause.cause as typeof cause
  }
  return [code, oauthError, message, claim].filter(Boolean).join(': ').slice(0, 300)
}
