/*
 * The request log line's cost by destination: pino writing synchronously
 * (what config/logger.ts does) against `destination({ sync: false })`
 * (SonicBoom buffering, flushed with flushSync at the end as an exit hook
 * would), with the project's own censoring formatter (config/redaction.ts)
 * and the line request_log_middleware.ts writes, to a file as LOG_FILE
 * does. In one process, rounds interleaved (sync, async, sync, …) so the
 * shared machine's load falls on both; the event loop is yielded every 8
 * lines as between requests. Prints CPU µs per line (process.cpuUsage) and
 * wall µs per line, median of the rounds.
 *
 *   npm run bench -- log_destination
 *   BENCH_LINES=20000 BENCH_ROUNDS=7 …
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as yieldLoop } from 'node:timers/promises'
import pino from 'pino'
import { censorSecrets } from '../config/redaction.ts'
import { loadAverage } from './machine.ts'

const LINES = Number(process.env.BENCH_LINES ?? 20_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const folder = await mkdtemp(join(tmpdir(), 'portal-bench-log-'))

function logger(sync: boolean, file: string) {
  const destination = pino.destination({ dest: file, sync, mkdir: true })
  const root = pino(
    {
      name: 'facility-portal',
      level: 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: censorSecrets },
    },
    destination
  )
  return { log: root.child({ request_id: '2750c9f3-4606-4079-a7ed-55bf4bdaa1cb' }), destination }
}

async function round(sync: boolean, index: number) {
  const { log, destination } = logger(sync, join(folder, `${sync ? 'sync' : 'async'}-${index}.log`))
  const cpuBefore = process.cpuUsage()
  const begin = performance.now()
  for (let line = 0; line < LINES; line++) {
    log.info(
      {
        method: 'GET',
        path: '/api/v1/admin/experiments',
        route: '/api/v1/admin/experiments',
        status: 200,
        durationMs: 3.4,
        user_id: 17,
        clientIp: '127.0.0.1',
      },
      'request completed'
    )
    if (line % 8 === 7) {
      await yieldLoop()
    }
  }
  destination.flushSync()
  const cpu = process.cpuUsage(cpuBefore)
  const wall = performance.now() - begin
  destination.end()
  return { cpuUs: (cpu.user + cpu.system) / LINES, wallUs: (wall * 1000) / LINES }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const load = loadAverage

console.log(
  `load average ${load()}; ${LINES} lines × ${ROUNDS} rounds per destination, interleaved`
)
type Round = { cpuUs: number; wallUs: number }
const results: Record<'sync' | 'async', Round[]> = { sync: [], async: [] }
try {
  await round(true, -1) // warm-up (JIT)
  await round(false, -1)
  for (let index = 0; index < ROUNDS; index++) {
    results.sync.push(await round(true, index))
    results.async.push(await round(false, index))
  }
} finally {
  await rm(folder, { recursive: true, force: true })
}
console.log('\n| destination | CPU µs/line (median) | wall µs/line (median) |\n| --- | --- | --- |')
for (const [name, rows] of Object.entries(results) as Array<[string, Round[]]>) {
  console.log(
    `| ${name === 'sync' ? 'pino.destination({ sync: true })' : 'pino.destination({ sync: false }) + flushSync'} | ${median(rows.map((row) => row.cpuUs)).toFixed(2)} | ${median(rows.map((row) => row.wallUs)).toFixed(2)} |`
  )
}
console.log(`\nload average at the end: ${load()}`)
