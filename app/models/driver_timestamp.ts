import { DateTime } from 'luxon'

/** What SQLite stores (Lucid's format, or toSqlTimestamp's with milliseconds). */
const SQL_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/

/** How many instants' texts utcText keeps before it starts afresh. */
const REMEMBERED_INSTANTS = 10_000
const textOfInstant = new Map<number, string>()

/**
 * An instant's text when the process's zone is at UTC then (the caller
 * checked): the same rows are listed again and again, and `toISOString`
 * was most of a list's date formatting, so the text of each instant is
 * kept (it depends on nothing but the instant), up to a bound.
 */
function utcText(value: Date) {
  const instant = value.getTime()
  let text = textOfInstant.get(instant)
  if (text === undefined) {
    text = `${value.toISOString().slice(0, 23)}+00:00`
    if (textOfInstant.size >= REMEMBERED_INSTANTS) {
      textOfInstant.clear()
    }
    textOfInstant.set(instant, text)
  }
  return text
}

/**
 * A `@column.dateTime()` value as the driver returns it (mysql2: a Date;
 * SQLite: SQL text), shown exactly as the model would show it: Lucid's
 * `consume` (luxon in the process's zone) then `toISO()`. Lists format
 * thousands of these a second, so the usual case (the process runs in
 * UTC, as deployed) is written directly, without building a DateTime; any
 * other zone, text or value goes through luxon itself.
 */
export function isoFromDriver(value: Date | string | null | undefined): string | null {
  if (!value) {
    return (value ?? null) as null
  }
  if (value instanceof Date) {
    const year = value.getUTCFullYear()
    if (year >= 0 && year <= 9999 && value.getTimezoneOffset() === 0) {
      return utcText(value)
    }
    return DateTime.fromJSDate(value).toISO()
  }
  const parts = SQL_TEXT.exec(value)
  if (parts) {
    const [, year, month, day, hours, minutes, seconds, fraction = ''] = parts
    const millis = fraction.padEnd(3, '0')
    const instant = new Date(`${year}-${month}-${day}T${hours}:${minutes}:${seconds}.${millis}Z`)
    // A valid calendar time (no 31 February) in a zone at UTC then: luxon shows the same text.
    if (
      instant.getUTCDate() === Number(day) &&
      instant.getUTCHours() === Number(hours) &&
      instant.getTimezoneOffset() === 0
    ) {
      return `${year}-${month}-${day}T${hours}:${minutes}:${seconds}.${millis}+00:00`
    }
  }
  return DateTime.fromSQL(value).toISO()
}
