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

export type ImportOptions<Row> = {
  /** The header row must name exactly these columns, in any order. */
  columns: readonly string[]
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

function checkHeader(header: string[], columns: readonly string[]) {
  const names = header.map((name) => name.trim().toLowerCase())
  const missing = columns.filter((column) => !names.includes(column))
  const unknown = names.filter((name) => !columns.includes(name))
  const repeated = names.filter((name, index) => names.indexOf(name) !== index)
  const problems = [
    missing.length > 0 ? `missing column(s): ${missing.join(', ')}` : null,
    unknown.length > 0 ? `unknown column(s): ${unknown.join(', ')}` : null,
    repeated.length > 0 ? `repeated column(s): ${repeated.join(', ')}` : null,
  ].filter((problem) => problem !== null)
  if (problems.length > 0) {
    throw new CsvImportError(
      `line 1: the header row must name the columns ${columns.join(',')} (${problems.join('; ')})`
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
