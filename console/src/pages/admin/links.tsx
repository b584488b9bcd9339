import { api, unwrap } from '../../api/client'
import type { AdminLink } from '../../api/types'
import { CatalogueAdminPage } from '../../components/catalogue_admin_page'
import {
  catalogueBodyOf,
  catalogueFormOf,
  type CatalogueFormFields,
} from '../../components/catalogue_fields'
import { EntryDialog, useEntryForm } from '../../components/entry_dialog'

type Form = CatalogueFormFields & {
  url: string
  proposalTemplate: boolean
  requiresExperiment: boolean
}

function formOf(link?: AdminLink): Form {
  return {
    ...catalogueFormOf(link),
    url: link?.url ?? '',
    proposalTemplate: link?.proposalTemplate ?? false,
    requiresExperiment: link?.requiresExperiment ?? false,
  }
}

function bodyOf(form: Form) {
  return {
    ...catalogueBodyOf(form),
    url: form.url.trim(),
    proposalTemplate: form.proposalTemplate,
    // A templated link is always opened for an experiment (the API insists).
    requiresExperiment: form.proposalTemplate || form.requiresExperiment,
  }
}

function LinkDialog(props: { entry?: AdminLink; onClose: () => void; onSaved: () => void }) {
  const { entry: link } = props
  const { form, error, submit, text, check } = useEntryForm(
    formOf(link),
    (values) => {
      const body = bodyOf(values)
      return link
        ? unwrap(api.PATCH('/api/v1/admin/links/{id}', { params: { path: { id: link.id } }, body }))
        : unwrap(api.POST('/api/v1/admin/links', { body }))
    },
    props.onSaved
  )

  return (
    <EntryDialog
      title={link ? `Edit ${link.name}` : 'Add a link'}
      submitLabel={link ? 'Save link' : 'Add link'}
      error={error}
      onSubmit={submit}
      onClose={props.onClose}
    >
      {text('name', 'Name', { required: true })}
      {text('description', 'Description')}
      {text('url', 'URL', {
        span: true,
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
        {
          // A templated link is always for an experiment: shown ticked, not changeable.
          check('requiresExperiment', 'Only for an experiment', { forced: form.proposalTemplate })
        }
        {check('enabled', 'Enabled')}
      </fieldset>
    </EntryDialog>
  )
}

/** The link catalogue: add, edit, disable, delete. */
export function AdminLinksPage() {
  return (
    <CatalogueAdminPage<AdminLink>
      title="Links"
      noun="link"
      intro={<p>Web services listed beside the images: opened in a new tab, audited, no quota.</p>}
      caption="Link catalogue"
      columns={['URL', 'Who', 'Status']}
      cells={(link) => (
        <>
          <td>
            <code>{link.url}</code>
          </td>
          <td>
            {link.allowedRoles.join(', ')}
            {link.requiresExperiment ? ', for an experiment' : ''}
          </td>
          <td>{link.enabled ? 'Enabled' : 'Disabled'}</td>
        </>
      )}
      load={(page) =>
        unwrap(api.GET('/api/v1/admin/links', { params: { query: { page, perPage: 25 } } }))
      }
      remove={(link) =>
        unwrap(api.DELETE('/api/v1/admin/links/{id}', { params: { path: { id: link.id } } }))
      }
      deleteNote={<p>People will no longer see it. The audit trail keeps who opened it.</p>}
      Editor={LinkDialog}
    />
  )
}
