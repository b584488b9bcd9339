import { authenticatedErrors, json, ref, signedIn } from '#openapi/components'

/** A notification as its recipient sees it (NotificationTransformer). */
export const notificationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'subject', 'body', 'environmentId', 'link', 'readAt', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    kind: {
      enum: ['expiry_warning', 'idle_warning', 'idle_stopped'],
      description:
        'expiry_warning: the environment will be removed at its expiry; idle_warning: it will be stopped unless used; idle_stopped: it was stopped after its idle limit.',
    },
    subject: { type: 'string' },
    body: { type: 'string', description: 'Plain text, for people' },
    environmentId: { type: ['integer', 'null'] },
    link: {
      type: ['string', 'null'],
      format: 'uri',
      description: "Where to act on it: the console's environments page (extend dialog open)",
    },
    readAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
  },
}

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } }
const tags = ['Notifications']

export const notificationPaths = {
  '/api/v1/notifications': {
    get: {
      tags,
      summary: 'My notifications, newest first',
      description:
        'Warnings before an environment expires or is stopped for idleness (at each of ENVIRONMENT_WARNING_LEADS before it), and idle stops. The same ones are e-mailed when the site enables mail. `unread=true` lists only unread ones (its `meta.total` is the unread count).',
      security: signedIn,
      parameters: [
        { $ref: '#/components/parameters/page' },
        { $ref: '#/components/parameters/perPage' },
        { name: 'unread', in: 'query', schema: { type: 'boolean' } },
      ],
      responses: {
        200: json('Notifications', {
          type: 'object',
          additionalProperties: false,
          required: ['data', 'meta'],
          properties: {
            data: { type: 'array', items: notificationSchema },
            meta: { $ref: '#/components/schemas/ListMeta' },
          },
        }),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/notifications/read-all': {
    post: {
      tags,
      summary: 'Mark all my notifications read',
      security: signedIn,
      responses: {
        200: json('How many were unread', {
          type: 'object',
          additionalProperties: false,
          required: ['data'],
          properties: {
            data: {
              type: 'object',
              additionalProperties: false,
              required: ['updated'],
              properties: { updated: { type: 'integer', minimum: 0 } },
            },
          },
        }),
        ...authenticatedErrors,
      },
    },
  },
  '/api/v1/notifications/{id}/read': {
    post: {
      tags,
      summary: 'Mark one of my notifications read',
      description: "Someone else's notification is 404, exactly like a missing one.",
      security: signedIn,
      parameters: [idParameter],
      responses: {
        200: json('The notification', {
          type: 'object',
          additionalProperties: false,
          required: ['data'],
          properties: { data: notificationSchema },
        }),
        404: ref('NotFound'),
        422: ref('ValidationFailed'),
        ...authenticatedErrors,
      },
    },
  },
}
