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
import { ListTable } from '../../components/list_table'
import { FilterSelect } from '../../components/filter_select'

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
        <FilterSelect
          label="State"
          value={state}
          options={[['', 'Any but removed'], ...STATES.map((entry) => [entry, entry] as const)]}
          onChange={(value) => {
            setPage(1)
            setState(value)
          }}
        />
        <FilterSelect
          label="Sort by"
          value={sort}
          options={[
            ['-createdAt', 'Newest first'],
            ['createdAt', 'Oldest first'],
            ['-memoryBytes', 'Most memory'],
            ['-cpuMillicores', 'Most CPU'],
          ]}
          onChange={setSort}
        />
      </form>
      <ErrorMessage error={list.error} />
      {list.data ? (
        <ListTable
          caption="All environments"
          columns={['Name', 'Owner', 'Image', 'State', 'Resources', 'Created', '']}
        >
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
        </ListTable>
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
