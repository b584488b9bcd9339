import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { Pager } from '../../components/pager'
import { useResource } from '../../components/use_resource'
import { formatDate } from '../../format'
import { ListTable } from '../../components/list_table'
import { FilterSelect } from '../../components/filter_select'
import { CsvDownload } from '../../components/csv_download'

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
      actions={<CsvDownload path="/api/v1/admin/audit.csv" query={query} file="audit.csv" />}
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
        <FilterSelect
          label="Outcome"
          value={draft.outcome}
          options={[
            ['', 'Any'],
            ['success', 'Success'],
            ['failure', 'Failure'],
            ['denied', 'Denied'],
          ]}
          onChange={(outcome) => setDraft({ ...draft, outcome })}
        />
        {field('from', 'From', 'datetime-local')}
        {field('to', 'Until', 'datetime-local')}
        <button type="submit">Filter</button>
      </form>
      <ErrorMessage error={list.error} />
      {list.data ? (
        <ListTable
          caption="Audit events"
          columns={['When', 'Who', 'Action', 'Object', 'Outcome', 'From', 'Details']}
          class="audit"
        >
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
        </ListTable>
      ) : null}
      <Pager meta={list.data?.meta} onPage={setPage} />
    </Page>
  )
}
