import string from '@adonisjs/core/helpers/string'
import env from '#start/env'
import portalConfig from '#config/portal'

/** "24h,1h" → [86_400_000, 3_600_000], longest first; refuses anything else by name. */
function warningLeads(value: string) {
  const leads = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      let ms: number
      try {
        ms = string.milliseconds.parse(part)
      } catch {
        ms = Number.NaN
      }
      if (!Number.isFinite(ms) || ms < 60_000) {
        throw new Error(
          `Invalid environment variable "ENVIRONMENT_WARNING_LEADS": "${part}" is not a duration of at least 1 minute (e.g. "24h,1h")`
        )
      }
      return ms
    })
  return [...new Set(leads)].sort((a, b) => b - a)
}

const mailEnabled = env.get('MAIL_ENABLED', false)
if (mailEnabled && !env.get('SMTP_HOST')) {
  throw new Error('Missing environment variable "SMTP_HOST": MAIL_ENABLED is true')
}
if (mailEnabled && !env.get('MAIL_FROM')) {
  throw new Error('Missing environment variable "MAIL_FROM": MAIL_ENABLED is true')
}

/**
 * Warnings before an environment expires or is stopped for idleness, and
 * how they reach people: always the in-app list, e-mail when enabled.
 */
const notificationsConfig = {
  /** How long before an expiry or idle stop owners are warned (ms, longest first); [] = never. */
  warningLeadsMs: warningLeads(env.get('ENVIRONMENT_WARNING_LEADS', '24h,1h')),

  /** How long the activity probe waits for a web application's answer. */
  activityProbeTimeoutMs: env.get('ACTIVITY_PROBE_TIMEOUT', 3) * 1000,

  /** The console's list of the user's environments. */
  environmentsPage() {
    return `${portalConfig.appOrigin}/environments`
  },

  /** A notification's one-click link: the console's environments page, its extend dialog open. */
  extendLink(environmentId: number) {
    return `${portalConfig.appOrigin}/environments?extend=${environmentId}`
  },

  mail: {
    enabled: mailEnabled,
    from: env.get('MAIL_FROM', 'portal@localhost'),
    /** The first retry waits this long, each next one twice as long (at most an hour). */
    retryDelayMs: string.milliseconds.parse(env.get('MAIL_RETRY_DELAY', '1 min')),
    /** After this many failed attempts a message is given up (logged, kept in the outbox). */
    maxAttempts: env.get('MAIL_MAX_ATTEMPTS', 12),
    /** Connection, greeting and socket timeout of one SMTP conversation. */
    timeoutMs: env.get('SMTP_TIMEOUT', 10) * 1000,
  },
}

export default notificationsConfig
