import { DbAccessTokensProvider } from '@adonisjs/auth/access_tokens'
import type { LucidModel } from '@adonisjs/lucid/types/model'
import { fromSqlTimestamp } from '#models/millisecond_timestamp'

type TimestampValue = Date | string | number | null

function asDate(value: TimestampValue) {
  if (value === null || value instanceof Date) {
    return value
  }
  return typeof value === 'number' ? new Date(value) : fromSqlTimestamp(value).toJSDate()
}

/**
 * The auth package's token store, reading timestamps in every form a
 * dialect returns: mysql2 gives dates, SQLite the UTC text every write
 * stores (providers/sql_time_provider.ts). The package only converts epoch
 * numbers, and a text `expires_at` compared with a date is never in the
 * past: an expired token would keep working.
 */
export class StoredAccessTokens<Model extends LucidModel> extends DbAccessTokensProvider<Model> {
  dbRowToAccessToken(row: Parameters<DbAccessTokensProvider<Model>['dbRowToAccessToken']>[0]) {
    const timestamps = row as unknown as Record<
      'created_at' | 'updated_at' | 'last_used_at' | 'expires_at',
      TimestampValue
    >
    return super.dbRowToAccessToken({
      ...row,
      created_at: asDate(timestamps.created_at)!,
      updated_at: asDate(timestamps.updated_at)!,
      last_used_at: asDate(timestamps.last_used_at),
      expires_at: asDate(timestamps.expires_at),
    } as typeof row)
  }
}
