import { DateTime } from 'luxon'
import { listedExperiment, listedExperiments } from '#models/listed_experiment'
import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import limiter from '@adonisjs/limiter/services/main'
import Experiment from '#models/experiment'
import ExperimentMember from '#models/experiment_member'
import type User from '#models/user'
import experimentsConfig from '#config/experiments'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import ExperimentSyncService from '#services/experiments/experiment_sync_service'
import { refreshStaleMountChecks } from '#services/experiments/session_mounts'
import UserOfficeUnavailableException from '#exceptions/user_office_unavailable_exception'
import type { ExperimentSortKey } from '#domain/listing'

/** After a failed sync, reads serve stored data this long before asking the User Office again. */
const RETRY_AFTER_FAILURE_MS = 60_000

export type ExperimentFilters = {
  page?: number
  perPage?: number
  search?: string
  sort?: ExperimentSortKey | `-${ExperimentSortKey}`
  favorite?: 'true' | 'false'
}

function likePattern(text: string) {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`
}

/**
 * The experiments a user belongs to — and only those. Reading refreshes
 * them from the User Office when they are older than
 * EXPERIMENTS_SYNC_MAX_AGE_MINUTES; when it cannot, the stored data is
 * served and marked stale.
 */
@inject()
export default class ExperimentCatalogService {
  #syncThrottle = limiter.use({ requests: 6, duration: '1 min' })
  /** When each user's last sync failed (one instance per process: providers/services_provider.ts). */
  #lastFailure = new Map<number, number>()

  constructor(
    protected sync: ExperimentSyncService,
    protected audit: AuditService
  ) {}

  /** One page of the user's experiments, with whether the data is stale. */
  async list(user: User, filters: ExperimentFilters) {
    const freshness = await this.#refreshIfDue(user)
    const sort = filters.sort ?? '-startDate'
    const search = filters.search ? 's' : ''
    const favorite = filters.favorite ? 'f' : ''
    const parameters = {
      userId: user.id,
      pattern: filters.search ? likePattern(filters.search) : '',
      favorite: filters.favorite === 'true',
    }
    const { rows, paginator } = await listedExperiments.page(
      `${sort}|${search}|${favorite}`,
      parameters,
      filters.page ?? 1,
      filters.perPage ?? 20
    )
    return {
      page: paginator,
      rows: rows.map(listedExperiment),
      ...freshness,
    }
  }

  /** One of the user's experiments with its sessions; anyone else's is "not found". */
  async find(user: User, id: number) {
    const experiment = await this.#mine(user)
      .where('experiments.id', id)
      .preload('sessions', (sessions) => sessions.orderBy('starts_at', 'asc').orderBy('id', 'asc'))
      .firstOrFail()
    await refreshStaleMountChecks(experiment.sessions)
    return experiment
  }

  /** Marks or unmarks one of the user's experiments as a favourite. */
  async setFavorite(user: User, id: number, favorite: boolean, origin: RequestOrigin) {
    const membership = await ExperimentMember.query()
      .where('user_id', user.id)
      .where('experiment_id', id)
      .firstOrFail()
    membership.favorite = favorite
    await membership.save()
    await this.audit.record({
      actor: user,
      action: 'experiment.favorite',
      outcome: 'success',
      origin,
      objectType: 'experiment',
      objectId: id,
      details: { favorite },
    })
    return this.find(user, id)
  }

  /**
   * Syncs the user's experiments now (at most 6 times a minute). Returns
   * null for users whose experiments are managed locally.
   */
  async syncNow(user: User, origin: RequestOrigin) {
    if (!this.sync.syncable(user)) {
      return null
    }
    await this.#syncThrottle.consume(`experiments-sync:${user.id}`)
    try {
      const result = await this.sync.sync(user)
      this.#lastFailure.delete(user.id)
      await this.#audit(user, 'success', origin, { experiments: result.experiments })
      return result
    } catch (error) {
      await this.#audit(user, 'failure', origin, { reason: (error as { code?: string }).code })
      throw error
    }
  }

  /** Sync at sign-in: a failure must not stop the person from signing in. */
  async syncQuietly(user: User) {
    if (!this.sync.syncable(user)) {
      return
    }
    try {
      await this.sync.sync(user)
    } catch (error) {
      this.#lastFailure.set(user.id, Date.now())
      logger.warn({ userId: user.id, err: error }, 'experiment sync at sign-in failed')
    }
  }

  #mine(user: User) {
    return Experiment.query()
      .join('experiment_members as m', 'm.experiment_id', 'experiments.id')
      .where('m.user_id', user.id)
      .select('experiments.*', 'm.favorite as favorite')
  }

  async #refreshIfDue(user: User): Promise<{ stale: boolean; lastSyncedAt: DateTime | null }> {
    if (!this.sync.syncable(user)) {
      return { stale: false, lastSyncedAt: null }
    }
    const syncedAt = user.experimentsSyncedAt
    const fresh = syncedAt && Date.now() - syncedAt.toMillis() < experimentsConfig.syncMaxAgeMs
    const recentlyFailed =
      Date.now() - (this.#lastFailure.get(user.id) ?? 0) < RETRY_AFTER_FAILURE_MS
    if (fresh) {
      return { stale: false, lastSyncedAt: syncedAt }
    }
    if (recentlyFailed) {
      return { stale: true, lastSyncedAt: syncedAt }
    }
    try {
      const result = await this.sync.sync(user)
      this.#lastFailure.delete(user.id)
      return { stale: false, lastSyncedAt: result.syncedAt }
    } catch (error) {
      if (!(error instanceof UserOfficeUnavailableException)) {
        throw error
      }
      this.#lastFailure.set(user.id, Date.now())
      return { stale: true, lastSyncedAt: syncedAt }
    }
  }

  #audit(user: User, outcome: 'success' | 'failure', origin: RequestOrigin, details: object) {
    return this.audit.record({
      actor: user,
      action: 'experiment.sync',
      outcome,
      origin,
      objectType: 'user',
      objectId: user.id,
      details: details as Record<string, unknown>,
    })
  }
}
