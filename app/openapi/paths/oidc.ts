const htmlError = {
  description: 'An HTML page explaining the problem (these endpoints are visited by the browser)',
  content: { 'text/html': {} },
}

export const oidcPaths = {
  '/api/v1/auth/oidc/login': {
    get: {
      tags: ['Authentication'],
      summary: 'Start OpenID Connect sign-in (browser navigation)',
      description:
        "Redirects to the provider's authorization endpoint (Authorization Code flow with PKCE S256, a fresh state and nonce). After sign-in the browser lands on returnTo, with the same rule as SAML: a path on this portal, or an absolute URL on the portal's origin or a FRONTEND_ORIGINS origin; anything else is refused with 422. Sets the `__Host-portal-oidc-request` cookie (encrypted with the app key, HttpOnly, Secure, SameSite=Lax, as long as OIDC_REQUEST_TTL_SECONDS) holding the state, nonce and PKCE verifier: the callback accepts the answer only in this browser.",
      security: [],
      parameters: [
        {
          name: 'returnTo',
          in: 'query',
          description: 'Where to land after sign-in (same-origin path or allowed absolute URL)',
          schema: { type: 'string', maxLength: 2048 },
        },
      ],
      responses: {
        302: {
          description: 'To the provider',
          headers: {
            'Set-Cookie': {
              description: 'The binding cookie `__Host-portal-oidc-request`',
              schema: { type: 'string' },
            },
          },
        },
        404: htmlError,
        422: htmlError,
        429: {
          description:
            'Too many sign-in starts from this address (E_TOO_MANY_REQUESTS, OIDC_LOGIN_THROTTLE_*) or too many sign-ins under way (E_OIDC_BUSY, OIDC_MAX_PENDING_SIGN_INS); an HTML page, with Retry-After',
          headers: { 'Retry-After': { schema: { type: 'integer' } } },
          content: { 'text/html': {} },
        },
        503: { ...htmlError, description: 'The provider cannot be reached (E_OIDC_UNAVAILABLE)' },
      },
    },
  },
  '/api/v1/auth/oidc/callback': {
    get: {
      tags: ['Authentication'],
      summary: 'Redirect URI (the provider sends the browser here)',
      description:
        "Checks that the answer belongs to a sign-in this browser started (its `__Host-portal-oidc-request` cookie) and that nobody answered it before (any portal process), exchanges the code with the PKCE verifier, and validates the ID token: signature with the provider's published keys, issuer, audience, nonce, expiry (± OIDC_CLOCK_SKEW_SECONDS), and the `iss` parameter (RFC 9207) when the provider sends it. Then signs the subject in and redirects to returnTo. Refusals (E_OIDC_REJECTED) are audited.",
      security: [],
      parameters: ['state', 'code', 'iss', 'error', 'error_description', 'session_state'].map(
        (name) => ({ name, in: 'query', schema: { type: 'string' } })
      ),
      responses: {
        303: { description: 'Signed in; to returnTo' },
        401: htmlError,
        403: htmlError,
        404: htmlError,
        409: htmlError,
        422: htmlError,
        503: htmlError,
      },
    },
  },
}
