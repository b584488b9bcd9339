/**
 * Sort keys and report groupings the API accepts, shared by validators
 * (which refuse anything else) and the services that query by them. A
 * leading "-" sorts descending.
 */

/** A scientist's experiments list. */
export const EXPERIMENT_SORTS = ['proposalId', 'title', 'instrument', 'startDate'] as const
export type ExperimentSortKey = (typeof EXPERIMENT_SORTS)[number]

/** The admins' list of every environment. */
export const ADMIN_ENVIRONMENT_SORTS = [
  'createdAt',
  '-createdAt',
  'memoryBytes',
  '-memoryBytes',
  'cpuMillicores',
  '-cpuMillicores',
] as const
export type AdminEnvironmentSort = (typeof ADMIN_ENVIRONMENT_SORTS)[number]

/** What the usage report adds up by. */
export const USAGE_GROUPINGS = ['user', 'experiment', 'image'] as const
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number]
