/*
 * The database server's CPU time spent for the portal, when the server
 * runs on this machine: the bench reads it around each load to show the
 * database's share of a request beside the portal's. The server names its
 * own pid file (`@@pid_file`); the pid there counts only if /proc shows a
 * MariaDB or MySQL server under it. Otherwise a scan of /proc/*\/comm finds
 * the one server process, if exactly one runs.
 *
 * The server is shared (other databases, other agents' tests), so on
 * MariaDB only the threads of the connections to the bench's database
 * count: the processlist names each connection's OS thread (TID), and
 * /proc/<pid>/task/<tid>/stat its CPU time. Where the processlist has no TID (MySQL),
 * the whole process counts.
 */
import { readdir, readFile } from 'node:fs/promises'
import type { Connection } from 'mysql2/promise'
import { cpuMilliseconds } from './process_usage.ts'

const SERVER_COMMANDS = new Set(['mariadbd', 'mysqld'])

async function isDatabaseServer(pid: number) {
  try {
    const command = await readFile(`/proc/${pid}/comm`, 'utf8')
    return SERVER_COMMANDS.has(command.trim())
  } catch {
    return false
  }
}

async function pidFromPidFile(db: Connection) {
  try {
    const [[row]] = (await db.query('SELECT @@pid_file AS pidFile')) as any
    const pidFile = await readFile(row.pidFile, 'utf8')
    const pid = Number(pidFile.trim())
    return Number.isInteger(pid) && (await isDatabaseServer(pid)) ? pid : null
  } catch {
    // Another host's file, or no file: fall back to the scan.
    return null
  }
}

async function pidFromProcScan() {
  const entries = await readdir('/proc')
  const pids = entries.filter((entry) => /^\d+$/.test(entry)).map(Number)
  const servers: number[] = []
  for (const pid of pids) {
    if (await isDatabaseServer(pid)) {
      servers.push(pid)
    }
  }
  // Several servers (a container's beside the host's): which one answers is unknown.
  return servers.length === 1 ? servers[0] : null
}

/**
 * The pid of the local MariaDB/MySQL server `db` talks to, or null when
 * it is not on this machine (or cannot be told apart from another).
 */
export async function localDatabasePid(db: Connection) {
  const host = process.env.DB_HOST ?? '127.0.0.1'
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    return null
  }
  return (await pidFromPidFile(db)) ?? (await pidFromProcScan())
}

/** CPU milliseconds of each thread of `pid` now, by thread id. */
async function threadMilliseconds(pid: number) {
  const threads = new Map<number, number>()
  const tids = await readdir(`/proc/${pid}/task`)
  for (const tid of tids.map(Number)) {
    // A thread may end between the listing and the read.
    await cpuMilliseconds(pid, tid)
      .then((milliseconds) => threads.set(tid, milliseconds))
      .catch(() => {})
  }
  return threads
}

/** The OS threads of the connections to `database` (not `db`'s own), or null without TIDs. */
async function connectionThreads(db: Connection, database: string) {
  try {
    const [rows] = (await db.query(
      'SELECT TID AS tid FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
      [database]
    )) as any
    return (rows as { tid: number }[]).map((row) => Number(row.tid))
  } catch {
    return null
  }
}

/** Measures the database server's CPU time around a load. */
export type DatabaseCpuMeter = {
  /** What is counted, for the bench's header. */
  description: string
  /** Starts counting; `stop()` answers the milliseconds used since. */
  start(): Promise<{ stop(): Promise<number> }>
}

/**
 * The meter of the local server's CPU spent on `database`, or null when
 * the server is not on this machine.
 */
export async function databaseCpuMeter(
  db: Connection,
  database: string
): Promise<DatabaseCpuMeter | null> {
  const pid = await localDatabasePid(db)
  if (!pid) {
    return null
  }
  if (!(await connectionThreads(db, database))) {
    return {
      description: `process ${pid}, all of its threads (no TID in its processlist)`,
      async start() {
        const before = await cpuMilliseconds(pid)
        return { stop: async () => (await cpuMilliseconds(pid)) - before }
      },
    }
  }
  return {
    description: `process ${pid}, the threads of the connections to ${database}`,
    async start() {
      // Every thread now: a pooled connection opened during the load may reuse a cached thread.
      const before = await threadMilliseconds(pid)
      return {
        async stop() {
          let used = 0
          for (const tid of (await connectionThreads(db, database)) ?? []) {
            const now = await cpuMilliseconds(pid, tid).catch(() => before.get(tid) ?? 0)
            used += now - (before.get(tid) ?? 0)
          }
          return used
        },
      }
    },
  }
}
