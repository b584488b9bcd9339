import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import type { ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import User from '#models/user'
import { fromSqlTimestamp, toSqlTimestamp } from '#models/millisecond_timestamp'
import userOfficeConfig from '#config/user_office'
import UserOfficeBusyException from '#exceptions/user_office_busy_exception'
import ExperimentSyncService from '#services/experiments/experiment_sync_service'
import type RequestPace from '#services/user_office/request_pace'
import { userOfficeBackgroundSyncs } from '#services/metrics/portal_metrics'

/** Users refreshed per pass at most; the next pass carries on with the rest. */
const BATCH = 500

/** Consecutive 429/503 answers double the pause up to this factor. */
const MAX_BACKOFF_FACTOR = 16

/**
 * User Office accounts in use: enabled, and signed in or used an API
 * token within the active window.
 */
function activeUserOfficeUsers(query: ModelQueryBuilderContract<typeof User>, now: DateTime) {
  const since = toSqlTimestamp(
    now.minus({ milliseconds: userOfficeConfig.backgroundSync.activeWindowMs })
  )
  return query
    .where('provider', 'useroffice')
    .where('disabled', false)
    .where((active) =>
      active
        .where('last_login_at', '>=', since)
        .orWhereExists((tokens) =>
          tokens
            .from('auth_access_tokens')
            .whereColumn('auth_access_tokens.tokenable_id', 'users.id')
            .where('auth_access_tokens.last_used_at', '>=', since)
        )
    )
}

/**
 * How far behind the User Office the portal may be for someone in use:
 * the age, in seconds, of the oldest experiment list among active User
 * Office users (0 when there is none). Read from the shared database, so
 * every process reports the same, and it grows when the job stalls.
 */
export async function userOfficeSyncLagSeconds(now = DateTime.utc()) {
  const row = await activeUserOfficeUsers(User.query(), now)
    .min('experiments_synced_at as oldestSync')
    .min('created_at as oldestAccount')
    .count('* as users')
    .pojo<{
      oldestSync: Date | string | null
      oldestAccount: Date | string | null
      users: number
    }>()
    .first()
  if (!row || Number(row.users) === 0) {
    return 0
  }
  // Never synced: behind since the account exists.
  const oldest = row.oldestSync ?? row.oldestAccount
  return oldest ? Math.max(0, now.diff(fromSqlTimestamp(oldest)).as('seconds')) : 0
}

export type BackgroundSyncReport = { synced: number; failed: number; backedOff: number }

/**
 * Keeps the experiments of people in use fresh without waiting for them
 * to ask: each pass refreshes the active User Office users whose list is
 * older than USER_OFFICE_BACKGROUND_SYNC_MAX_AGE_MINUTES, oldest first,
 * every request to the User Office taken from the caller's RequestPace (the
 * job's budget, USER_OFFICE_BACKGROUND_SYNC_REQUESTS_PER_MINUTE). A 429
 * or 503 pauses the pace (Retry-After, or a backoff doubling while it
 * lasts) and no request is retried at once; any failure is counted and
 * logged, and the pass carries on with the next user. On-demand sync
 * (sign-in, reading the list, launches) is unchanged.
 */
@inject()
export default class ExperimentBackgroundSync {
  constructor(protected experiments: ExperimentSyncService) {}

  /** Users due for a refresh now, oldest list first. */
  async due(now = DateTime.utc()) {
    const staleBefore = toSqlTimestamp(
      now.minus({ milliseconds: userOfficeConfig.backgroundSync.maxAgeMs })
    )
    return activeUserOfficeUsers(User.query(), now)
      .where((stale) =>
        stale.whereNull('experiments_synced_at').orWhere('experiments_synced_at', '<', staleBefore)
      )
      .orderBy('experiments_synced_at', 'asc')
      .orderBy('id', 'asc')
      .limit(BATCH)
  }

  /**
   * One pass. Stops between users once `signal` aborts (the process
   * stops or no longer leads); a wait for the pace ends at once then.
   */
  async run(pace: RequestPace, signal: AbortSignal): Promise<BackgroundSyncReport> {
    const report: BackgroundSyncReport = { synced: 0, failed: 0, backedOff: 0 }
    if (!userOfficeConfig.enabled) {
      return report
    }
    let busyStreak = 0
    for (const user of await this.due()) {
      if (signal.aborted) {
        break
      }
      try {
        await this.experiments.sync(user, {
          beforeRequest: () => pace.take(signal),
          retry: false,
        })
        busyStreak = 0
        report.synced++
        userOfficeBackgroundSyncs.inc({ outcome: 'synced' })
      } catch (error) {
        if (signal.aborted) {
          break
        }
        if (error instanceof UserOfficeBusyException) {
          busyStreak++
          const pauseMs =
            error.retryAfterMs ??
            userOfficeConfig.backgroundSync.backoffMs *
              Math.min(2 ** (busyStreak - 1), MAX_BACKOFF_FACTOR)
          pace.pause(pauseMs)
          report.backedOff++
          userOfficeBackgroundSyncs.inc({ outcome: 'backed_off' })
          logger.warn(
            { userId: user.id, status: error.upstreamStatus, pauseMs },
            'background User Office sync: the User Office asks to slow down; pausing'
          )
        } else {
          report.failed++
          userOfficeBackgroundSyncs.inc({ outcome: 'failed' })
          logger.warn(
            { userId: user.id, code: (error as { code?: string }).code },
            'background User Office sync of a user failed; trying again next pass'
          )
        }
      }
    }
    return report
  }
}
