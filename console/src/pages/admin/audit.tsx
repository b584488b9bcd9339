import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { Pager } from '../../components/pager'
import { useResource } from '../../components/use_resource'
import { formatDate } from '../../format'

type Filters = {
  actorId: string
  action: string
  objectType: string
  objectId: string
  outcome: string
  from: string
  to: string
}

const EMPTY: Filters = {
  actorId: '',
  action: '',
  objectType: '',
  objectId: '',
  outcome: '',
  from: '',
  to: '',
}

/** The filters as the API takes them (dates in ISO 8601, empty ones left out). */
function queryOf(filters: Filters) {
  const query: Record<string, string> = {}
  for (const [key, value] of Object.entries(filters)) {
    if (value.trim()) {
      query[key] = key === 'from' || key === 'to' ? new Date(value).toISOString() : value.trim()
    }
  }
  return query
}

/** Who did what, when, from where: filtered, paged, and as CSV. */
export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY)
  const [filters, setFilters] = useState<Filters>(EMPTY)
  const [page, setPage] = useState(1)
  const query = queryOf(filters)
  const list = useResource(
    () =>
      unwrap(
        api.GET('/api/v1/admin/audit', {
          params: {
            query: {
              ...query,
              actorId: query.actorId ? Number(query.actorId) : undefined,
              outcome: query.outcome as 'success' | undefined,
              page,
              perPage: 50,
            },
          },
        })
      ),
    [JSON.stringify(filters), page]
  )
  const field = (
    name: keyof Filters,
    label: string,
    type: 'text' | 'number' | 'datetime-local' = 'text'
  ) => (
    <label>
      {label}
      <input
        type={type as 'text'}
        value={draft[name]}
        onInput={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })}
      />
    </label>
  )
  return (
    <Page
      title="Audit trail"
      actions={
        <a
          class="button"
          href={`/api/v1/admin/audit.csv?${new URLSearchParams(query).toString()}`}
          download="audit.csv"
        >
          Download CSV
        </a>
      }
    >
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault()
          setPage(1)
          setFilters(draft)
        }}
      >
        {field('action', 'Action')}
        {field('actorId', 'Actor id', 'number')}
        {field('objectType', 'Object type')}
        {field('objectId', 'Object id')}
        <label>
          Outcome
          <select
            value={draft.outcome}
            onChange={(event) => setDraft({ ...draft, outcome: event.currentTarget.value })}
          >
            <option value="">Any</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
            <option value="denied">Denied</option>
          </select>
        </label>
        {field('from', 'From', 'datetime-local')}
        {field('to', 'Until', 'datetime-local')}
        <button type="submit">Filter</button>
      </form>
      <ErrorMessage error={list.error} />
      {list.data ? (
        <table class="list audit">
          <caption class="visually-hidden">Audit events</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Object</th>
              <th scope="col">Outcome</th>
              <th scope="col">From</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((event) => (
              <tr key={event.id}>
                <td>{formatDate(event.occurredAt)}</td>
                <td>{event.actorName ?? (event.actorId === null ? 'operator' : event.actorId)}</td>
                <th scope="row">{event.action}</th>
                <td>{event.objectType ? `${event.objectType} ${event.objectId ?? ''}` : '—'}</td>
                <td>{event.outcome}</td>
                <td>{event.clientIp ?? '—'}</td>
                <td>
                  <code class="details">{event.details ? JSON.stringify(event.details) : ''}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager meta={list.data?.meta} onPage={setPage} />
    </Page>
  )
}
