import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import type { Experiment } from '../api/types'
import { ErrorMessage } from '../components/error_message'
import { Page } from '../components/page'
import { Pager } from '../components/pager'
import { useResource } from '../components/use_resource'
import { formatDate, formatDay } from '../format'
import { Link } from '../router'
import { ListTable } from '../components/list_table'
import { FilterSelect } from '../components/filter_select'
import { SearchFilters } from '../components/search_filters'

type Sort =
  | 'proposalId'
  | 'title'
  | 'instrument'
  | 'startDate'
  | '-proposalId'
  | '-title'
  | '-instrument'
  | '-startDate'

const SORTS: { value: Sort; label: string }[] = [
  { value: '-startDate', label: 'Newest first' },
  { value: 'startDate', label: 'Oldest first' },
  { value: 'proposalId', label: 'Proposal' },
  { value: 'title', label: 'Title' },
  { value: 'instrument', label: 'Instrument' },
]

/** FavouriteButton toggles the star of one experiment (a pressed button for assistive technology). */
function FavouriteButton(props: {
  experiment: Experiment
  onChange: (experiment: Experiment) => void
  onError: (error: unknown) => void
}) {
  const { experiment } = props
  const [busy, setBusy] = useState(false)
  const toggle = async () => {
    setBusy(true)
    try {
      const answer = await unwrap(
        api.PUT('/api/v1/experiments/{id}/favorite', {
          params: { path: { id: experiment.id } },
          body: { favorite: !experiment.favorite },
        })
      )
      props.onChange(answer.data)
    } catch (caught) {
      props.onError(caught)
    } finally {
      setBusy(false)
    }
  }
  return (
    <button
      type="button"
      class="icon star"
      aria-pressed={experiment.favorite}
      aria-label={`Favourite ${experiment.proposalId}`}
      disabled={busy}
      onClick={() => void toggle()}
    >
      {experiment.favorite ? '★' : '☆'}
    </button>
  )
}

/** The signed-in scientist's experiments: search, sort, favourites, pages, and a refresh from the User Office. */
export function ExperimentsPage() {
  const [query, setQuery] = useState('')
  const [sort, setSort] = useState<Sort>('-startDate')
  const [favouritesOnly, setFavouritesOnly] = useState(false)
  const [page, setPage] = useState(1)
  const [actionError, setActionError] = useState<unknown>(null)
  const [syncing, setSyncing] = useState(false)

  const list = useResource(
    () =>
      unwrap(
        api.GET('/api/v1/experiments', {
          params: {
            query: {
              search: query || undefined,
              sort,
              favorite: favouritesOnly ? 'true' : undefined,
              page,
              perPage: 20,
            },
          },
        })
      ),
    [query, sort, favouritesOnly, page]
  )

  const sync = async () => {
    setSyncing(true)
    setActionError(null)
    try {
      await unwrap(api.POST('/api/v1/experiments/sync'))
      await list.reload()
    } catch (caught) {
      setActionError(caught)
    } finally {
      setSyncing(false)
    }
  }

  const meta = list.data?.meta
  return (
    <Page
      title="Experiments"
      actions={
        <button type="button" onClick={() => void sync()} disabled={syncing}>
          {syncing ? 'Refreshing…' : 'Refresh from the User Office'}
        </button>
      }
    >
      <SearchFilters
        label="Search proposals"
        name="search"
        placeholder="Proposal, title, abstract or instrument"
        onSearch={(text) => {
          setPage(1)
          setQuery(text)
        }}
      >
        <FilterSelect
          label="Sort by"
          value={sort}
          options={SORTS.map((option) => [option.value, option.label] as const)}
          onChange={(value) => {
            setPage(1)
            setSort(value)
          }}
        />
        <label class="inline">
          <input
            type="checkbox"
            checked={favouritesOnly}
            onChange={(event) => {
              setPage(1)
              setFavouritesOnly(event.currentTarget.checked)
            }}
          />
          Favourites only
        </label>
      </SearchFilters>
      <ErrorMessage error={list.error ?? actionError} />
      {meta?.stale ? (
        <p class="notice" role="status">
          The User Office could not be reached: showing the experiments stored at{' '}
          {formatDate(meta.lastSyncedAt)}.
        </p>
      ) : null}
      {list.data && list.data.data.length === 0 ? (
        <p>{query || favouritesOnly ? 'No experiment matches.' : 'You have no experiments yet.'}</p>
      ) : null}
      {list.data && list.data.data.length > 0 ? (
        <ListTable
          caption="Your experiments"
          columns={[
            <span class="visually-hidden">Favourite</span>,
            'Proposal',
            'Title',
            'Instrument',
            'Starts',
          ]}
          busy={list.loading}
        >
          {list.data.data.map((experiment) => (
            <tr key={experiment.id}>
              <td>
                <FavouriteButton
                  experiment={experiment}
                  onChange={() => void list.reload()}
                  onError={setActionError}
                />
              </td>
              <td>
                <Link href={`/experiments/${experiment.id}`}>{experiment.proposalId}</Link>
              </td>
              <td>{experiment.title}</td>
              <td>{experiment.instrument ?? '—'}</td>
              <td>{formatDay(experiment.startsAt)}</td>
            </tr>
          ))}
        </ListTable>
      ) : null}
      <Pager meta={meta} onPage={setPage} />
    </Page>
  )
}
