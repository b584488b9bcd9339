import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import type { UsageReport } from '../../api/types'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { useResource } from '../../components/use_resource'
import { toLocalInput } from '../../format'
import { ListTable } from '../../components/list_table'
import { FilterSelect } from '../../components/filter_select'
import { CsvDownload } from '../../components/csv_download'

type GroupBy = 'user' | 'experiment' | 'image'
type Metric = 'environmentHours' | 'cpuCoreHours' | 'memoryGiBHours' | 'gpuHours'

const METRICS: { key: Metric; label: string }[] = [
  { key: 'environmentHours', label: 'Environment hours' },
  { key: 'cpuCoreHours', label: 'CPU core hours' },
  { key: 'memoryGiBHours', label: 'Memory GiB hours' },
  { key: 'gpuHours', label: 'GPU hours' },
]

type Ending = 'manualStops' | 'idleStops' | 'expiries'

/** How runs ended within the window: counts, in the table only. */
const ENDINGS: { key: Ending; label: string }[] = [
  { key: 'manualStops', label: 'Stopped by hand' },
  { key: 'idleStops', label: 'Idle stops' },
  { key: 'expiries', label: 'Expired' },
]

/**
 * Horizontal bars of one metric per group, drawn as SVG with attributes
 * only (the CSP allows no inline styles). The table below carries the same
 * numbers for screen readers.
 */
function UsageChart({ rows, metric }: { rows: UsageReport['data']; metric: Metric }) {
  const shown = rows.slice(0, 20)
  const max = Math.max(...shown.map((row) => row[metric]), 0)
  const barHeight = 22
  const labelWidth = 180
  const width = 720
  const label = METRICS.find((entry) => entry.key === metric)!.label
  return (
    <svg
      class="chart"
      role="img"
      aria-label={`${label} by group (the table below has the figures)`}
      viewBox={`0 0 ${width} ${shown.length * barHeight + 10}`}
      width="100%"
    >
      {shown.map((row, index) => {
        const y = index * barHeight + 5
        const barWidth = max > 0 ? ((width - labelWidth - 80) * row[metric]) / max : 0
        return (
          <g key={`${row.key.id}-${row.key.label}`}>
            <text x={labelWidth - 8} y={y + 15} text-anchor="end" class="chart-label">
              {row.key.label.length > 24 ? `${row.key.label.slice(0, 23)}…` : row.key.label}
            </text>
            <rect
              x={labelWidth}
              y={y + 3}
              width={barWidth}
              height={barHeight - 8}
              class="chart-bar"
            />
            <text x={labelWidth + barWidth + 6} y={y + 15} class="chart-value">
              {row[metric].toFixed(1)}
            </text>
          </g>
        )
      })}
    </svg>
  )
}

/** Resource use over a window, by user, experiment or image, as a chart, a table and CSV. */
export function UsagePage() {
  const [from, setFrom] = useState(toLocalInput(new Date(Date.now() - 30 * 24 * 3600_000)))
  const [to, setTo] = useState('')
  const [groupBy, setGroupBy] = useState<GroupBy>('user')
  const [metric, setMetric] = useState<Metric>('environmentHours')
  const [applied, setApplied] = useState({ from, to, groupBy })
  const query = {
    from: new Date(applied.from).toISOString(),
    ...(applied.to ? { to: new Date(applied.to).toISOString() } : {}),
    groupBy: applied.groupBy,
  }
  const report = useResource(
    () => unwrap(api.GET('/api/v1/admin/usage', { params: { query } })),
    [JSON.stringify(query)]
  )
  const rows = report.data?.data ?? []
  return (
    <Page
      title="Usage"
      actions={<CsvDownload path="/api/v1/admin/usage.csv" query={query} file="usage.csv" />}
    >
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault()
          setApplied({ from, to, groupBy })
        }}
      >
        <label>
          From
          <input
            type="datetime-local"
            required
            value={from}
            onInput={(event) => setFrom(event.currentTarget.value)}
          />
        </label>
        <label>
          Until (empty: now)
          <input
            type="datetime-local"
            value={to}
            onInput={(event) => setTo(event.currentTarget.value)}
          />
        </label>
        <FilterSelect
          label="Group by"
          value={groupBy}
          options={[
            ['user', 'User'],
            ['experiment', 'Experiment'],
            ['image', 'Image'],
          ]}
          onChange={setGroupBy}
        />
        <button type="submit">Show</button>
        <FilterSelect
          label="Chart"
          value={metric}
          options={METRICS.map((entry) => [entry.key, entry.label] as const)}
          onChange={setMetric}
        />
      </form>
      <ErrorMessage error={report.error} />
      {report.data && rows.length === 0 ? <p>Nothing was used in this window.</p> : null}
      {rows.length > 0 ? (
        <>
          <UsageChart rows={rows} metric={metric} />
          <ListTable
            caption={<>Usage by {applied.groupBy}</>}
            columns={[
              applied.groupBy === 'user'
                ? 'User'
                : applied.groupBy === 'image'
                  ? 'Image'
                  : 'Experiment',
              ...METRICS.map((entry) => entry.label),
              ...ENDINGS.map((entry) => entry.label),
            ]}
          >
            {rows.map((row) => (
              <tr key={`${row.key.id}-${row.key.label}`}>
                <th scope="row">{row.key.label}</th>
                {METRICS.map((entry) => (
                  <td key={entry.key}>{row[entry.key].toFixed(2)}</td>
                ))}
                {ENDINGS.map((entry) => (
                  <td key={entry.key}>{row[entry.key]}</td>
                ))}
              </tr>
            ))}
          </ListTable>
        </>
      ) : null}
    </Page>
  )
}
