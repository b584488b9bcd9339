const htmlError = {
  description: 'An HTML page explaining the problem (these endpoints are visited by the browser)',
  content: { 'text/html': {} },
}

const logoutParameters = ['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature'].map(
  (name) => ({ name, in: 'query', schema: { type: 'string' } })
)

export const samlPaths = {
  '/api/v1/auth/saml/metadata': {
    get: {
      tags: ['Authentication'],
      summary: 'SAML service provider metadata',
      description:
        'Register this with the IdP or the federation (entity id, ACS and SLO endpoints, signing certificate).',
      security: [],
      responses: {
        200: { description: 'SAML metadata', content: { 'application/samlmetadata+xml': {} } },
        404: { $ref: '#/components/responses/NotFound' },
      },
    },
  },
  '/api/v1/auth/saml/login': {
    get: {
      tags: ['Authentication'],
      summary: 'Start SAML single sign-on (browser navigation)',
      description:
        'Redirects to the IdP with a signed AuthnRequest. After sign-in the browser lands on returnTo: a path on this portal ("/app/x?y=1"), or an absolute URL on the portal\'s origin or a FRONTEND_ORIGINS origin; anything else (other origins, "//host", backslashes, control characters, javascript: …) is refused with 422. Without returnTo the browser lands on the portal\'s own page, `/`. Sets the `__Host-portal-saml-request` cookie (signed, HttpOnly, Secure, SameSite=None, as long as SAML_REQUEST_TTL_SECONDS) that binds the sign-in to this browser: the ACS accepts the answer only from it.',
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
          description: 'To the IdP',
          headers: {
            'Set-Cookie': {
              description: 'The binding cookie `__Host-portal-saml-request`',
              schema: { type: 'string' },
            },
          },
        },
        404: htmlError,
        422: htmlError,
        429: {
          description:
            'Too many sign-in starts from this address (E_TOO_MANY_REQUESTS, SAML_LOGIN_THROTTLE_*) or too many sign-ins under way (E_SAML_BUSY, SAML_MAX_PENDING_SIGN_INS); an HTML page, with Retry-After',
          headers: { 'Retry-After': { schema: { type: 'integer' } } },
          content: { 'text/html': {} },
        },
      },
    },
  },
  '/api/v1/auth/saml/acs': {
    post: {
      tags: ['Authentication'],
      summary: 'Assertion consumer service (the IdP posts here)',
      description:
        'Validates the signed Response (signature, Issuer, InResponseTo, audience, destination, validity window), checks that it answers a sign-in this browser started (its `__Host-portal-saml-request` cookie: a response captured from another browser signs nobody in), signs the subject in and redirects to returnTo. Refusals are audited.',
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              required: ['SAMLResponse'],
              properties: { SAMLResponse: { type: 'string' }, RelayState: { type: 'string' } },
            },
          },
        },
      },
      responses: {
        303: { description: 'Signed in; to returnTo' },
        401: htmlError,
        403: htmlError,
        404: htmlError,
        409: htmlError,
        503: htmlError,
      },
    },
  },
  '/api/v1/auth/saml/slo': {
    get: {
      tags: ['Authentication'],
      summary: 'Single logout, HTTP-Redirect binding (the IdP sends the browser here)',
      description:
        'A signed LogoutRequest (ends the portal sessions of its subject, answers the IdP with a signed LogoutResponse) or the LogoutResponse to a logout this portal started (on to `/`). The query signature must be RSA-SHA256 or stronger; unsigned, SHA-1, wrongly signed, replayed, expired and misaddressed messages are refused.',
      security: [],
      parameters: logoutParameters,
      responses: {
        302: { description: 'Back to the IdP with a LogoutResponse, or to the portal page' },
        401: htmlError,
        404: htmlError,
      },
    },
    post: {
      tags: ['Authentication'],
      summary: 'Single logout, HTTP-POST binding (the IdP auto-posts a form here)',
      description:
        'The same messages as the GET binding, with an enveloped XML signature (RSA-SHA256 or stronger). Cross-site by nature, so no XSRF token: the signature and single use protect it.',
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              properties: {
                SAMLRequest: { type: 'string' },
                SAMLResponse: { type: 'string' },
                RelayState: { type: 'string' },
              },
            },
          },
        },
      },
      responses: {
        303: { description: 'Back to the IdP with a LogoutResponse, or to the portal page' },
        401: htmlError,
        404: htmlError,
      },
    },
  },
}
