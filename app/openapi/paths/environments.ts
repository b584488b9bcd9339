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
  shareParamsValidator,
  shareValidator,
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

const ownerOnly =
  ' A colleague it is shared with gets 403 E_FORBIDDEN (only the owner may); anyone else 404.'

/** The colleagues an environment is shared with (the owner's and the admin's route). */
export const shareList = json(
  'Its shares, oldest first (a short list: members of one experiment)',
  dataOf({ type: 'array', items: schemaRef('EnvironmentShare') })
)

/** Revoking a share (the owner's and the admin's route). */
export const shareRevocation = {
  params: shareParamsValidator,
  responses: onOneObject({
    204: { description: 'Revoked: their Guacamole records are gone' },
    503: error(
      "Guacamole's database cannot be reached (E_ACCESS_UNAVAILABLE): nothing was revoked, retry"
    ),
  }),
}

export const shareRevocationText =
  "Removes the colleague's own Guacamole user and connection at once (credentials they hold stop working; a tunnel Guacamole already opened is Guacamole's to end), then the share. A web application that takes the environment's secret as its login token (WEB_TOKEN_PARAM) cannot be made to forget it: when the colleague was handed that URL, the environment is stopped (its files and output are kept) for its owner to start again. Audited as environment.unshare."

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
    summary: 'My environments and those shared with me (removed ones only when asked for by state)',
    description:
      "Newest first. Each says how the caller holds it (`role`: owner, user, guest) and, for shared ones, the owner (`sharedBy`); `holding` narrows to one's own or to shared ones. A shared environment is listed while the caller still belongs to its experiment.",
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
    summary: 'One of my environments, or one shared with me',
    description:
      'Another user’s environment is a 404, unless it is shared with the caller and they still belong to its experiment (a share found lapsed is withdrawn then, and the answer is 404).',
    params,
    responses: onOneObject({ 200: one }),
  }),
  'PATCH /api/v1/environments/{id}': operation(tag, 'extendEnvironment', {
    summary: 'Change the expiry (at most ENVIRONMENT_MAX_LIFETIME_HOURS after creation)',
    description: `Earlier or later, but not in the past.${ownerOnly}`,
    ...extendOperation,
  }),
  'DELETE /api/v1/environments/{id}': operation(tag, 'removeEnvironment', {
    summary: 'Stop if needed and remove (frees its quota)',
    description: `Answers 202 at once; the engine work follows.${ownerOnly}`,
    params,
    responses: onOneObject({ 202: accepted }, conflict),
  }),
  'POST /api/v1/environments/{id}/stop': operation(tag, 'stopEnvironment', {
    summary: 'Stop (keeps it, and its slot and storage)',
    description: `Frees its compute; answers 202 at once.${ownerOnly}`,
    params,
    responses: onOneObject({ 202: accepted }, conflict),
  }),
  'POST /api/v1/environments/{id}/start': operation(tag, 'startEnvironment', {
    summary: 'Start a stopped environment (its compute must fit the quota)',
    description: `Its compute must fit the quota again, and the rights it was launched with must still hold: the image is still offered to the owner and the owner still belongs to its experiment (memberships re-synced as at requisition), else 403 E_LAUNCH_NOT_ALLOWED; an environment tied to no experiment is authorised by the User Office again (403 E_NOT_AUTHORIZED_BY_USER_OFFICE, 503 E_USER_OFFICE_UNAVAILABLE).${ownerOnly}`,
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
    summary: 'Open one of my running environments, or one shared with me',
    description:
      "http images answer their direct URL; vnc/rdp/ssh images a Guacamole connection only the caller can open (created or refreshed now, revoked when the environment stops, is removed or fails). Each person gets a Guacamole user and connection of their own: a colleague it is shared with gets theirs (view-only, Guacamole's `read-only` parameter, for a guest), after their memberships are re-synced when older than LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES (404, and the share withdrawn, when they no longer belong to its experiment). With the guacamole-db broker every call sets a new password: credentials from an earlier answer stop working, and unused ones expire after 10 minutes. Every attempt is audited as `environment.access` (with `sharedAs` for a colleague).",
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
  'GET /api/v1/environments/{id}/shares': operation(tag, 'listEnvironmentShares', {
    summary: 'Who my environment is shared with',
    description: `Colleagues (members of its experiment) and their role.${ownerOnly}`,
    params,
    responses: onOneObject({ 200: shareList }),
  }),
  'POST /api/v1/environments/{id}/shares': operation(tag, 'shareEnvironment', {
    summary: 'Share my environment with a member of its experiment, or change their role',
    description: `Only environments tied to an experiment, only with other members of it (their memberships re-synced when older than LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES). user: full access; guest: view-only through Guacamole (vnc, rdp, ssh), so a web application is shared as user only. 422 (field username) for anyone who is not another member of its experiment, whether or not the account exists; 422 (field role) for a guest of a web application. 201 when shared, 200 when an existing share's role was changed (their Guacamole records are made anew in the new role). Audited as environment.share.${ownerOnly}`,
    params,
    body: shareValidator,
    responses: onOneObject({
      200: json('The share, its role changed', dataOf('EnvironmentShare')),
      201: json('The new share', dataOf('EnvironmentShare')),
    }),
  }),
  'DELETE /api/v1/environments/{id}/shares/{userId}': operation(tag, 'revokeEnvironmentShare', {
    summary: 'Stop sharing my environment with a colleague',
    description: `${shareRevocationText}${ownerOnly}`,
    ...shareRevocation,
  }),
}
