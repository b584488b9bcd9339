import env from '#start/env'

/**
 * The facility User Office REST API (see docs/configuration.md). When
 * enabled, sign-in asks it for passwords local accounts do not know, and
 * SAML sign-in may resolve federated identities through it.
 */
const userOfficeConfig = {
  enabled: env.get('USER_OFFICE_ENABLED', false),
  loginUrl: env.get('USER_OFFICE_LOGIN_URL'),
  identityUrl: env.get('USER_OFFICE_IDENTITY_URL'),
  authorizedUrl: env.get('USER_OFFICE_AUTHORIZED_URL'),
  /** Contains the literal placeholder $USERNAME. */
  experimentsUrl: env.get('USER_OFFICE_EXPERIMENTS_URL'),
  serviceUsername: env.get('USER_OFFICE_SERVICE_USERNAME', ''),
  servicePassword: env.get('USER_OFFICE_SERVICE_PASSWORD'),
  /** Per-call timeout. */
  timeoutMs: Math.round(env.get('USER_OFFICE_TIMEOUT', 5) * 1000),
  /** How long an endpoint-3 answer is kept per process (0: ask every time). */
  authorizedCacheMs: Math.round(env.get('USER_OFFICE_AUTHORIZED_CACHE_SECONDS', 60) * 1000),
  /**
   * The leader-elected refresh of active users' experiments
   * (app/services/experiments/experiment_background_sync.ts).
   */
  backgroundSync: {
    enabled: env.get('USER_OFFICE_BACKGROUND_SYNC', false),
    /** Users who signed in or used an API token within this window are refreshed. */
    activeWindowMs: env.get('USER_OFFICE_BACKGROUND_SYNC_ACTIVE_HOURS', 168) * 3_600_000,
    /** A user is refreshed once their experiments are older than this. */
    maxAgeMs: env.get('USER_OFFICE_BACKGROUND_SYNC_MAX_AGE_MINUTES', 60) * 60_000,
    /** The job's own budget of User Office requests (every page counts). */
    requestsPerMinute: env.get('USER_OFFICE_BACKGROUND_SYNC_REQUESTS_PER_MINUTE', 30),
    /** The pause after a 429/503 without Retry-After; doubled while it goes on. */
    backoffMs: Math.round(env.get('USER_OFFICE_BACKGROUND_SYNC_BACKOFF_SECONDS', 60) * 1000),
  },
}

if (userOfficeConfig.enabled && !userOfficeConfig.loginUrl) {
  throw new Error(
    'Missing environment variable "USER_OFFICE_LOGIN_URL": USER_OFFICE_ENABLED is true'
  )
}

if (userOfficeConfig.backgroundSync.enabled && !userOfficeConfig.enabled) {
  throw new Error(
    'Invalid environment variable "USER_OFFICE_BACKGROUND_SYNC": it needs USER_OFFICE_ENABLED=true'
  )
}

export default userOfficeConfig
