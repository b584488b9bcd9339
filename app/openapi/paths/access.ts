import { authenticatedErrors, json, ref, signedIn } from '#openapi/components'

const errorBody = { $ref: '#/components/schemas/ErrorBody' }

/** Where the browser goes to use an environment. */
const accessLink = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'url'],
      properties: {
        kind: { const: 'web' },
        url: {
          type: 'string',
          format: 'uri',
          description:
            "The environment's own web service (http images), e.g. http://10.1.2.3:8080/",
        },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'url'],
      properties: {
        kind: { const: 'guacamole' },
        url: {
          type: 'string',
          format: 'uri',
          description:
            'Guacamole client URL `<GUACAMOLE_URL>/#/client/<id>`, with `?token=` when the portal exchanged the credentials with Guacamole itself.',
        },
        credentials: {
          description:
            'Only when the server-side exchange was not possible: post these to Guacamole (`POST <GUACAMOLE_URL>/api/tokens`, form fields) to obtain a token. Never put them in a URL.',
          oneOf: [
            {
              type: 'object',
              additionalProperties: false,
              required: ['username', 'password'],
              properties: { username: { type: 'string' }, password: { type: 'string' } },
            },
            {
              type: 'object',
              additionalProperties: false,
              required: ['data'],
              properties: {
                data: {
                  type: 'string',
                  description: 'Signed, encrypted guacamole-auth-json blob (single use)',
                },
              },
            },
          ],
        },
      },
    },
  ],
}

export const accessPaths = {
  '/api/v1/environments/{id}/access': {
    post: {
      tags: ['Environments'],
      summary: 'Open one of my running environments',
      description:
        'http images answer their direct URL; vnc/rdp/ssh images a Guacamole connection only the caller can open (created or refreshed now, revoked when the environment stops, is removed or fails). With the guacamole-db broker every call sets a new password: credentials from an earlier answer stop working, and unused ones expire after 10 minutes. Every attempt is audited as `environment.access`.',
      security: signedIn,
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      responses: {
        200: json('Where to open it', {
          type: 'object',
          additionalProperties: false,
          required: ['data'],
          properties: { data: accessLink },
        }),
        404: ref('NotFound'),
        409: json(
          'Not running (E_INVALID_STATE), no remote access for its protocol on this portal (E_ACCESS_UNSUPPORTED), or a value of its connection Guacamole can never store (E_ACCESS_REJECTED: permanent, retrying does not help; `meta.setting` names what an administrator must change, e.g. REMOTE_USER, `meta.problem` is characters, length or refused)',
          errorBody
        ),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
        503: json(
          'Guacamole is not configured or its database is unreachable (E_ACCESS_UNAVAILABLE)',
          errorBody
        ),
      },
    },
  },
}
