import { Fragment } from 'preact'
import { api, unwrap } from '../../api/client'
import type { EnvironmentState } from '../../api/types'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { StateBadge } from '../../components/state_badge'
import { useResource } from '../../components/use_resource'
import { formatBytes, formatCores } from '../../format'
import { Link } from '../../router'

/** The facility at a glance: environments by state, reserved compute against capacity, activity. */
export function OverviewPage() {
  const overview = useResource(() => unwrap(api.GET('/api/v1/admin/overview')), [])
  const data = overview.data?.data
  const reserved = data
    ? [
        {
          label: 'CPU',
          used: data.reserved.cpuMillicores,
          capacity: data.capacity.cpuMillicores,
          format: formatCores,
        },
        {
          label: 'Memory',
          used: data.reserved.memoryBytes,
          capacity: data.capacity.memoryBytes,
          format: formatBytes,
        },
        { label: 'GPUs', used: data.reserved.gpus, capacity: data.capacity.gpus, format: String },
      ]
    : []
  return (
    <Page
      title="Overview"
      actions={
        <button type="button" onClick={() => void overview.reload()}>
          Refresh
        </button>
      }
    >
      <ErrorMessage error={overview.error} />
      {data ? (
        <div class="cards">
          <section class="card" aria-labelledby="by-state">
            <h2 id="by-state">Environments</h2>
            <ul class="plain">
              {(Object.entries(data.environmentsByState) as [EnvironmentState, number][]).map(
                ([state, count]) => (
                  <li key={state}>
                    <Link href={`/admin/environments?state=${state}`}>
                      <StateBadge state={state} /> {count}
                    </Link>
                  </li>
                )
              )}
            </ul>
          </section>
          <section class="card" aria-labelledby="reserved">
            <h2 id="reserved">Reserved compute</h2>
            <dl class="facts">
              {reserved.map((row) => (
                <Fragment key={row.label}>
                  <dt>{row.label}</dt>
                  <dd>
                    {row.capacity !== null ? (
                      <meter
                        min={0}
                        max={row.capacity}
                        value={row.used}
                        aria-label={`${row.label} reserved`}
                      />
                    ) : null}{' '}
                    {row.format(row.used)}
                    {row.capacity !== null
                      ? ` of ${row.format(row.capacity)}`
                      : ' (no capacity configured)'}
                  </dd>
                </Fragment>
              ))}
            </dl>
          </section>
          <section class="card" aria-labelledby="activity">
            <h2 id="activity">Last 24 hours</h2>
            <dl class="facts">
              <dt>Active users</dt>
              <dd>{data.activeUsers24h}</dd>
              <dt>Failed environments</dt>
              <dd>{data.failures24h}</dd>
            </dl>
          </section>
        </div>
      ) : null}
    </Page>
  )
}
