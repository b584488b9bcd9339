import { DateTime } from 'luxon'

/** UTC wall time with milliseconds: what MySQL's DATETIME(3) and SQLite's text both order correctly. */
const SQL_FORMAT = 'yyyy-MM-dd HH:mm:ss.SSS'

/**
 * A timestamp as SQL text in UTC, milliseconds included. For writes and
 * for query bindings against DATETIME(3) columns: Lucid's own format
 * drops the milliseconds, and a JS Date bound on SQLite arrives as a
 * number, which never compares with the stored text.
 */
export function toSqlTimestamp(value: Date | DateTime): string {
  const dateTime = value instanceof Date ? DateTime.fromJSDate(value) : value
  if (!dateTime.isValid) {
    throw new Error(`Invalid timestamp: ${dateTime.invalidReason}`)
  }
  return dateTime.toUTC().toFormat(SQL_FORMAT)
}

/** A stored timestamp: mysql2 returns a Date, SQLite the UTC text written by `toSqlTimestamp`. */
export function fromSqlTimestamp(value: Date | string): DateTime {
  return value instanceof Date
    ? DateTime.fromJSDate(value, { zone: 'utc' })
    : DateTime.fromSQL(value, { zone: 'utc' })
}

/**
 * Options of `@column.dateTime` for DATETIME(3) columns whose milliseconds
 * matter (state transitions that usage accounting reads, the audit trail).
 */
export const millisecondTimestamp = {
  prepare: (value: DateTime | string | null | undefined) =>
    value && typeof value !== 'string' ? toSqlTimestamp(value) : value,
  consume: (value: Date | string | null) => (value ? fromSqlTimestamp(value) : value),
}
