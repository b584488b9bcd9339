import { DateTime } from 'luxon'

/** What SQLite stores (Lucid's format, or toSqlTimestamp's with milliseconds). */
const SQL_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/

/** How many instants' (and SQL texts') API texts are kept before they start afresh. */
const REMEMBERED_INSTANTS = 10_000
const textOfInstant = new Map<number, string>()
/** SQLite's texts as the API shows them, each with its instant (for the zone check). */
const textOfSqlText = new Map<string, { at: Date; text: string }>()

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
 * SQLite's text of an instant as the API shows it, when the process's zone
 * is at UTC then; else null. The texts are kept like utcText's: parsing one
 * (a pattern, a Date and its checks) was a tenth of the scientist's
 * experiment list on SQLite; the zone is checked again on each use.
 */
function utcTextOfSql(value: string) {
  const known = textOfSqlText.get(value)
  if (known !== undefined) {
    return known.at.getTimezoneOffset() === 0 ? known.text : null
  }
  const parts = SQL_TEXT.exec(value)
  if (!parts) {
    return null
  }
  const [, year, month, day, hours, minutes, seconds, fraction = ''] = parts
  const millis = fraction.padEnd(3, '0')
  const at = new Date(`${year}-${month}-${day}T${hours}:${minutes}:${seconds}.${millis}Z`)
  // A valid calendar time (no 31 February) in a zone at UTC then: luxon shows the same text.
  if (
    at.getUTCDate() !== Number(day) ||
    at.getUTCHours() !== Number(hours) ||
    at.getTimezoneOffset() !== 0
  ) {
    return null
  }
  const text = `${year}-${month}-${day}T${hours}:${minutes}:${seconds}.${millis}+00:00`
  if (textOfSqlText.size >= REMEMBERED_INSTANTS) {
    textOfSqlText.clear()
  }
  textOfSqlText.set(value, { at, text })
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
  return utcTextOfSql(value) ?? DateTime.fromSQL(value).toISO()
}
