import { readCsv } from '#services/experiments/csv_reader'
import type { WriteOutcome } from '#services/experiments/local_experiment_service'

/** A rejected row: the line it starts on, and why. */
export type ImportProblem = { line: number; reason: string }

export type ImportReport = {
  created: number
  updated: number
  unchanged: number
  failed: number
  problems: ImportProblem[]
}

/** The file as a whole cannot be imported (no or a wrong header row). */
export class CsvImportError extends Error {}

/** A VineJS validator, as far as the import needs one. */
type RowValidator<Row> = {
  validate(data: Record<string, string | null>): Promise<Row>
}

/** A column, or alternatives of which the header must name exactly one. */
export type ImportColumn = string | readonly string[]

export type ImportOptions<Row> = {
  /** The header row must name exactly these columns (one of each alternative), in any order. */
  columns: readonly ImportColumn[]
  validator: RowValidator<Row>
  /** Applies one valid row (in a transaction of its own) and says what it did. */
  apply: (row: Row) => Promise<WriteOutcome>
}

/** Why a row failed (a validation error or a domain exception); null for anything else. */
function reasonOf(error: any): string | null {
  if (Array.isArray(error?.messages)) {
    return error.messages.map((entry: { message: string }) => entry.message).join('; ')
  }
  const status = Number(error?.status)
  return status >= 400 && status < 500 && typeof error?.message === 'string' ? error.message : null
}

function describe(column: ImportColumn) {
  return typeof column === 'string' ? column : `one of ${column.join(', ')}`
}

function checkHeader(header: string[], columns: readonly ImportColumn[]) {
  const names = header.map((name) => name.trim().toLowerCase())
  const known = columns.flat()
  const missing = columns.filter((column) => ![column].flat().some((name) => names.includes(name)))
  const ambiguous = columns.filter(
    (column) =>
      typeof column !== 'string' && column.filter((name) => names.includes(name)).length > 1
  )
  const unknown = names.filter((name) => !known.includes(name))
  const repeated = names.filter((name, index) => names.indexOf(name) !== index)
  const problems = [
    missing.length > 0 ? `missing column(s): ${missing.map(describe).join(', ')}` : null,
    ...ambiguous.map((column) => `exactly ${describe(column)}`),
    unknown.length > 0 ? `unknown column(s): ${unknown.join(', ')}` : null,
    repeated.length > 0 ? `repeated column(s): ${repeated.join(', ')}` : null,
  ].filter((problem) => problem !== null)
  if (problems.length > 0) {
    throw new CsvImportError(
      `line 1: the header row must name the columns ${columns.map((column) => (typeof column === 'string' ? column : column.join('|'))).join(',')} (${problems.join('; ')})`
    )
  }
  return names
}

/**
 * Imports a CSV file row by row: each row is validated and applied on
 * its own, so a bad row is reported and the others still go in. Errors
 * that are not about the row (the database is down) abort the import.
 */
export async function importCsv<Row>(
  text: string,
  options: ImportOptions<Row>
): Promise<ImportReport> {
  const [header, ...rows] = readCsv(text)
  if (!header) {
    throw new CsvImportError('the file is empty (a header row is required)')
  }
  if ('error' in header) {
    throw new CsvImportError(`line ${header.line}: ${header.error}`)
  }
  const names = checkHeader(header.fields, options.columns)

  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, failed: 0, problems: [] }
  const fail = (line: number, reason: string) => {
    report.failed += 1
    report.problems.push({ line, reason })
  }

  for (const row of rows) {
    if ('error' in row) {
      fail(row.line, row.error)
      continue
    }
    if (row.fields.length !== names.length) {
      fail(row.line, `expected ${names.length} fields, found ${row.fields.length}`)
      continue
    }
    const record = Object.fromEntries(
      names.map((name, index) => [name, row.fields[index] === '' ? null : row.fields[index]])
    )
    try {
      const valid = await options.validator.validate(record)
      report[await options.apply(valid)] += 1
    } catch (error) {
      const reason = reasonOf(error)
      if (reason === null) {
        throw error
      }
      fail(row.line, reason)
    }
  }
  return report
}
