import type { ComponentChildren, JSX } from 'preact'
import { useState } from 'preact/hooks'
import type { ListMeta } from '../api/types'
import { ConfirmDialog } from './confirm_dialog'
import { ErrorMessage } from './error_message'
import { ListTable } from './list_table'
import { Page } from './page'
import { Pager } from './pager'
import { useResource } from './use_resource'

/** What every catalogue entry (an image, a link) has. */
type CatalogueEntry = { id: number; name: string }

/** The dialog that adds (no entry) or edits an entry. */
export type EntryEditor<Entry> = (props: {
  entry?: Entry
  onClose: () => void
  onSaved: () => void
}) => JSX.Element

/**
 * An admin catalogue page (images, links): its entries one page at a time,
 * each row named by the entry and ending in Edit and Delete; "Add …" opens
 * the editor empty, and deleting asks first.
 */
export function CatalogueAdminPage<Entry extends CatalogueEntry>(props: {
  title: string
  /** What one entry is called: "image" gives "Add image…". */
  noun: string
  intro?: ComponentChildren
  caption: string
  /** The columns between the name and the actions. */
  columns: string[]
  /** An entry's cells between its name and its actions. */
  cells: (entry: Entry) => ComponentChildren
  load: (page: number) => Promise<{ data: Entry[]; meta: ListMeta }>
  remove: (entry: Entry) => Promise<unknown>
  /** What deleting means, said in the confirmation. */
  deleteNote: ComponentChildren
  Editor: EntryEditor<Entry>
}) {
  const { Editor } = props
  const [page, setPage] = useState(1)
  const [editing, setEditing] = useState<Entry | 'new' | null>(null)
  const [deleting, setDeleting] = useState<Entry | null>(null)
  const list = useResource(() => props.load(page), [page])
  return (
    <Page
      title={props.title}
      actions={
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          Add {props.noun}…
        </button>
      }
    >
      {props.intro}
      <ErrorMessage error={list.error} />
      {list.data ? (
        <ListTable caption={props.caption} columns={['Name', ...props.columns, '']}>
          {list.data.data.map((entry) => (
            <tr key={entry.id}>
              <th scope="row">{entry.name}</th>
              {props.cells(entry)}
              <td class="actions">
                <button
                  type="button"
                  onClick={() => setEditing(entry)}
                  aria-label={`Edit ${entry.name}`}
                >
                  Edit
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={() => setDeleting(entry)}
                  aria-label={`Delete ${entry.name}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </ListTable>
      ) : null}
      <Pager meta={list.data?.meta} onPage={setPage} />
      {editing ? (
        <Editor
          entry={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null)
            void list.reload()
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await props.remove(deleting)
            await list.reload()
          }}
        >
          {props.deleteNote}
        </ConfirmDialog>
      ) : null}
    </Page>
  )
}
