import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import AuditEvent, { type AuditOutcome } from '#models/audit_event'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import type User from '#models/user'
import type RequestOrigin from '#services/request_origin'

export type AuditFilters = {
  actorId?: number
  action?: string
  objectType?: string
  objectId?: string
  outcome?: AuditOutcome
  from?: Date
  to?: Date
  page?: number
  perPage?: number
}

export type AuditEntry = {
  /** Who acted; null when anonymous (e.g. a failed sign-in). */
  actor: User | null
  /** Dotted verb, e.g. "auth.login", "token.create", "environment.stop". */
  action: string
  outcome: AuditOutcome
  origin: RequestOrigin
  objectType?: string
  objectId?: string | number
  /** Context for a human reader. Never secrets. */
  details?: Record<string, unknown>
}

/**
 * Appends to the audit trail: who did what to which object, when, from
 * where, and how it ended.
 */
@inject()
export default class AuditService {
  /**
   * Records one event. The trail is evidence, so a failure to write it is
   * not swallowed: the caller's action fails with it.
   */
  async record(entry: AuditEntry): Promise<AuditEvent> {
    const event = await AuditEvent.create({
      occurredAt: DateTime.utc(),
      actorId: entry.actor?.id ?? null,
      actorName: entry.actor?.username ?? null,
      action: entry.action,
      objectType: entry.objectType ?? null,
      objectId: entry.objectId === undefined ? null : String(entry.objectId),
      outcome: entry.outcome,
      clientIp: entry.origin.clientIp,
      userAgent: entry.origin.userAgent,
      requestId: entry.origin.requestId,
      details: entry.details ?? null,
    })
    logger.info(
      {
        audit: {
          action: event.action,
          outcome: event.outcome,
          actorId: event.actorId,
          objectType: event.objectType,
          objectId: event.objectId,
        },
        requestId: event.requestId,
      },
      'audit event'
    )
    return event
  }

  /**
   * A completed sign-out (`auth.logout`), whether the user asked for it or
   * the identity provider ended the session (`details` says which).
   */
  recordLogout(user: User | null, origin: RequestOrigin, details?: Record<string, unknown>) {
    return this.record({
      actor: user,
      action: 'auth.logout',
      outcome: 'success',
      origin,
      objectType: 'user',
      objectId: user?.id,
      details,
    })
  }

  /** Events matching the filters, newest first, one page at a time. */
  async search(filters: AuditFilters) {
    return this.matching(filters).paginate(filters.page ?? 1, filters.perPage ?? 50)
  }

  /**
   * Every event matching the filters (at most `limit`), newest first,
   * fetched `chunkSize` rows at a time by id so a large export never holds
   * the whole trail in memory.
   */
  async *each(filters: AuditFilters, limit = 100_000, chunkSize = 1000) {
    let remaining = limit
    let beforeId: number | null = null
    while (remaining > 0) {
      const chunk: AuditEvent[] = await this.matching(filters)
        .if(beforeId !== null, (query) => query.where('id', '<', beforeId!))
        .limit(Math.min(chunkSize, remaining))
      yield* chunk
      if (chunk.length < chunkSize) {
        return
      }
      remaining -= chunk.length
      beforeId = chunk[chunk.length - 1].id
    }
  }

  /** The filtered query, newest first. */
  private matching(filters: AuditFilters) {
    return AuditEvent.query()
      .if(filters.actorId, (query) => query.where('actor_id', filters.actorId!))
      .if(filters.action, (query) => query.where('action', filters.action!))
      .if(filters.objectType, (query) => query.where('object_type', filters.objectType!))
      .if(filters.objectId, (query) => query.where('object_id', filters.objectId!))
      .if(filters.outcome, (query) => query.where('outcome', filters.outcome!))
      .if(filters.from, (query) => query.where('occurred_at', '>=', toSqlTimestamp(filters.from!)))
      .if(filters.to, (query) => query.where('occurred_at', '<', toSqlTimestamp(filters.to!)))
      .orderBy('id', 'desc')
  }
}
