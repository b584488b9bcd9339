import type { Quota } from '../api/types'
import { formatBytes, formatCores } from '../format'

type Limits = Quota['limits']

const ROWS: { key: keyof Limits; label: string; format: (value: number) => string }[] = [
  { key: 'environments', label: 'Environments', format: String },
  { key: 'cpuMillicores', label: 'CPU', format: formatCores },
  { key: 'memoryBytes', label: 'Memory', format: formatBytes },
  { key: 'storageBytes', label: 'Storage', format: formatBytes },
  { key: 'gpus', label: 'GPUs', format: String },
]

/**
 * Limits, what is in use and what is left; with `requested`, what a launch
 * would take and whether it still fits.
 */
export function QuotaTable({
  quota,
  requested,
  caption = 'Your quota',
}: {
  quota: Quota
  requested?: Limits
  caption?: string
}) {
  return (
    <table class="quota">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Resource</th>
          {requested ? <th scope="col">This launch</th> : null}
          <th scope="col">Left</th>
          <th scope="col">In use</th>
          <th scope="col">Limit</th>
        </tr>
      </thead>
      <tbody>
        {ROWS.map(({ key, label, format }) => {
          const over = requested !== undefined && requested[key] > quota.available[key]
          return (
            <tr key={key} class={over ? 'over' : undefined}>
              <th scope="row">{label}</th>
              {requested ? (
                <td>
                  {format(requested[key])}
                  {over ? <span class="warning"> more than is left</span> : null}
                </td>
              ) : null}
              <td>{format(quota.available[key])}</td>
              <td>
                <meter
                  min={0}
                  max={Math.max(quota.limits[key], 1)}
                  value={quota.usage[key]}
                  aria-label={`${label} in use`}
                />{' '}
                {format(quota.usage[key])}
              </td>
              <td>{format(quota.limits[key])}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
