/**
 * pino's ISO timestamp (`,"time":"2026-12-06T05:30:00.123Z"`), formatted
 * once per millisecond instead of once per line: `toISOString` was the
 * single dearest step of the request log line (about 3 µs of CPU on
 * /health/live, see docs/benchmarks.md), and a busy portal writes several
 * lines within one millisecond. Same text as pino's `isoTime`.
 */
let formattedAt = Number.NaN
let formatted = ''

export function isoTimestamp() {
  const now = Date.now()
  if (now !== formattedAt) {
    formattedAt = now
    formatted = `,"time":"${new Date(now).toISOString()}"`
  }
  return formatted
}
