import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import type { AdminEnvironment, EnvironmentState } from '../../api/types'
import { ConfirmDialog } from '../../components/confirm_dialog'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { Pager } from '../../components/pager'
import { StateBadge } from '../../components/state_badge'
import { useResource } from '../../components/use_resource'
import { formatBytes, formatCores, formatDate } from '../../format'
import { Link } from '../../router'

const STATES: EnvironmentState[] = [
  'provisioning',
  'running',
  'stopping',
  'stopped',
  'removing',
  'removed',
  'failed',
]
type Sort =
  'createdAt' | '-createdAt' | 'memoryBytes' | '-memoryBytes' | 'cpuMillicores' | '-cpuMillicores'

/** Everyone's environments, filtered and sorted, with force stop and removal. */
export function AdminEnvironmentsPage() {
  const initialState = new URLSearchParams(window.location.search).get(
    'state'
  ) as EnvironmentState | null
  const [state, setState] = useState<EnvironmentState | ''>(
    initialState && STATES.includes(initialState) ? initialState : ''
  )
  const [sort, setSort] = useState<Sort>('-createdAt')
  const [page, setPage] = useState(1)
  const [pending, setPending] = useState<{
    action: 'stop' | 'remove'
    environment: AdminEnvironment
  } | null>(null)
  const list = useResource(
    () =>
      unwrap(
        api.GET('/api/v1/admin/environments', {
          params: { query: { state: state || undefined, sort, page, perPage: 25 } },
        })
      ),
    [state, sort, page]
  )
  return (
    <Page
      title="All environments"
      actions={
        <button type="button" onClick={() => void list.reload()}>
          Refresh
        </button>
      }
    >
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          State
          <select
            value={state}
            onChange={(event) => {
              setPage(1)
              setState(event.currentTarget.value as EnvironmentState | '')
            }}
          >
            <option value="">Any but removed</option>
            {STATES.map((entry) => (
              <option key={entry} value={entry}>
                {entry}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(event) => setSort(event.currentTarget.value as Sort)}>
            <option value="-createdAt">Newest first</option>
            <option value="createdAt">Oldest first</option>
            <option value="-memoryBytes">Most memory</option>
            <option value="-cpuMillicores">Most CPU</option>
          </select>
        </label>
      </form>
      <ErrorMessage error={list.error} />
      {list.data ? (
        <table class="list">
          <caption class="visually-hidden">All environments</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Owner</th>
              <th scope="col">Image</th>
              <th scope="col">State</th>
              <th scope="col">Resources</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((environment) => (
              <tr key={environment.id}>
                <th scope="row">{environment.name}</th>
                <td>
                  <Link href={`/admin/users/${environment.userId}`}>
                    {environment.username ?? environment.userId}
                  </Link>
                </td>
                <td>{environment.imageName ?? '—'}</td>
                <td>
                  <StateBadge state={environment.state} />
                </td>
                <td>
                  {formatCores(environment.resources.cpuMillicores)},{' '}
                  {formatBytes(environment.resources.memoryBytes)}
                </td>
                <td>{formatDate(environment.createdAt)}</td>
                <td class="actions">
                  {environment.state === 'running' ? (
                    <button
                      type="button"
                      class="danger"
                      onClick={() => setPending({ action: 'stop', environment })}
                    >
                      Force stop
                    </button>
                  ) : null}
                  {['running', 'stopped', 'failed'].includes(environment.state) ? (
                    <button
                      type="button"
                      class="danger"
                      onClick={() => setPending({ action: 'remove', environment })}
                    >
                      Remove
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager meta={list.data?.meta} onPage={setPage} />
      {pending ? (
        <ConfirmDialog
          title={`${pending.action === 'stop' ? 'Force stop' : 'Remove'} ${pending.environment.name} of ${pending.environment.username ?? 'its owner'}?`}
          confirmLabel={pending.action === 'stop' ? 'Force stop' : 'Remove'}
          onClose={() => setPending(null)}
          onConfirm={async () => {
            const path = { params: { path: { id: pending.environment.id } } }
            await unwrap(
              pending.action === 'stop'
                ? api.POST('/api/v1/admin/environments/{id}/stop', path)
                : api.DELETE('/api/v1/admin/environments/{id}', path)
            )
            await list.reload()
          }}
        >
          <p>
            The owner loses whatever is not saved. The action is recorded in the audit trail with
            your name.
          </p>
        </ConfirmDialog>
      ) : null}
    </Page>
  )
}
