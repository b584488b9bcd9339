/** Display helpers: sizes in binary units, CPU in cores, dates in the reader's locale. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

export function formatBytes(bytes: number) {
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${UNITS[unit]}`
}

export function formatCores(millicores: number) {
  const cores = millicores / 1000
  return `${Number.isInteger(cores) ? cores : cores.toFixed(2).replace(/0$/, '')} ${cores === 1 ? 'core' : 'cores'}`
}

export function formatDate(iso: string | null | undefined) {
  if (!iso) {
    return '—'
  }
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

export function formatDay(iso: string | null | undefined) {
  if (!iso) {
    return '—'
  }
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' })
}

/** A value for <input type="datetime-local"> in the reader's time zone. */
export function toLocalInput(date: Date) {
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}
