import { dataOf, error, html, json, listOf, operation, ref, strict } from '#openapi/builder'
import { federatedLoginValidator, loginValidator, passwordChangeValidator } from '#validators/auth'
import { oidcCallbackValidator } from '#validators/oidc'
import { paginationValidator } from '#validators/pagination'
import { accessTokenParamsValidator, createAccessTokenValidator } from '#validators/access_token'

const tag = 'Authentication'

const samlForm = (required: string[], fields: string[]) => ({
  required: true,
  content: {
    'application/x-www-form-urlencoded': {
      schema: {
        type: 'object',
        required,
        properties: Object.fromEntries(fields.map((name) => [name, { type: 'string' }])),
      },
    },
  },
})

/** A single sign-on button of the sign-in page (SAML, OpenID Connect). */
const signInButton = strict(
  { enabled: { type: 'boolean' } },
  {
    optional: {
      label: { type: 'string' },
      loginUrl: { type: 'string', description: 'Navigate the browser here (add ?returnTo=…)' },
    },
  }
)

const sloAnswer = { description: 'Back to the IdP with a LogoutResponse, or to the portal page' }
const refused = html('An HTML page explaining the problem (the browser visits these endpoints)')

export const authPaths = {
  'GET /api/v1/auth/providers': operation(tag, 'listSignInMethods', {
    security: 'public',
    summary: 'Which sign-in methods this portal offers',
    description:
      'The password form (local accounts, and facility accounts checked by the User Office when enabled), the SAML button and the OpenID Connect button with their labels.',
    responses: {
      200: json(
        'Sign-in methods',
        dataOf(
          strict({
            password: strict({
              enabled: { type: 'boolean' },
              providers: { type: 'array', items: { enum: ['local', 'useroffice'] } },
            }),
            saml: signInButton,
            oidc: signInButton,
          })
        )
      ),
    },
  }),
  'GET /api/v1/auth/csrf': operation(tag, 'issueCsrfToken', {
    security: 'public',
    summary: 'Issue the XSRF-TOKEN cookie',
    description:
      'Call once before the first unsafe request of a cookie session; echo the cookie value in the X-XSRF-TOKEN header of every POST/PUT/PATCH/DELETE.',
    responses: { 204: { description: 'XSRF-TOKEN cookie set' } },
  }),
  'POST /api/v1/auth/login': operation(tag, 'signIn', {
    security: 'public',
    summary: 'Sign in with a username and password',
    description:
      'Checks local accounts first, then the facility User Office when configured. Starts a cookie session. Failed attempts are throttled per account and per client address.',
    body: loginValidator,
    responses: {
      200: json('Signed in; the session cookie is set', dataOf('User')),
      401: error('Wrong username or password'),
      403: ref('Forbidden'),
      409: error(
        'The User Office vouched for a username another kind of account holds (E_ACCOUNT_CONFLICT)'
      ),
      429: ref('TooManyRequests'),
      503: error(
        'The database or the User Office is unavailable (E_USER_OFFICE_UNAVAILABLE); never reported as a wrong password'
      ),
    },
  }),
  'POST /api/v1/auth/logout': operation(tag, 'signOut', {
    summary: 'Sign out',
    description:
      'Ends the cookie session; called with a bearer token, revokes that token. After a SAML sign-in at an IdP with single logout, or an OpenID Connect sign-in at a provider with an end_session_endpoint (RP-initiated logout, with id_token_hint and OIDC_POST_LOGOUT_REDIRECT_URL), answers 200 with the URL the browser must visit to end the IdP session too.',
    responses: {
      200: json(
        'Signed out here; visit redirectUrl to sign out at the IdP',
        dataOf(strict({ redirectUrl: { type: 'string', format: 'uri' } }))
      ),
      204: { description: 'Signed out' },
    },
  }),
  'GET /api/v1/auth/tokens': operation(tag, 'listAccessTokens', {
    summary: 'List my personal API tokens',
    description: 'Newest first, with their scopes and expiry; never their values.',
    query: paginationValidator,
    responses: { 200: json('Tokens, newest first (never their values)', listOf('AccessToken')) },
  }),
  'POST /api/v1/auth/tokens': operation(tag, 'createAccessToken', {
    summary: 'Create a personal API token',
    description:
      'The token value is returned once and never again. Send it as "Authorization: Bearer <token>". Only a browser session may create tokens (a token cannot: 403 E_TOKEN_SCOPE). A token acts as its owner with the "user" scope; admin endpoints need the "admin" scope, which only an admin may grant (403 E_TOKEN_SCOPE otherwise). Admin-scoped tokens are revoked when their owner loses the admin role (also when the SAML IdP stops granting it). When the admin role comes from the SAML IdP, an admin-scoped token expires at most SAML_ADMIN_MAX_AGE after the sign-in behind the session creating it (expiresAt shows the capped time), and a token older than that bound acts without the admin scope.',
    body: createAccessTokenValidator,
    responses: { 201: json('Created', dataOf('NewAccessToken')) },
  }),
  'DELETE /api/v1/auth/tokens/{id}': operation(tag, 'revokeAccessToken', {
    summary: 'Revoke one of my personal API tokens',
    description: 'It stops working at once. Another user’s token is a 404.',
    params: accessTokenParamsValidator,
    responses: { 204: { description: 'Revoked' }, 404: ref('NotFound') },
  }),
  'GET /api/v1/me': operation(tag, 'getMe', {
    summary: 'The signed-in user',
    description: 'The account behind the session or token, with its roles.',
    responses: { 200: json('Me', dataOf('User')) },
  }),
  'GET /api/v1/auth/saml/metadata': operation(tag, 'getSamlMetadata', {
    security: 'public',
    summary: 'SAML service provider metadata',
    description:
      'Register this with the IdP or the federation (entity id, ACS and SLO endpoints, signing certificate). 404 when SAML is not enabled.',
    responses: {
      200: { description: 'SAML metadata', content: { 'application/samlmetadata+xml': {} } },
      404: ref('NotFound'),
    },
  }),
  'GET /api/v1/auth/saml/login': operation(tag, 'startSamlSignIn', {
    security: 'public',
    summary: 'Start SAML single sign-on (browser navigation)',
    description:
      'Redirects to the IdP with a signed AuthnRequest. After sign-in the browser lands on returnTo: a path on this portal ("/app/x?y=1"), or an absolute URL on the portal\'s origin or a FRONTEND_ORIGINS origin; anything else (other origins, "//host", backslashes, control characters, javascript: …) is refused with 422. Without returnTo the browser lands on the portal\'s own page, `/`. Sets the `__Host-portal-saml-request` cookie (signed, HttpOnly, Secure, SameSite=None, as long as SAML_REQUEST_TTL_SECONDS) that binds the sign-in to this browser: the ACS accepts the answer only from it.',
    query: federatedLoginValidator,
    responses: {
      302: {
        description: 'To the IdP',
        headers: {
          'Set-Cookie': {
            description: 'The binding cookie `__Host-portal-saml-request`',
            schema: { type: 'string' },
          },
        },
      },
      404: refused,
      422: refused,
      429: {
        ...html(
          'Too many sign-in starts from this address (E_TOO_MANY_REQUESTS, SAML_LOGIN_THROTTLE_*) or too many sign-ins under way (E_SAML_BUSY, SAML_MAX_PENDING_SIGN_INS); an HTML page, with Retry-After'
        ),
        headers: { 'Retry-After': { schema: { type: 'integer' } } },
      },
    },
  }),
  'POST /api/v1/auth/saml/acs': operation(tag, 'consumeSamlAssertion', {
    security: 'public',
    summary: 'Assertion consumer service (the IdP posts here)',
    description:
      'Validates the signed Response (signature, Issuer, InResponseTo, audience, destination, validity window), checks that it answers a sign-in this browser started (its `__Host-portal-saml-request` cookie: a response captured from another browser signs nobody in), signs the subject in and redirects to returnTo. Refusals are audited.',
    requestBody: samlForm(['SAMLResponse'], ['SAMLResponse', 'RelayState']),
    responses: {
      303: { description: 'Signed in; to returnTo' },
      401: refused,
      403: refused,
      404: refused,
      409: refused,
      503: refused,
    },
  }),
  'GET /api/v1/auth/saml/slo': operation(tag, 'samlLogoutRedirect', {
    security: 'public',
    summary: 'Single logout, HTTP-Redirect binding (the IdP sends the browser here)',
    description:
      'A signed LogoutRequest (ends the portal sessions of its subject, answers the IdP with a signed LogoutResponse) or the LogoutResponse to a logout this portal started (on to `/`). The query signature must be RSA-SHA256 or stronger; unsigned, SHA-1, wrongly signed, replayed, expired and misaddressed messages are refused.',
    parameters: ['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature'].map(
      (name) => ({ name, in: 'query', schema: { type: 'string' } })
    ),
    responses: { 302: sloAnswer, 401: refused, 404: refused },
  }),
  'POST /api/v1/auth/saml/slo': operation(tag, 'samlLogoutPost', {
    security: 'public',
    summary: 'Single logout, HTTP-POST binding (the IdP auto-posts a form here)',
    description:
      'The same messages as the GET binding, with an enveloped XML signature (RSA-SHA256 or stronger). Cross-site by nature, so no XSRF token: the signature and single use protect it.',
    requestBody: samlForm([], ['SAMLRequest', 'SAMLResponse', 'RelayState']),
    responses: { 303: sloAnswer, 401: refused, 404: refused },
  }),
  'GET /api/v1/auth/oidc/login': operation(tag, 'startOidcSignIn', {
    security: 'public',
    summary: 'Start OpenID Connect sign-in (browser navigation)',
    description:
      "Redirects to the provider's authorization endpoint (Authorization Code flow with PKCE S256, a fresh state and nonce). After sign-in the browser lands on returnTo, with the same rule as SAML: a path on this portal, or an absolute URL on the portal's origin or a FRONTEND_ORIGINS origin; anything else is refused with 422. Sets the `__Host-portal-oidc-request` cookie (encrypted with the app key, HttpOnly, Secure, SameSite=Lax, as long as OIDC_REQUEST_TTL_SECONDS) holding the state, nonce and PKCE verifier: the callback accepts the answer only in this browser.",
    query: federatedLoginValidator,
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
      404: refused,
      422: refused,
      429: {
        ...html(
          'Too many sign-in starts from this address (E_TOO_MANY_REQUESTS, OIDC_LOGIN_THROTTLE_*) or too many sign-ins under way (E_OIDC_BUSY, OIDC_MAX_PENDING_SIGN_INS); an HTML page, with Retry-After'
        ),
        headers: { 'Retry-After': { schema: { type: 'integer' } } },
      },
      503: html('The provider cannot be reached (E_OIDC_UNAVAILABLE)'),
    },
  }),
  'GET /api/v1/auth/oidc/callback': operation(tag, 'completeOidcSignIn', {
    security: 'public',
    summary: 'Redirect URI (the provider sends the browser here)',
    description:
      "Checks that the answer belongs to a sign-in this browser started (its `__Host-portal-oidc-request` cookie) and that nobody answered it before (any portal process), exchanges the code with the PKCE verifier, and validates the ID token: signature with the provider's published keys, issuer, audience, nonce, expiry (± OIDC_CLOCK_SKEW_SECONDS), and the `iss` parameter (RFC 9207) when the provider sends it. Then signs the subject in and redirects to returnTo. Refusals (E_OIDC_REJECTED) are audited.",
    query: oidcCallbackValidator,
    responses: {
      303: { description: 'Signed in; to returnTo' },
      401: refused,
      403: refused,
      404: refused,
      409: refused,
      422: refused,
      503: refused,
    },
  }),
  'PUT /api/v1/me/password': operation(tag, 'changeMyPassword', {
    security: 'browserSession',
    summary: 'Change my password (local accounts)',
    description:
      'Only from a browser session (a personal API token gets 403 E_TOKEN_SCOPE before the body is read). Accounts whose password the User Office or the SAML IdP holds get 403 E_PASSWORD_NOT_LOCAL. A wrong current password is 422 on currentPassword and counts as a failed sign-in of the account (429 E_TOO_MANY_REQUESTS once the attempts are spent); the new password needs 12 to 1024 characters and must differ from the current one and the username (422 on newPassword). On success every other session and every personal API token of the account end, this session continues under a new id. Audited as user.password_change.',
    body: passwordChangeValidator,
    responses: {
      204: { description: 'Changed; other sessions and all API tokens ended' },
      429: ref('TooManyRequests'),
    },
  }),
}
