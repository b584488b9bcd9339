import {
  dataOf,
  error,
  json,
  listOf,
  onOneObject,
  operation,
  schemaRef,
  strict,
} from '#openapi/builder'
import {
  extendOperation,
  shareList,
  shareRevocation,
  shareRevocationText,
} from '#openapi/paths/environments'
import { userFields } from '#transformers/user_transformer'
import { objectSchema, fieldNames } from '#transformers/field_list'
import { auditEventFields } from '#transformers/audit_event_transformer'
import { usageEndingFields, usageHourFields } from '#transformers/usage_row_fields'
import { ENVIRONMENT_STATES } from '#domain/environment_states'
import { auditExportValidator, auditQueryValidator } from '#validators/audit'
import { usageQueryValidator } from '#validators/usage'
import { adminEnvironmentListValidator } from '#validators/admin_environment'
import { environmentParamsValidator } from '#validators/environment'
import { quotaUserParamsValidator, quotaValidator } from '#validators/quota'
import {
  adminUserListValidator,
  adminUserParamsValidator,
  adminUserUpdateValidator,
} from '#validators/admin_user'

const tag = 'Administration'
const amounts = schemaRef('QuotaAmounts')
const invalidState = error('Not in a state that allows this (E_INVALID_STATE)')
const accepted = json('Accepted; the engine work follows', dataOf('AdminEnvironment'))

/** An admin's stop or removal: the owner's guarded transition, audited with the owner. */
const adminTransition = (id: string, summary: string, action: 'stop' | 'remove') =>
  operation(tag, id, {
    summary,
    description: `The same guarded transition as the owner’s (409 E_INVALID_STATE otherwise). Audited as environment.${action} with the owner in the details.`,
    params: environmentParamsValidator,
    responses: onOneObject({ 202: accepted }, invalidState),
  })

const quotaSummary = (extra: Record<string, object>) =>
  strict({ limits: amounts, usage: amounts, available: amounts, ...extra })

const custom = {
  type: 'boolean',
  description: 'Whether the limits are an override (else the site default).',
}

/** A CSV download whose header row is given. */
function csv(header: string[]) {
  return {
    description: 'RFC 4180 CSV, header row first',
    headers: {
      'Content-Disposition': {
        schema: { type: 'string' },
        description: 'attachment; filename="…csv"',
      },
    },
    content: { 'text/csv': { schema: { type: 'string' }, example: `${header.join(',')}\r\n` } },
  }
}

const count = { type: 'integer', minimum: 0 }
const compute = (nullable: boolean) =>
  Object.fromEntries(
    ['cpuMillicores', 'memoryBytes', 'gpus'].map((name) => [
      name,
      { type: nullable ? ['integer', 'null'] : 'integer', minimum: 0 },
    ])
  )

const overview = strict({
  environmentsByState: strict(Object.fromEntries(ENVIRONMENT_STATES.map((s) => [s, count]))),
  reserved: strict(compute(false), {
    description: 'Sum over environments holding compute (provisioning, running, stopping).',
  }),
  capacity: strict(compute(true), {
    description: 'CAPACITY_CPU / CAPACITY_MEMORY / CAPACITY_GPUS; null when not configured.',
  }),
  activeUsers24h: {
    ...count,
    description: 'Distinct users with a successful sign-in in the last 24 hours.',
  },
  failures24h: {
    ...count,
    description: 'Environments that entered "failed" in the last 24 hours.',
  },
})

const userDetails = objectSchema({
  ...userFields,
  quota: { type: 'object', schema: quotaSummary({ custom }) },
  environments: {
    type: 'array',
    description: 'Their environments not yet removed, newest first',
    schema: { items: schemaRef('AdminEnvironment') },
  },
})

export const adminPaths = {
  'GET /api/v1/admin/audit': operation(tag, 'adminListAuditEvents', {
    summary: 'The audit trail (admins only)',
    description: 'Newest first; every filter narrows the list.',
    query: auditQueryValidator,
    responses: { 200: json('Events, newest first', listOf('AuditEvent')) },
  }),
  'GET /api/v1/admin/audit.csv': operation(tag, 'adminExportAuditEvents', {
    summary: 'The audit trail as CSV (admins only)',
    description:
      'The same filters as `/admin/audit`; at most 100,000 rows, newest first. Cells that start with = + - @ are prefixed with a single quote.',
    query: auditExportValidator,
    responses: { 200: csv(fieldNames(auditEventFields)) },
  }),
  'GET /api/v1/admin/usage': operation(tag, 'adminGetUsage', {
    summary: 'Resource usage per user, experiment or image (admins only)',
    description:
      'Computed from recorded state transitions: environment hours while an environment holds a slot, CPU/memory/GPU hours while it holds compute, clipped to the window; and how runs ended within it, by cause (stopped by a person or an admin, stopped by the idle job, removed at expiry). `to` defaults to now and is at most 400 days after `from`.',
    query: usageQueryValidator,
    responses: {
      200: json(
        'Usage rows, by label',
        listOf(
          'UsageRow',
          strict({
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            groupBy: { type: 'string', enum: ['user', 'experiment', 'image'] },
          })
        )
      ),
    },
  }),
  'GET /api/v1/admin/usage.csv': operation(tag, 'adminExportUsage', {
    summary: 'Resource usage as CSV (admins only)',
    description: 'The same rows as `/admin/usage`; the first column is the group’s id.',
    query: usageQueryValidator,
    responses: {
      200: csv([
        'userId',
        'label',
        ...fieldNames(usageHourFields),
        ...fieldNames(usageEndingFields),
      ]),
    },
  }),
  'GET /api/v1/admin/overview': operation(tag, 'adminGetOverview', {
    summary: 'Live facility overview (admins only)',
    description: 'Environments by state, reserved compute against capacity, and the last day.',
    responses: {
      200: json('Environments, reservations, capacity and the last day', dataOf(overview)),
    },
  }),
  'GET /api/v1/admin/users': operation(tag, 'adminListUsers', {
    summary: 'Search accounts (admins only)',
    description: 'Oldest first; search matches part of the username, email or display name.',
    query: adminUserListValidator,
    responses: { 200: json('Accounts, oldest first', listOf('User')) },
  }),
  'GET /api/v1/admin/users/{id}': operation(tag, 'adminGetUser', {
    summary: 'An account with its quota usage and environments (admins only)',
    description: 'The account, its quota (limits, usage, available) and its live environments.',
    params: adminUserParamsValidator,
    responses: onOneObject({ 200: json('The account', dataOf(userDetails)) }),
  }),
  'PATCH /api/v1/admin/users/{id}': operation(tag, 'adminUpdateUser', {
    summary: 'Change roles, disable or enable an account (admins only)',
    description:
      'roles replaces the manual roles (scientist is always kept; roles from the SAML IdP stay). Disabling ends every browser session and revokes every API token of the account; stopEnvironments stops its running environments. An admin cannot remove their own admin role or disable themselves (409 E_CONFLICT). Audited as user.update with the changed fields.',
    params: adminUserParamsValidator,
    body: adminUserUpdateValidator,
    responses: onOneObject(
      { 200: json('The account', dataOf('User')) },
      error('Your own admin role or account (E_CONFLICT)')
    ),
  }),
  'DELETE /api/v1/admin/users/{id}': operation(tag, 'adminEraseUser', {
    summary: 'Erase an account (GDPR; admins only)',
    description:
      'Removes its environments through the engine (not waited for), replaces the username by a stable pseudonym (erased-…), clears email, display name, external id and password, disables it, drops its roles, tokens, sessions and experiment memberships, and pseudonymises the audit trail. An admin cannot erase themselves (409 E_CONFLICT). Audited as user.erase.',
    params: adminUserParamsValidator,
    responses: onOneObject(
      { 204: { description: 'Erased' } },
      error('Your own account (E_CONFLICT)')
    ),
  }),
  'GET /api/v1/admin/environments': operation(tag, 'adminListEnvironments', {
    summary: "Everyone's environments (admins only; removed ones only when asked for by state)",
    description:
      'sort: a leading "-" sorts descending; default -createdAt. Pages by number, or by cursor: pass meta.nextCursor as cursor (with the same sort) for the next rows; no total then.',
    query: adminEnvironmentListValidator,
    responses: {
      200: json('Environments', listOf('AdminEnvironment', schemaRef('KeysetListMeta'))),
    },
  }),
  'PATCH /api/v1/admin/environments/{id}': operation(tag, 'adminExtendEnvironment', {
    summary: "Change the expiry of anyone's environment (admins)",
    description: 'At most ENVIRONMENT_MAX_LIFETIME_HOURS after creation.',
    ...extendOperation,
  }),
  'DELETE /api/v1/admin/environments/{id}': adminTransition(
    'adminRemoveEnvironment',
    "Remove anyone's environment (admins only)",
    'remove'
  ),
  'POST /api/v1/admin/environments/{id}/stop': adminTransition(
    'adminStopEnvironment',
    "Stop anyone's running environment (admins only)",
    'stop'
  ),
  'GET /api/v1/admin/environments/{id}/shares': operation(tag, 'adminListEnvironmentShares', {
    summary: "Who anyone's environment is shared with (admins only)",
    description: 'The same list its owner sees.',
    params: environmentParamsValidator,
    responses: onOneObject({ 200: shareList }),
  }),
  'DELETE /api/v1/admin/environments/{id}/shares/{userId}': operation(
    tag,
    'adminRevokeEnvironmentShare',
    {
      summary: "Revoke a share of anyone's environment (admins only)",
      description: `${shareRevocationText} The owner goes in the audit details.`,
      ...shareRevocation,
    }
  ),
  'GET /api/v1/admin/quotas/default': operation(tag, 'adminGetDefaultQuota', {
    summary: 'The site default quota (admins only)',
    description:
      'The stored default, or the configured one (QUOTA_DEFAULT_*) until an admin stores one.',
    responses: { 200: json('The site default', dataOf(amounts)) },
  }),
  'PUT /api/v1/admin/quotas/default': operation(tag, 'adminSetDefaultQuota', {
    summary: 'Set the site default quota (admins only)',
    description:
      'Applies at once to every user without an override. Sizes take the same units as images. Audited as quota.default.update with the old and new values.',
    body: quotaValidator,
    responses: { 200: json('The site default', dataOf(amounts)) },
  }),
  'GET /api/v1/admin/users/{id}/quota': operation(tag, 'adminGetUserQuota', {
    summary: "A user's quota: limits, usage and what is available (admins only)",
    description: 'Usage counts slots and storage while environments exist, compute while they run.',
    params: quotaUserParamsValidator,
    responses: onOneObject({ 200: json("The user's quota", dataOf(quotaSummary({ custom }))) }),
  }),
  'PUT /api/v1/admin/users/{id}/quota': operation(tag, 'adminSetUserQuota', {
    summary: "Override a user's quota (admins only)",
    description:
      'Limits below what the user already holds are allowed: nothing is stopped, new requisitions are refused until usage drops, and overLimit names the limits concerned. Audited as quota.user.update.',
    params: quotaUserParamsValidator,
    body: quotaValidator,
    responses: onOneObject({
      200: json(
        "The user's quota",
        dataOf(
          quotaSummary({
            custom: { const: true },
            overLimit: {
              type: 'array',
              uniqueItems: true,
              items: {
                enum: ['environments', 'cpuMillicores', 'memoryBytes', 'storageBytes', 'gpus'],
              },
              description: 'Limits the current usage is above.',
            },
          })
        )
      ),
    }),
  }),
  'DELETE /api/v1/admin/users/{id}/quota': operation(tag, 'adminResetUserQuota', {
    summary: "Remove a user's override: back to the site default (admins only)",
    description: 'Audited as quota.user.reset. 404 when the user has no override.',
    params: quotaUserParamsValidator,
    responses: onOneObject({ 204: { description: 'Removed' } }),
  }),
}
