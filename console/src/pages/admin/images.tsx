import { useState } from 'preact/hooks'
import { api, unwrap, ApiError } from '../../api/client'
import type { AdminImage, Role } from '../../api/types'
import { ConfirmDialog } from '../../components/confirm_dialog'
import { Dialog } from '../../components/dialog'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { Pager } from '../../components/pager'
import { useResource } from '../../components/use_resource'
import { formatBytes, formatCores } from '../../format'
import { ListTable } from '../../components/list_table'

type Protocol = AdminImage['protocol']
type PullPolicy = AdminImage['pullPolicy']
type Driver = AdminImage['driver']

type Form = {
  name: string
  description: string
  reference: string
  driver: Driver
  protocol: Protocol
  port: string
  cpu: string
  memory: string
  storage: string
  gpus: string
  environment: string
  command: string
  requiresExperiment: boolean
  readOnlyRootFilesystem: boolean
  pullPolicy: PullPolicy
  enabled: boolean
  admins: boolean
  scientists: boolean
  lifetimeHours: string
  idleLimitMinutes: string
}

function formOf(image?: AdminImage): Form {
  return {
    name: image?.name ?? '',
    description: image?.description ?? '',
    reference: image?.reference ?? '',
    driver: image?.driver ?? 'docker',
    protocol: image?.protocol ?? 'http',
    port: String(image?.port ?? 8080),
    cpu: String((image?.resources.cpuMillicores ?? 1000) / 1000),
    memory: image ? String(image.resources.memoryBytes) : '2Gi',
    storage: image ? String(image.resources.storageBytes) : '0',
    gpus: String(image?.resources.gpus ?? 0),
    environment: Object.entries(image?.environment ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
    command: image?.command ? JSON.stringify(image.command) : '',
    requiresExperiment: image?.requiresExperiment ?? true,
    readOnlyRootFilesystem: image?.readOnlyRootFilesystem ?? false,
    pullPolicy: image?.pullPolicy ?? 'if-not-present',
    enabled: image?.enabled ?? true,
    scientists: image ? image.allowedRoles.includes('scientist') : true,
    admins: image ? image.allowedRoles.includes('admin') : false,
    lifetimeHours:
      image?.lifetimeHours === null || image === undefined ? '' : String(image.lifetimeHours),
    idleLimitMinutes:
      image?.idleLimitMinutes === null || image === undefined ? '' : String(image.idleLimitMinutes),
  }
}

/** The request body of a form, or a message about the field that cannot be read. */
function bodyOf(form: Form) {
  let command: string[] | null = null
  if (form.command.trim()) {
    const parsed: unknown = JSON.parse(form.command)
    if (!Array.isArray(parsed)) {
      throw new Error('Command: a JSON array of strings, e.g. ["/bin/sh", "-c", "exec app"]')
    }
    command = parsed as string[]
  }
  const environment: Record<string, string> = {}
  for (const line of form.environment
    .split('\n')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const equals = line.indexOf('=')
    if (equals < 1) {
      throw new Error(`Environment: "${line}" is not NAME=value`)
    }
    environment[line.slice(0, equals)] = line.slice(equals + 1)
  }
  const allowedRoles: Role[] = [
    ...(form.scientists ? ['scientist' as const] : []),
    ...(form.admins ? ['admin' as const] : []),
  ]
  return {
    name: form.name.trim(),
    description: form.description.trim() || null,
    reference: form.reference.trim(),
    driver: form.driver,
    protocol: form.protocol,
    port: Number(form.port),
    cpu: form.cpu.trim(),
    memory: form.memory.trim(),
    storage: form.storage.trim() || '0',
    gpus: Number(form.gpus),
    environment,
    command,
    requiresExperiment: form.requiresExperiment,
    readOnlyRootFilesystem: form.readOnlyRootFilesystem,
    pullPolicy: form.pullPolicy,
    enabled: form.enabled,
    allowedRoles,
    lifetimeHours: form.lifetimeHours.trim() ? Number(form.lifetimeHours) : null,
    idleLimitMinutes: form.idleLimitMinutes.trim() ? Number(form.idleLimitMinutes) : null,
  }
}

function ImageDialog({
  image,
  onClose,
  onSaved,
}: {
  image?: AdminImage
  onClose: () => void
  onSaved: () => void
}) {
  const [form, setForm] = useState<Form>(formOf(image))
  const [error, setError] = useState<unknown>(null)
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch })
  const fieldError = (name: string) =>
    error instanceof ApiError ? error.forField(name) : undefined

  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    try {
      const body = bodyOf(form)
      if (image) {
        await unwrap(
          api.PATCH('/api/v1/admin/images/{id}', { params: { path: { id: image.id } }, body })
        )
      } else {
        await unwrap(api.POST('/api/v1/admin/images', { body }))
      }
      onSaved()
    } catch (caught) {
      setError(caught)
    }
  }

  const text = (name: keyof Form, label: string, extra: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input
        name={name}
        value={form[name] as string}
        aria-invalid={fieldError(name) ? true : undefined}
        onInput={(event) => set({ [name]: event.currentTarget.value } as Partial<Form>)}
        {...extra}
      />
      {fieldError(name) ? <span class="field-error">{fieldError(name)}</span> : null}
    </label>
  )

  return (
    <Dialog title={image ? `Edit ${image.name}` : 'Add an image'} onClose={onClose} wide>
      <form class="grid-form" onSubmit={submit}>
        {text('name', 'Name', { required: true })}
        {text('reference', 'Image reference', {
          required: true,
          placeholder: 'registry.example.org/analysis/jupyter:2024.1',
        })}
        {text('description', 'Description')}
        <label>
          Driver
          <select
            value={form.driver}
            onChange={(event) => set({ driver: event.currentTarget.value as Driver })}
          >
            <option value="docker">Docker</option>
            <option value="kubernetes">Kubernetes</option>
          </select>
        </label>
        <label>
          Protocol
          <select
            value={form.protocol}
            onChange={(event) => set({ protocol: event.currentTarget.value as Protocol })}
          >
            <option value="http">Web (HTTP)</option>
            <option value="vnc">VNC</option>
            <option value="rdp">RDP</option>
            <option value="ssh">SSH</option>
          </select>
        </label>
        <label>
          Pull from the registry
          <select
            value={form.pullPolicy}
            onChange={(event) => set({ pullPolicy: event.currentTarget.value as PullPolicy })}
          >
            <option value="if-not-present">When the engine lacks it</option>
            <option value="always">At every launch</option>
          </select>
        </label>
        {text('port', 'Port', { type: 'number', min: 1, max: 65535, required: true })}
        {text('cpu', 'CPU (cores)', { required: true })}
        {text('memory', 'Memory (e.g. 4Gi)', { required: true })}
        {text('storage', 'Storage (e.g. 20Gi)')}
        {text('gpus', 'GPUs', { type: 'number', min: 0 })}
        {text('lifetimeHours', 'Lifetime in hours (empty: the site default)', {
          type: 'number',
          min: 1,
        })}
        {text('idleLimitMinutes', 'Stop after minutes without use (empty: never)', {
          type: 'number',
          min: 5,
        })}
        <label class="span">
          Environment variables (NAME=value, one a line)
          <textarea
            rows={3}
            value={form.environment}
            onInput={(event) => set({ environment: event.currentTarget.value })}
          />
        </label>
        {text('command', 'Command (JSON array; empty: the image’s own)')}
        <fieldset class="span">
          <legend>Who may launch it</legend>
          <label class="inline">
            <input
              type="checkbox"
              checked={form.scientists}
              onChange={(event) => set({ scientists: event.currentTarget.checked })}
            />
            Scientists
          </label>
          <label class="inline">
            <input
              type="checkbox"
              checked={form.admins}
              onChange={(event) => set({ admins: event.currentTarget.checked })}
            />
            Admins
          </label>
          <label class="inline">
            <input
              type="checkbox"
              checked={form.requiresExperiment}
              onChange={(event) => set({ requiresExperiment: event.currentTarget.checked })}
            />
            Only for an experiment
          </label>
          <label class="inline">
            <input
              type="checkbox"
              checked={form.readOnlyRootFilesystem}
              onChange={(event) => set({ readOnlyRootFilesystem: event.currentTarget.checked })}
            />
            Read-only root file system (writes only to /tmp and its mounts)
          </label>
          <label class="inline">
            <input
              type="checkbox"
              checked={form.enabled}
              onChange={(event) => set({ enabled: event.currentTarget.checked })}
            />
            Enabled
          </label>
        </fieldset>
        <div class="span">
          <ErrorMessage error={error} />
        </div>
        <div class="buttons span">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            {image ? 'Save image' : 'Add image'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

/** The image catalogue: add, edit, disable, delete. */
export function ImagesPage() {
  const [page, setPage] = useState(1)
  const [editing, setEditing] = useState<AdminImage | 'new' | null>(null)
  const [deleting, setDeleting] = useState<AdminImage | null>(null)
  const list = useResource(
    () => unwrap(api.GET('/api/v1/admin/images', { params: { query: { page, perPage: 25 } } })),
    [page]
  )
  return (
    <Page
      title="Images"
      actions={
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          Add image…
        </button>
      }
    >
      <ErrorMessage error={list.error} />
      {list.data ? (
        <ListTable
          caption="Image catalogue"
          columns={['Name', 'Reference', 'Access', 'Resources', 'Status', '']}
        >
          {list.data.data.map((image) => (
            <tr key={image.id}>
              <th scope="row">{image.name}</th>
              <td>
                <code>{image.reference}</code> ({image.driver})
              </td>
              <td>
                {image.protocol.toUpperCase()} on {image.port}
              </td>
              <td>
                {formatCores(image.resources.cpuMillicores)},{' '}
                {formatBytes(image.resources.memoryBytes)}
              </td>
              <td>{image.enabled ? 'Enabled' : 'Disabled'}</td>
              <td class="actions">
                <button
                  type="button"
                  onClick={() => setEditing(image)}
                  aria-label={`Edit ${image.name}`}
                >
                  Edit
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={() => setDeleting(image)}
                  aria-label={`Delete ${image.name}`}
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
        <ImageDialog
          image={editing === 'new' ? undefined : editing}
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
              api.DELETE('/api/v1/admin/images/{id}', { params: { path: { id: deleting.id } } })
            )
            await list.reload()
          }}
        >
          <p>An image that environments still use cannot be deleted: disable it instead.</p>
        </ConfirmDialog>
      ) : null}
    </Page>
  )
}
