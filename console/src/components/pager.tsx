import type { KeysetListMeta, ListMeta } from '../api/types'

/** A list asked by page number tells where it is (asked by cursor, it does not). */
function isPaged(meta: ListMeta | KeysetListMeta): meta is ListMeta {
  return meta.currentPage !== undefined && meta.lastPage !== undefined && meta.total !== undefined
}

/** Previous/next paging of an API list, with where we are. */
export function Pager({
  meta: given,
  onPage,
}: {
  meta: ListMeta | KeysetListMeta | undefined
  onPage: (page: number) => void
}) {
  const meta = given && isPaged(given) ? given : undefined
  if (!meta || meta.lastPage <= 1) {
    return meta ? <p class="muted">{meta.total} in total</p> : null
  }
  return (
    <nav class="pager" aria-label="Pages">
      <button
        type="button"
        disabled={meta.currentPage <= 1}
        onClick={() => onPage(meta.currentPage - 1)}
      >
        Previous page
      </button>
      <span aria-live="polite">
        Page {meta.currentPage} of {meta.lastPage} ({meta.total} in total)
      </span>
      <button
        type="button"
        disabled={meta.currentPage >= meta.lastPage}
        onClick={() => onPage(meta.currentPage + 1)}
      >
        Next page
      </button>
    </nav>
  )
}
