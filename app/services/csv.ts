/**
 * RFC 4180 CSV for the admin exports: every row ends in CRLF, a cell is
 * quoted when it holds a comma, quote or line break.
 */

/**
 * Leading characters a spreadsheet would evaluate as a formula (OWASP's
 * list: tab and carriage return too, which some importers strip before
 * reading what follows as a formula).
 */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * One cell as text. null/undefined are empty; a cell starting like a
 * formula gets a leading quote so Excel or LibreOffice shows it instead of
 * running it (CSV formula injection: audit rows hold user-supplied text).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) {
    return ''
  }
  let text = String(value)
  if (FORMULA_START.test(text)) {
    text = `'${text}`
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One row, CRLF-terminated. */
export function csvRow(cells: unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}
