import { api, unwrap } from '../../api/client'
import type { AdminImage } from '../../api/types'
import { CatalogueAdminPage } from '../../components/catalogue_admin_page'
import {
  catalogueBodyOf,
  catalogueFormOf,
  type CatalogueFormFields,
} from '../../components/catalogue_fields'
import { EntryDialog, useEntryForm } from '../../components/entry_dialog'
import { formatBytes, formatCores } from '../../format'

type Protocol = AdminImage['protocol']
type PullPolicy = AdminImage['pullPolicy']
type Driver = AdminImage['driver']

type Form = CatalogueFormFields & {
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
  lifetimeHours: string
  idleLimitMinutes: string
}

function formOf(image?: AdminImage): Form {
  return {
    ...catalogueFormOf(image),
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
  return {
    ...catalogueBodyOf(form),
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
    lifetimeHours: form.lifetimeHours.trim() ? Number(form.lifetimeHours) : null,
    idleLimitMinutes: form.idleLimitMinutes.trim() ? Number(form.idleLimitMinutes) : null,
  }
}

function ImageDialog({
  entry: image,
  onClose,
  onSaved,
}: {
  entry?: AdminImage
  onClose: () => void
  onSaved: () => void
}) {
  const { form, set, error, submit, text, check } = useEntryForm(
    formOf(image),
    (values) => {
      const body = bodyOf(values)
      return image
        ? unwrap(
            api.PATCH('/api/v1/admin/images/{id}', { params: { path: { id: image.id } }, body })
          )
        : unwrap(api.POST('/api/v1/admin/images', { body }))
    },
    onSaved
  )

  return (
    <EntryDialog
      title={image ? `Edit ${image.name}` : 'Add an image'}
      submitLabel={image ? 'Save image' : 'Add image'}
      error={error}
      onSubmit={submit}
      onClose={onClose}
    >
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
        {check('scientists', 'Scientists')}
        {check('admins', 'Admins')}
        {check('requiresExperiment', 'Only for an experiment')}
        {check(
          'readOnlyRootFilesystem',
          'Read-only root file system (writes only to /tmp and its mounts)'
        )}
        {check('enabled', 'Enabled')}
      </fieldset>
    </EntryDialog>
  )
}

/** The image catalogue: add, edit, disable, delete. */
export function ImagesPage() {
  return (
    <CatalogueAdminPage<AdminImage>
      title="Images"
      noun="image"
      caption="Image catalogue"
      columns={['Reference', 'Access', 'Resources', 'Status']}
      cells={(image) => (
        <>
          <td>
            <code>{image.reference}</code> ({image.driver})
          </td>
          <td>
            {image.protocol.toUpperCase()} on {image.port}
          </td>
          <td>
            {formatCores(image.resources.cpuMillicores)}, {formatBytes(image.resources.memoryBytes)}
          </td>
          <td>{image.enabled ? 'Enabled' : 'Disabled'}</td>
        </>
      )}
      load={(page) =>
        unwrap(api.GET('/api/v1/admin/images', { params: { query: { page, perPage: 25 } } }))
      }
      remove={(image) =>
        unwrap(api.DELETE('/api/v1/admin/images/{id}', { params: { path: { id: image.id } } }))
      }
      deleteNote={
        <p>An image that environments still use cannot be deleted: disable it instead.</p>
      }
      Editor={ImageDialog}
    />
  )
}
