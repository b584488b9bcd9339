import {
  authenticatedErrors,
  bodyErrors,
  dataOf,
  json,
  listOf,
  ref,
  signedIn,
} from '#openapi/components'

export const authPaths = {
  '/api/v1/auth/providers': {
    get: {
      tags: ['Authentication'],
      summary: 'Which sign-in methods this portal offers',
      description:
        'The password form (local accounts, and facility accounts checked by the User Office when enabled), the SAML button and the OpenID Connect button with their labels.',
      security: [],
      responses: {
        200: json('Sign-in methods', {
          type: 'object',
          additionalProperties: false,
          required: ['data'],
          properties: {
            data: {
              type: 'object',
              additionalProperties: false,
              required: ['password', 'saml', 'oidc'],
              properties: {
                password: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['enabled', 'providers'],
                  properties: {
                    enabled: { type: 'boolean' },
                    providers: { type: 'array', items: { enum: ['local', 'useroffice'] } },
                  },
                },
                saml: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['enabled'],
                  properties: {
                    enabled: { type: 'boolean' },
                    label: { type: 'string' },
                    loginUrl: {
                      type: 'string',
                      description: 'Navigate the browser here (add ?returnTo=…)',
                    },
                  },
                },
                oidc: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['enabled'],
                  properties: {
                    enabled: { type: 'boolean' },
                    label: { type: 'string' },
                    loginUrl: {
                      type: 'string',
                      description: 'Navigate the browser here (add ?returnTo=…)',
                    },
                  },
                },
              },
            },
          },
        }),
      },
    },
  },
  '/api/v1/auth/csrf': {
    get: {
      tags: ['Authentication'],
      summary: 'Issue the XSRF-TOKEN cookie',
      description:
        'Call once before the first unsafe request of a cookie session; echo the cookie value in the X-XSRF-TOKEN header of every POST/PUT/PATCH/DELETE.',
      security: [],
      responses: { 204: { description: 'XSRF-TOKEN cookie set' } },
    },
  },
  '/api/v1/auth/login': {
    post: {
      tags: ['Authentication'],
      summary: 'Sign in with a username and password',
      description:
        'Checks local accounts first, then the facility User Office when configured. Starts a cookie session. Failed attempts are throttled per account and per client address.',
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['username', 'password'],
              properties: {
                username: { type: 'string', minLength: 1, maxLength: 128 },
                password: { type: 'string', minLength: 1, maxLength: 1024, format: 'password' },
              },
            },
          },
        },
      },
      responses: {
        200: json('Signed in; the session cookie is set', dataOf('User')),
        ...bodyErrors,
        401: json('Wrong username or password', { $ref: '#/components/schemas/ErrorBody' }),
        403: ref('Forbidden'),
        409: json(
          'The User Office vouched for a username another kind of account holds (E_ACCOUNT_CONFLICT)',
          {
            $ref: '#/components/schemas/ErrorBody',
          }
        ),
        429: ref('TooManyRequests'),
        503: json(
          'The database or the User Office is unavailable (E_USER_OFFICE_UNAVAILABLE); never reported as a wrong password',
          {
            $ref: '#/components/schemas/ErrorBody',
          }
        ),
      },
    },
  },
  '/api/v1/auth/logout': {
    post: {
      tags: ['Authentication'],
      summary: 'Sign out',
      description:
        'Ends the cookie session; called with a bearer token, revokes that token. After a SAML sign-in at an IdP with single logout, or an OpenID Connect sign-in at a provider with an end_session_endpoint (RP-initiated logout, with id_token_hint and OIDC_POST_LOGOUT_REDIRECT_URL), answers 200 with the URL the browser must visit to end the IdP session too.',
      security: signedIn,
      responses: {
        200: json('Signed out here; visit redirectUrl to sign out at the IdP', {
          type: 'object',
          additionalProperties: false,
          required: ['data'],
          properties: {
            data: {
              type: 'object',
              additionalProperties: false,
              required: ['redirectUrl'],
              properties: { redirectUrl: { type: 'string', format: 'uri' } },
            },
          },
        }),
        204: { description: 'Signed out' },
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/auth/tokens': {
    get: {
      tags: ['Authentication'],
      summary: 'List my personal API tokens',
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
      ],
      responses: {
        200: json('Tokens, newest first (never their values)', listOf('AccessToken')),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
    post: {
      tags: ['Authentication'],
      summary: 'Create a personal API token',
      description:
        'The token value is returned once and never again. Send it as "Authorization: Bearer <token>". Only a browser session may create tokens (a token cannot: 403 E_TOKEN_SCOPE). A token acts as its owner with the "user" scope; admin endpoints need the "admin" scope, which only an admin may grant (403 E_TOKEN_SCOPE otherwise). Admin-scoped tokens are revoked when their owner loses the admin role (also when the SAML IdP stops granting it). When the admin role comes from the SAML IdP, an admin-scoped token expires at most SAML_ADMIN_MAX_AGE after the sign-in behind the session creating it (expiresAt shows the capped time), and a token older than that bound acts without the admin scope.',
      security: signedIn,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['name', 'expiresInDays'],
              properties: {
                name: { type: 'string', minLength: 1, maxLength: 100 },
                expiresInDays: {
                  type: 'integer',
                  minimum: 1,
                  description: 'At most API_TOKEN_MAX_DAYS (90 by default).',
                },
                admin: {
                  type: 'boolean',
                  default: false,
                  description: 'Grant the admin scope (admins only).',
                },
              },
            },
          },
        },
      },
      responses: {
        201: json('Created', dataOf('NewAccessToken')),
        ...bodyErrors,
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/auth/tokens/{id}': {
    delete: {
      tags: ['Authentication'],
      summary: 'Revoke one of my personal API tokens',
      security: signedIn,
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      responses: {
        204: { description: 'Revoked' },
        404: ref('NotFound'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/me': {
    get: {
      tags: ['Authentication'],
      summary: 'The signed-in user',
      security: signedIn,
      responses: { 200: json('Me', dataOf('User')), ...authenticatedErrors },
    },
  },
}
