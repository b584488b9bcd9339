import {
  dataOf,
  error,
  json,
  listOf,
  onOneObject,
  operation,
  ref,
  schemaRef,
  strict,
} from '#openapi/builder'
import {
  environmentListValidator,
  environmentParamsValidator,
  extendValidator,
  requisitionValidator,
} from '#validators/environment'

const tag = 'Environments'
const params = environmentParamsValidator
const one = json('The environment', dataOf('Environment'))
const accepted = json('Accepted; follow progress at /events or poll', dataOf('Environment'))
const conflict = error(
  'Not in a state that allows this (E_INVALID_STATE), or over quota (E_QUOTA_EXCEEDED)'
)
const notFound = ref('NotFound')

const credentials = {
  description:
    'Only when the server-side exchange was not possible: post these to Guacamole (`POST <GUACAMOLE_URL>/api/tokens`, form fields) to obtain a token. Never put them in a URL.',
  oneOf: [
    strict({ username: { type: 'string' }, password: { type: 'string' } }),
    strict({
      data: {
        type: 'string',
        description: 'Signed, encrypted guacamole-auth-json blob (single use)',
      },
    }),
  ],
}

const webLink = strict({
  kind: { const: 'web' },
  url: {
    type: 'string',
    format: 'uri',
    description: "The environment's own web service (http images), e.g. http://10.1.2.3:8080/",
  },
})

const guacamoleLink = strict(
  {
    kind: { const: 'guacamole' },
    url: {
      type: 'string',
      format: 'uri',
      description:
        'Guacamole client URL `<GUACAMOLE_URL>/#/client/<id>`, with `?token=` when the portal exchanged the credentials with Guacamole itself.',
    },
  },
  { optional: { credentials } }
)

/** The expiry change, shared by the owner's and the admin's route. */
export const extendOperation = {
  params,
  body: extendValidator,
  responses: onOneObject({ 200: one }, conflict),
}

export const environmentPaths = {
  'GET /api/v1/quota': operation(tag, 'getMyQuota', {
    summary: 'My quota: limits, usage and what is available',
    description:
      'Slots and storage count while environments exist; compute while they run. Available is never below 0.',
    responses: {
      200: json(
        'Quota',
        dataOf({
          type: 'object',
          additionalProperties: false,
          required: ['limits', 'usage', 'available'],
          properties: {
            limits: schemaRef('QuotaAmounts'),
            usage: schemaRef('QuotaAmounts'),
            available: schemaRef('QuotaAmounts'),
          },
        })
      ),
    },
  }),
  'GET /api/v1/environments': operation(tag, 'listEnvironments', {
    summary: 'My environments (removed ones only when asked for by state)',
    description: 'Newest first.',
    query: environmentListValidator,
    responses: { 200: json('Environments', listOf('Environment')) },
  }),
  'POST /api/v1/environments': operation(tag, 'requisitionEnvironment', {
    summary: 'Requisition an environment',
    description:
      "Checks the image is one the caller may launch and the caller belongs to the experiment (else 404), reserves quota atomically (409 E_QUOTA_EXCEEDED names the limit; 429 E_LAUNCH_LIMIT while the site already starts ENVIRONMENT_MAX_CONCURRENT_LAUNCHES environments), records the environment as provisioning and starts it. Answers 202 at once. An environment tied to no experiment needs the User Office's authorisation when USER_OFFICE_AUTHORIZED_URL is set (contract endpoint 3): 403 E_NOT_AUTHORIZED_BY_USER_OFFICE when it says no or does not know the caller, 503 E_USER_OFFICE_UNAVAILABLE when it gives no answer (local accounts are not asked). A launch on an experiment re-syncs the caller's memberships first when they are older than LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES (503 E_USER_OFFICE_UNAVAILABLE when the User Office cannot answer: nothing is launched on stale rights).",
    body: requisitionValidator,
    responses: onOneObject({ 202: accepted, 429: ref('LaunchLimit') }, conflict),
  }),
  'GET /api/v1/environments/{id}': operation(tag, 'getEnvironment', {
    summary: 'One of my environments',
    description: 'Another user’s environment is a 404.',
    params,
    responses: onOneObject({ 200: one }),
  }),
  'PATCH /api/v1/environments/{id}': operation(tag, 'extendEnvironment', {
    summary: 'Change the expiry (at most ENVIRONMENT_MAX_LIFETIME_HOURS after creation)',
    description: 'Earlier or later, but not in the past.',
    ...extendOperation,
  }),
  'DELETE /api/v1/environments/{id}': operation(tag, 'removeEnvironment', {
    summary: 'Stop if needed and remove (frees its quota)',
    description: 'Answers 202 at once; the engine work follows.',
    params,
    responses: onOneObject({ 202: accepted }, conflict),
  }),
  'POST /api/v1/environments/{id}/stop': operation(tag, 'stopEnvironment', {
    summary: 'Stop (keeps it, and its slot and storage)',
    description: 'Frees its compute; answers 202 at once.',
    params,
    responses: onOneObject({ 202: accepted }, conflict),
  }),
  'POST /api/v1/environments/{id}/start': operation(tag, 'startEnvironment', {
    summary: 'Start a stopped environment (its compute must fit the quota)',
    description:
      'Its compute must fit the quota again, and the rights it was launched with must still hold: the image is still offered to the owner and the owner still belongs to its experiment (memberships re-synced as at requisition), else 403 E_LAUNCH_NOT_ALLOWED; an environment tied to no experiment is authorised by the User Office again (403 E_NOT_AUTHORIZED_BY_USER_OFFICE, 503 E_USER_OFFICE_UNAVAILABLE).',
    params,
    responses: onOneObject({ 202: accepted, 429: ref('LaunchLimit') }, conflict),
  }),
  'GET /api/v1/environments/{id}/events': operation(tag, 'streamEnvironmentEvents', {
    summary: 'Progress as server-sent events',
    description:
      'Events "progress" (id, step, message, state, at) — resumable with Last-Event-ID — with keep-alive comments, then a final "ready" (running), "failed", "stopped" or "removed" event and the end of the stream.',
    params,
    responses: {
      200: { description: 'The event stream', content: { 'text/event-stream': {} } },
      404: notFound,
      429: ref('TooManyRequests'),
    },
  }),
  'POST /api/v1/environments/{id}/access': operation(tag, 'openEnvironment', {
    summary: 'Open one of my running environments',
    description:
      'http images answer their direct URL; vnc/rdp/ssh images a Guacamole connection only the caller can open (created or refreshed now, revoked when the environment stops, is removed or fails). With the guacamole-db broker every call sets a new password: credentials from an earlier answer stop working, and unused ones expire after 10 minutes. Every attempt is audited as `environment.access`.',
    params,
    responses: {
      200: json('Where to open it', dataOf({ oneOf: [webLink, guacamoleLink] })),
      404: notFound,
      409: error(
        'Not running (E_INVALID_STATE), no remote access for its protocol on this portal (E_ACCESS_UNSUPPORTED), or a value of its connection Guacamole can never store (E_ACCESS_REJECTED: permanent, retrying does not help; `meta.setting` names what an administrator must change, e.g. REMOTE_USER, `meta.problem` is characters, length or refused)'
      ),
      503: error(
        'Guacamole is not configured or its database is unreachable (E_ACCESS_UNAVAILABLE)'
      ),
    },
  }),
}
