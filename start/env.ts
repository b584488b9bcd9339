/*
|--------------------------------------------------------------------------
| Environment variables
|--------------------------------------------------------------------------
|
| Every variable the portal reads is declared and validated here; the
| server refuses to boot when one is invalid and the error names it.
| ".env.example" documents each one. Nothing else reads process.env.
|
*/
import { Env } from '@adonisjs/core/env'
import { ensureLocalAppKey } from '#start/local_app_key'
import {
  cidrList,
  dnsLabel,
  dnsLabelList,
  domainName,
  duration,
  durationOrOff,
  integer,
  nonRootId,
  origins,
  port,
  registryHost,
  seconds,
  urlWithUsername,
} from '#start/env_rules'

const APP_ROOT = new URL('../', import.meta.url)

export const schema = {
  NODE_ENV: Env.schema.enum.optional(['development', 'production', 'test'] as const),
  HOST: Env.schema.string.optional({ format: 'host' }),
  PORT: port(),
  APP_KEY: Env.schema.secret.optional(),
  APP_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  DATA_DIR: Env.schema.string.optional(),
  TRUSTED_PROXIES: Env.schema.string.optional(),
  FRONTEND_ORIGINS: origins(),
  SHUTDOWN_TIMEOUT: seconds(0, 3600),
  SHUTDOWN_DELAY: seconds(0, 600, { inclusive: true }),

  LOG_LEVEL: Env.schema.enum.optional([
    'fatal',
    'error',
    'warn',
    'info',
    'debug',
    'trace',
    'silent',
  ] as const),
  LOG_FILE: Env.schema.string.optional(),

  METRICS_TOKEN: Env.schema.secret.optional(),
  METRICS_PORT: port(),
  METRICS_HOST: Env.schema.string.optional({ format: 'host' }),

  DB_CONNECTION: Env.schema.enum.optional(['sqlite', 'mysql'] as const),
  DB_SQLITE_FILE: Env.schema.string.optional(),
  DB_HOST: Env.schema.string.optional({ format: 'host' }),
  DB_PORT: port(),
  DB_USER: Env.schema.string.optional(),
  DB_PASSWORD: Env.schema.secret.optional(),
  DB_DATABASE: Env.schema.string.optional(),
  DB_POOL_MAX: integer(1, 1000),
  DB_LOCK_WAIT_TIMEOUT: integer(1, 3600),
  DB_MIGRATE_ON_START: Env.schema.boolean.optional(),

  SESSION_AGE: duration(60_000),
  API_TOKEN_LAST_USED_RESOLUTION: duration(1000),
  AUTH_CACHE_TTL: durationOrOff(1),

  PORTAL_ADMIN_USERNAME: Env.schema.string.optional(),
  PORTAL_ADMIN_PASSWORD: Env.schema.secret.optional(),
  PORTAL_ADMIN_EMAIL: Env.schema.string.optional({ format: 'email' }),

  LOGIN_THROTTLE_ACCOUNT_ATTEMPTS: integer(1, 1000),
  LOGIN_THROTTLE_ADDRESS_ATTEMPTS: integer(1, 100_000),
  LOGIN_THROTTLE_WINDOW: duration(1000),
  LOGIN_TRUSTED_DEVICE_DAYS: integer(0, 3650),
  EVENT_STREAM_OPENS_PER_MINUTE: integer(1, 100_000),
  EVENT_STREAMS_PER_USER: integer(1, 1000),

  API_TOKEN_MAX_DAYS: integer(1, 3650),

  USER_OFFICE_ENABLED: Env.schema.boolean.optional(),
  USER_OFFICE_LOGIN_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  USER_OFFICE_IDENTITY_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  USER_OFFICE_AUTHORIZED_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  USER_OFFICE_EXPERIMENTS_URL: urlWithUsername(),
  USER_OFFICE_SERVICE_USERNAME: Env.schema.string.optional(),
  USER_OFFICE_SERVICE_PASSWORD: Env.schema.secret.optional(),
  USER_OFFICE_TIMEOUT: seconds(0, 300),
  USER_OFFICE_AUTHORIZED_CACHE_SECONDS: seconds(0, 3600, { inclusive: true }),
  USER_OFFICE_BACKGROUND_SYNC: Env.schema.boolean.optional(),
  USER_OFFICE_BACKGROUND_SYNC_ACTIVE_HOURS: integer(1, 8760),
  USER_OFFICE_BACKGROUND_SYNC_MAX_AGE_MINUTES: integer(1, 10_080),
  USER_OFFICE_BACKGROUND_SYNC_REQUESTS_PER_MINUTE: integer(1, 6000),
  USER_OFFICE_BACKGROUND_SYNC_BACKOFF_SECONDS: seconds(0, 3600),

  DATASETS_ROOT: Env.schema.string.optional(),
  OUTPUT_ROOT: Env.schema.string.optional(),
  MOUNT_CONTAINER_RO_ROOT: Env.schema.string.optional(),
  MOUNT_CONTAINER_RW_ROOT: Env.schema.string.optional(),
  // uids besides root that may own the folders above a mount (config/experiments.ts).
  MOUNT_TRUSTED_OWNERS: Env.schema.string.optional(),
  // Removed (one mount point per mode now): read only to refuse them, in config/experiments.ts.
  MOUNT_CONTAINER_RO_ROOTS: Env.schema.string.optional(),
  MOUNT_CONTAINER_RW_ROOTS: Env.schema.string.optional(),
  EXPERIMENTS_SYNC_MAX_AGE_MINUTES: integer(0, 10_080),
  IMAGE_CATALOGUE_CACHE_SECONDS: integer(0, 3600),
  LAUNCH_MEMBERSHIP_MAX_AGE_MINUTES: integer(0, 1440),
  EXPERIMENTS_SYNC_PAGE_SIZE: integer(1, 1000),
  EXPERIMENTS_SYNC_MAX_PAGES: integer(1, 100_000),

  PORTAL_INSTANCE_ID: Env.schema.string.optional(),
  DOCKER_SOCKET: Env.schema.string.optional(),
  // tcp://, which the url format refuses: checked in config/provisioning.ts.
  DOCKER_HOST_URL: Env.schema.string.optional(),
  DOCKER_TLS_CA: Env.schema.string.optional(),
  DOCKER_TLS_CERT: Env.schema.string.optional(),
  DOCKER_TLS_KEY: Env.schema.string.optional(),
  // isolated | host | none | a network name; "host" is refused in production (config/provisioning.ts).
  DOCKER_NETWORK: Env.schema.string.optional(),
  // Private ranges environments may reach; read by deploy/docker/environment_firewall.sh too.
  ENVIRONMENT_EGRESS_ALLOW: cidrList(),
  ENVIRONMENT_EGRESS_PUBLIC: Env.schema.enum.optional(['allow', 'deny'] as const),
  DOCKER_TIMEOUT: seconds(0, 600),
  DOCKER_MAX_PARALLEL_STARTS: integer(1, 1000),
  DOCKER_DEFAULT_UID: nonRootId(),
  DOCKER_DEFAULT_GID: nonRootId(),
  DOCKER_PIDS_LIMIT: integer(16, 4_194_304),
  DOCKER_SITE_MOUNTS: Env.schema.string.optional(),
  // The registry the credentials below belong to; they are sent to no other (config/provisioning.ts).
  REGISTRY_SERVER: registryHost(),
  REGISTRY_USERNAME: Env.schema.string.optional(),
  REGISTRY_PASSWORD: Env.schema.secret.optional(),
  IMAGE_PULL_TIMEOUT: seconds(0, 86_400),
  KUBERNETES_ENABLED: Env.schema.boolean.optional(),
  KUBERNETES_CONFIG: Env.schema.enum.optional(['in-cluster', 'kubeconfig', 'explicit'] as const),
  KUBERNETES_KUBECONFIG: Env.schema.string.optional(),
  KUBERNETES_SERVER: Env.schema.string.optional({ format: 'url', tld: false }),
  KUBERNETES_TOKEN: Env.schema.secret.optional(),
  KUBERNETES_CA_FILE: Env.schema.string.optional(),
  KUBERNETES_NAMESPACE: dnsLabel(),
  KUBERNETES_VOLUME_MODE: Env.schema.enum.optional(['hostPath', 'pvc'] as const),
  KUBERNETES_DATASETS_PVC: dnsLabel(),
  KUBERNETES_OUTPUT_PVC: dnsLabel(),
  KUBERNETES_TIMEOUT: seconds(0, 600),
  KUBERNETES_DEFAULT_UID: nonRootId(),
  KUBERNETES_DEFAULT_GID: nonRootId(),
  KUBERNETES_SITE_MOUNTS: Env.schema.string.optional(),
  // Secrets (kubernetes.io/dockerconfigjson) of the namespace named in every pod's imagePullSecrets.
  KUBERNETES_IMAGE_PULL_SECRETS: dnsLabelList(),
  // Who may connect to environments: guacd and the portal (checked in config/provisioning.ts).
  KUBERNETES_ACCESS_NAMESPACE: dnsLabel(),
  KUBERNETES_ACCESS_PODS: Env.schema.string.optional(),
  // Addresses of the API server's endpoints, denied to environments even when public.
  KUBERNETES_API_SERVER_CIDRS: cidrList(),
  ENVIRONMENT_READY_TIMEOUT: seconds(0, 3600),
  JOBS_ENABLED: Env.schema.boolean.optional(),
  JOBS_INTERVAL_SECONDS: seconds(0, 3600),
  ENVIRONMENT_LIFETIME_HOURS: integer(1, 8760),
  ENVIRONMENT_MAX_LIFETIME_HOURS: integer(1, 8760),
  ENVIRONMENT_MAX_CONCURRENT_LAUNCHES: integer(0, 100_000),
  // Comma-separated durations before an expiry or idle stop ("24h,1h"): checked in config/notifications.ts.
  ENVIRONMENT_WARNING_LEADS: Env.schema.string.optional(),
  ACTIVITY_PROBE_TIMEOUT: seconds(0, 60),

  MAIL_ENABLED: Env.schema.boolean.optional(),
  MAIL_FROM: Env.schema.string.optional({ format: 'email' }),
  SMTP_HOST: Env.schema.string.optional({ format: 'host' }),
  SMTP_PORT: port(),
  SMTP_SECURE: Env.schema.boolean.optional(),
  SMTP_REQUIRE_TLS: Env.schema.boolean.optional(),
  SMTP_USERNAME: Env.schema.string.optional(),
  SMTP_PASSWORD: Env.schema.secret.optional(),
  SMTP_TIMEOUT: seconds(0, 300),
  MAIL_RETRY_DELAY: duration(1000),
  MAIL_MAX_ATTEMPTS: integer(1, 1000),
  QUOTA_DEFAULT_ENVIRONMENTS: integer(0, 10_000),
  QUOTA_DEFAULT_CPU: Env.schema.string.optional(),
  QUOTA_DEFAULT_MEMORY: Env.schema.string.optional(),
  QUOTA_DEFAULT_STORAGE: Env.schema.string.optional(),
  QUOTA_DEFAULT_GPUS: integer(0, 1024),
  CAPACITY_CPU: Env.schema.string.optional(),
  CAPACITY_MEMORY: Env.schema.string.optional(),
  CAPACITY_GPUS: integer(0, 1_000_000),

  ACCESS_BROKER: Env.schema.enum.optional(['guacamole-db', 'guacamole-json', 'none'] as const),
  GUACAMOLE_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  GUACAMOLE_API_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  GUACAMOLE_DB_HOST: Env.schema.string.optional({ format: 'host' }),
  GUACAMOLE_DB_PORT: port(),
  GUACAMOLE_DB_USER: Env.schema.string.optional(),
  GUACAMOLE_DB_PASSWORD: Env.schema.secret.optional(),
  GUACAMOLE_DB_DATABASE: Env.schema.string.optional(),
  GUACAMOLE_JSON_SECRET: Env.schema.secret.optional(),
  GUACAMOLE_TIMEOUT: seconds(0, 300),
  GUACAMOLE_ADMIN_USERNAME: Env.schema.string.optional(),
  GUACAMOLE_ADMIN_PASSWORD: Env.schema.secret.optional(),
  HEALTH_REQUIRED_CHECKS: Env.schema.string.optional(),

  SAML_ENABLED: Env.schema.boolean.optional(),
  SAML_LABEL: Env.schema.string.optional(),
  SAML_IDP_ENTITY_ID: Env.schema.string.optional(),
  SAML_IDP_SSO_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  SAML_IDP_SLO_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  SAML_IDP_CERT: Env.schema.string.optional(),
  SAML_SP_ENTITY_ID: Env.schema.string.optional(),
  SAML_SP_PRIVATE_KEY: Env.schema.secret.optional(),
  SAML_SP_CERT: Env.schema.string.optional(),
  SAML_CLOCK_SKEW_SECONDS: seconds(0, 600, { inclusive: true }),
  SAML_REQUEST_TTL_SECONDS: seconds(30, 86_400, { inclusive: true }),
  SAML_ID_ATTRIBUTE: Env.schema.string.optional(),
  SAML_USERNAME_ATTRIBUTE: Env.schema.string.optional(),
  SAML_EMAIL_ATTRIBUTE: Env.schema.string.optional(),
  SAML_DISPLAY_NAME_ATTRIBUTE: Env.schema.string.optional(),
  SAML_ROLE_ATTRIBUTE: Env.schema.string.optional(),
  SAML_ADMIN_VALUES: Env.schema.string.optional(),
  SAML_RESOLVE_WITH_USER_OFFICE: Env.schema.boolean.optional(),
  SAML_ADMIN_MAX_AGE: duration(60_000),
  SAML_USERNAME_SCOPE: domainName(),
  SAML_LOGIN_THROTTLE_ATTEMPTS: integer(1, 100_000),
  SAML_LOGIN_THROTTLE_WINDOW: duration(1000),
  SAML_MAX_PENDING_SIGN_INS: integer(10, 10_000_000),

  OIDC_ENABLED: Env.schema.boolean.optional(),
  OIDC_LABEL: Env.schema.string.optional(),
  OIDC_ISSUER: Env.schema.string.optional({ format: 'url', tld: false }),
  OIDC_CLIENT_ID: Env.schema.string.optional(),
  OIDC_CLIENT_SECRET: Env.schema.secret.optional(),
  OIDC_SCOPES: Env.schema.string.optional(),
  OIDC_USERNAME_CLAIM: Env.schema.string.optional(),
  OIDC_EMAIL_CLAIM: Env.schema.string.optional(),
  OIDC_DISPLAY_NAME_CLAIM: Env.schema.string.optional(),
  OIDC_ROLE_CLAIM: Env.schema.string.optional(),
  OIDC_ADMIN_VALUES: Env.schema.string.optional(),
  OIDC_USERNAME_SCOPE: domainName(),
  OIDC_USE_USERINFO: Env.schema.boolean.optional(),
  OIDC_POST_LOGOUT_REDIRECT_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  OIDC_CLOCK_SKEW_SECONDS: seconds(0, 600, { inclusive: true }),
  OIDC_REQUEST_TTL_SECONDS: seconds(30, 86_400, { inclusive: true }),
  OIDC_TIMEOUT: seconds(0, 120),
  OIDC_ADMIN_MAX_AGE: duration(60_000),
  OIDC_LOGIN_THROTTLE_ATTEMPTS: integer(1, 100_000),
  OIDC_LOGIN_THROTTLE_WINDOW: duration(1000),
  OIDC_MAX_PENDING_SIGN_INS: integer(10, 10_000_000),
}

let env = await Env.create(APP_ROOT, schema)

/*
| Outside production a missing APP_KEY is generated once and kept in the
| data folder, so "npm start" works on a fresh clone. Production must set it.
*/
if (!env.get('APP_KEY')) {
  if (env.get('NODE_ENV') === 'production') {
    throw new Error('Missing environment variable "APP_KEY": production needs an explicit key')
  }
  process.env.APP_KEY = await ensureLocalAppKey(env.get('DATA_DIR', 'storage'))
  env = await Env.create(APP_ROOT, schema)
}

if (env.get('APP_KEY')!.release().length < 32) {
  throw new Error('Invalid environment variable "APP_KEY": use at least 32 random characters')
}

/*
| The HTTP server reads HOST and PORT from process.env itself. Listen on
| loopback unless told otherwise: exposing the portal is a decision.
*/
env.set('HOST', env.get('HOST', '127.0.0.1'))
env.set('PORT', env.get('PORT', 3333))

export default env
