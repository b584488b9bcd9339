import { useState } from 'preact/hooks'
import { api, unwrap, ApiError } from '../../api/client'
import type { AdminLink, Role } from '../../api/types'
import { ConfirmDialog } from '../../components/confirm_dialog'
import { Dialog } from '../../components/dialog'
import { ErrorMessage } from '../../components/error_message'
import { ListTable } from '../../components/list_table'
import { Page } from '../../components/page'
import { Pager } from '../../components/pager'
import { useResource } from '../../components/use_resource'

type Form = {
  name: string
  description: string
  url: string
  proposalTemplate: boolean
  requiresExperiment: boolean
  enabled: boolean
  scientists: boolean
  admins: boolean
}

function formOf(link?: AdminLink): Form {
  return {
    name: link?.name ?? '',
    description: link?.description ?? '',
    url: link?.url ?? '',
    proposalTemplate: link?.proposalTemplate ?? false,
    requiresExperiment: link?.requiresExperiment ?? false,
    enabled: link?.enabled ?? true,
    scientists: link ? link.allowedRoles.includes('scientist') : true,
    admins: link ? link.allowedRoles.includes('admin') : false,
  }
}

function bodyOf(form: Form) {
  const allowedRoles: Role[] = [
    ...(form.scientists ? ['scientist' as const] : []),
    ...(form.admins ? ['admin' as const] : []),
  ]
  return {
    name: form.name.trim(),
    description: form.description.trim() || null,
    url: form.url.trim(),
    proposalTemplate: form.proposalTemplate,
    // A templated link is always opened for an experiment (the API insists).
    requiresExperiment: form.proposalTemplate || form.requiresExperiment,
    enabled: form.enabled,
    allowedRoles,
  }
}

function LinkDialog(props: { link?: AdminLink; onClose: () => void; onSaved: () => void }) {
  const { link } = props
  const [form, setForm] = useState<Form>(formOf(link))
  const [error, setError] = useState<unknown>(null)
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch })
  const fieldError = (name: string) =>
    error instanceof ApiError ? error.forField(name) : undefined

  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    try {
      const body = bodyOf(form)
      if (link) {
        await unwrap(
          api.PATCH('/api/v1/admin/links/{id}', { params: { path: { id: link.id } }, body })
        )
      } else {
        await unwrap(api.POST('/api/v1/admin/links', { body }))
      }
      props.onSaved()
    } catch (caught) {
      setError(caught)
    }
  }

  const text = (name: 'name' | 'description' | 'url', label: string, extra = {}) => (
    <label class={name === 'url' ? 'span' : undefined}>
      {label}
      <input
        name={name}
        value={form[name]}
        aria-invalid={fieldError(name) ? true : undefined}
        onInput={(event) => set({ [name]: event.currentTarget.value })}
        {...extra}
      />
      {fieldError(name) ? <span class="field-error">{fieldError(name)}</span> : null}
    </label>
  )
  const check = (
    name: 'proposalTemplate' | 'requiresExperiment' | 'enabled' | 'scientists' | 'admins',
    label: string,
    disabled = false
  ) => (
    <label class="inline">
      <input
        type="checkbox"
        name={name}
        // A templated link is always for an experiment: shown ticked, not changeable.
        checked={form[name] || disabled}
        disabled={disabled}
        onChange={(event) => set({ [name]: event.currentTarget.checked })}
      />
      {label}
    </label>
  )

  return (
    <Dialog title={link ? `Edit ${link.name}` : 'Add a link'} onClose={props.onClose} wide>
      <form class="grid-form" onSubmit={submit}>
        {text('name', 'Name', { required: true })}
        {text('description', 'Description')}
        {text('url', 'URL', {
          required: true,
          placeholder: 'https://logbook.example.org/proposals/{proposal}/entries',
        })}
        <p class="hint span">
          An absolute https:// (or http://) address. With “Carries the proposal”, write{' '}
          <code>{'{proposal}'}</code> in its path or query: it is replaced by the proposal id of the
          experiment the person opens it for, percent-encoded. The host never changes.
        </p>
        <fieldset class="span">
          <legend>Who may open it</legend>
          {check('scientists', 'Scientists')}
          {check('admins', 'Admins')}
          {check('proposalTemplate', 'Carries the proposal ({proposal} in the URL)')}
          {check('requiresExperiment', 'Only for an experiment', form.proposalTemplate)}
          {check('enabled', 'Enabled')}
        </fieldset>
        <div class="span">
          <ErrorMessage error={error} />
        </div>
        <div class="buttons span">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            {link ? 'Save link' : 'Add link'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

/** The link catalogue: add, edit, disable, delete. */
export function AdminLinksPage() {
  const [page, setPage] = useState(1)
  const [editing, setEditing] = useState<AdminLink | 'new' | null>(null)
  const [deleting, setDeleting] = useState<AdminLink | null>(null)
  const list = useResource(
    () => unwrap(api.GET('/api/v1/admin/links', { params: { query: { page, perPage: 25 } } })),
    [page]
  )
  return (
    <Page
      title="Links"
      actions={
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          Add link…
        </button>
      }
    >
      <p>Web services listed beside the images: opened in a new tab, audited, no quota.</p>
      <ErrorMessage error={list.error} />
      {list.data ? (
        <ListTable caption="Link catalogue" columns={['Name', 'URL', 'Who', 'Status', '']}>
          {list.data.data.map((link) => (
            <tr key={link.id}>
              <th scope="row">{link.name}</th>
              <td>
                <code>{link.url}</code>
              </td>
              <td>
                {link.allowedRoles.join(', ')}
                {link.requiresExperiment ? ', for an experiment' : ''}
              </td>
              <td>{link.enabled ? 'Enabled' : 'Disabled'}</td>
              <td class="actions">
                <button
                  type="button"
                  onClick={() => setEditing(link)}
                  aria-label={`Edit ${link.name}`}
                >
                  Edit
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={() => setDeleting(link)}
                  aria-label={`Delete ${link.name}`}
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
        <LinkDialog
          link={editing === 'new' ? undefined : editing}
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
            await unwrap(
              api.DELETE('/api/v1/admin/links/{id}', { params: { path: { id: deleting.id } } })
            )
            await list.reload()
          }}
        >
          <p>People will no longer see it. The audit trail keeps who opened it.</p>
        </ConfirmDialog>
      ) : null}
    </Page>
  )
}
