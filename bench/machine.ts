import os from 'node:os'

/** The 1, 5 and 15-minute load averages, as a bench prints them beside its figures. */
export function loadAverage() {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
}

/** What a bench ran on: cores, CPU model, the load at the end, Node (and `extra`). */
export function machineLine(...extra: string[]) {
  return [
    `machine: ${os.cpus().length} × ${os.cpus()[0].model}`,
    ...extra,
    `load average ${loadAverage()}`,
    `Node ${process.version}`,
  ].join(', ')
}
