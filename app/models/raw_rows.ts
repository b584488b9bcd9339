/** A raw statement's rows, whichever the dialect: mysql2 answers [rows, fields], SQLite the rows. */
export function rowsOf(answer: unknown): Record<string, unknown>[] {
  const rows = answer as unknown[]
  return (Array.isArray(rows[0]) ? rows[0] : rows) as Record<string, unknown>[]
}
