/**
 * A small RFC 4180 reader for the import commands: comma-separated,
 * fields optionally in double quotes (which may hold commas, newlines and
 * doubled quotes), CRLF or LF line ends, an optional UTF-8 byte order mark.
 * Blank lines are skipped.
 */

/** A record and the (1-based) line of the file where it starts. */
export type CsvRecord = { line: number; fields: string[] }

/** A record that could not be read; reading goes on at the next line. */
export type CsvProblem = { line: number; error: string }

export type CsvRow = CsvRecord | CsvProblem

class RecordError extends Error {}

/**
 * Splits the text into records. Malformed quoting spoils only its own
 * record, except an unterminated quote, which runs to the end of the file.
 */
export function readCsv(text: string): CsvRow[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text
  const rows: CsvRow[] = []
  let position = 0
  let line = 1

  /** Consumes a line end at the current position, if any. */
  const endOfLine = () => {
    if (input[position] === '\r' && input[position + 1] === '\n') {
      position += 2
    } else if (input[position] === '\n' || input[position] === '\r') {
      position += 1
    } else {
      return false
    }
    line += 1
    return true
  }

  const quotedField = () => {
    const start = line
    let value = ''
    position += 1
    while (true) {
      if (position >= input.length) {
        throw new RecordError(`unterminated quoted field (opened on line ${start})`)
      }
      const char = input[position]
      if (char === '"') {
        if (input[position + 1] === '"') {
          value += '"'
          position += 2
          continue
        }
        position += 1
        return value
      }
      if (char === '\r' || char === '\n') {
        const from = position
        endOfLine()
        value += input.slice(from, position)
        continue
      }
      value += char
      position += 1
    }
  }

  const plainField = () => {
    const from = position
    while (position < input.length && !',\r\n'.includes(input[position])) {
      if (input[position] === '"') {
        throw new RecordError('a double quote inside an unquoted field (quote the whole field)')
      }
      position += 1
    }
    return input.slice(from, position)
  }

  const record = () => {
    const fields: string[] = []
    while (true) {
      if (input[position] === '"') {
        fields.push(quotedField())
        if (position < input.length && !',\r\n'.includes(input[position])) {
          throw new RecordError('unexpected text after a closing double quote')
        }
      } else {
        fields.push(plainField())
      }
      if (input[position] === ',') {
        position += 1
        continue
      }
      endOfLine()
      return fields
    }
  }

  while (position < input.length) {
    if (endOfLine()) {
      continue
    }
    const start = line
    try {
      rows.push({ line: start, fields: record() })
    } catch (error) {
      if (!(error instanceof RecordError)) {
        throw error
      }
      rows.push({ line: start, error: error.message })
      if (position >= input.length) {
        break
      }
      // Resynchronise at the next physical line.
      while (position < input.length && !endOfLine()) {
        position += 1
      }
    }
  }
  return rows
}
