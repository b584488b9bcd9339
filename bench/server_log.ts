/*
 * The server's log during a benchmark: a scratch file instead of
 * /dev/null, so that failed requests can be explained afterwards by the
 * errors the server logged (pino JSON lines, level 50 and above).
 */
import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ERROR_LEVEL = 50

export function benchLogFile(name: string) {
  return join(tmpdir(), `portal-bench-${name}-${process.pid}.log`)
}

type LogEntry = {
  level: number
  msg?: string
  err?: { code?: string }
  method?: string
  route?: string
  durationMs?: number
}

async function entries(logFile: string) {
  const text = await readFile(logFile, 'utf8').catch(() => '')
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogEntry)
}

/** Errors the server logged, grouped by message (and error code), most frequent first. */
export async function loggedErrors(logFile: string) {
  const counts = new Map<string, number>()
  for (const entry of await entries(logFile)) {
    if (entry.level >= ERROR_LEVEL) {
      const key = `${entry.msg ?? ''}${entry.err?.code ? ` (${entry.err.code})` : ''}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([message, count]) => ({ message, count }))
}

/** How long the server took for each request to a route, by its request log lines. */
export async function serverDurations(logFile: string, method: string, route: string) {
  const logged = await entries(logFile)
  return logged
    .filter((entry) => entry.msg === 'request completed' && entry.method === method)
    .filter((entry) => entry.route === route && entry.durationMs !== undefined)
    .map((entry) => entry.durationMs!)
}

export function removeLog(logFile: string) {
  return rm(logFile, { force: true })
}
