/*
 * What a process uses, from /proc: resident memory (VmRSS now, VmHWM its
 * high-water mark, and a sampler keeping the largest VmRSS seen while a
 * load runs) and the CPU time it has consumed.
 */
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }))

async function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM') {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN)
  return Math.round(kib / 1024)
}

/** The process's resident memory now, in MiB. */
export function residentMiB(pid: number) {
  return statusMiB(pid, 'VmRSS')
}

/** The most the process has ever had resident, in MiB. */
export function peakResidentMiB(pid: number) {
  return statusMiB(pid, 'VmHWM')
}

/** Samples VmRSS every `intervalMs` until stopped; `stop()` returns the largest sample. */
export function sampleResident(pid: number, intervalMs = 100) {
  let largest = 0
  const timer = setInterval(() => {
    residentMiB(pid)
      .then((mib) => (largest = Math.max(largest, mib)))
      .catch(() => {})
  }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      return largest
    },
  }
}

/**
 * CPU time (user + system) the process has consumed so far, in
 * milliseconds; or, given `tid`, its thread of that id alone (`/proc/<tid>`
 * itself would answer for the whole process).
 */
export async function cpuMilliseconds(pid: number, tid?: number) {
  const stat = await readFile(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND
}
