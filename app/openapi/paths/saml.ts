const htmlError = {
  description: 'An HTML page explaining the problem (these endpoints are visited by the browser)',
  content: { 'text/html': {} },
}

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
        'Redirects to the IdP with a signed AuthnRequest. After sign-in the browser comes back to returnTo, which must be on a configured frontend origin.',
      security: [],
      parameters: [{ name: 'returnTo', in: 'query', schema: { type: 'string', format: 'uri' } }],
      responses: {
        302: { description: 'To the IdP' },
        404: htmlError,
        422: htmlError,
      },
    },
  },
  '/api/v1/auth/saml/acs': {
    post: {
      tags: ['Authentication'],
      summary: 'Assertion consumer service (the IdP posts here)',
      description:
        'Validates the signed Response (signature, InResponseTo, audience, destination, validity window), signs the subject in and redirects to returnTo. Refusals are audited.',
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
      summary: 'Single logout endpoint (HTTP-Redirect binding; the IdP sends the browser here)',
      security: [],
      responses: {
        302: { description: 'To the frontend, or back to the IdP with a LogoutResponse' },
        401: htmlError,
        404: htmlError,
      },
    },
  },
}
