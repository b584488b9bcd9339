import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import type { Environment, Experiment, Image } from '../api/types'
import { Dialog } from '../components/dialog'
import { ErrorMessage } from '../components/error_message'
import { QuotaTable } from '../components/quota_table'
import { useResource } from '../components/use_resource'
import { formatBytes, formatCores } from '../format'

/**
 * Launches an analysis environment: an image the scientist may use, the
 * experiment session whose data it mounts, a name; shows what the launch
 * takes next to what is left of the quota. The API decides (quota,
 * membership, mounts) and its refusal is shown as it says it.
 */
export function LaunchDialog(props: {
  experiment?: Experiment
  sessionId?: number
  onClose: () => void
  onLaunched: (environment: Environment) => void
}) {
  const images = useResource(
    () => unwrap(api.GET('/api/v1/images', { params: { query: { perPage: 100 } } })),
    []
  )
  const quota = useResource(() => unwrap(api.GET('/api/v1/quota')), [])
  const [imageId, setImageId] = useState<number>()
  const [sessionId, setSessionId] = useState<number | undefined>(props.sessionId)
  const [name, setName] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  const catalogue = images.data?.data ?? []
  const image: Image | undefined = catalogue.find((entry) => entry.id === imageId) ?? catalogue[0]
  const sessions = props.experiment?.sessions ?? []
  const needsExperiment = Boolean(image?.requiresExperiment && !props.experiment)

  const submit = async (event: Event) => {
    event.preventDefault()
    if (!image) {
      return
    }
    setBusy(true)
    setError(null)
    try {
      const answer = await unwrap(
        api.POST('/api/v1/environments', {
          body: {
            imageId: image.id,
            experimentId: props.experiment?.id,
            sessionId: props.experiment ? sessionId : undefined,
            name: name.trim() || undefined,
          },
        })
      )
      props.onLaunched(answer.data)
    } catch (caught) {
      setError(caught)
      setBusy(false)
      void quota.reload()
    }
  }

  return (
    <Dialog title="Launch an analysis environment" onClose={props.onClose} wide>
      <form onSubmit={submit}>
        {props.experiment ? (
          <p>
            For experiment <strong>{props.experiment.proposalId}</strong>: {props.experiment.title}
          </p>
        ) : null}
        <ErrorMessage error={images.error ?? quota.error} />
        <label>
          Image
          <select
            name="image"
            value={image?.id}
            onChange={(event) => setImageId(Number(event.currentTarget.value))}
            required
          >
            {catalogue.map((entry) => (
              <option key={entry.id} value={entry.id}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
        {images.data && catalogue.length === 0 ? <p>No image is available to you.</p> : null}
        {image ? (
          <div class="muted" id="image-description">
            {image.description ? <p>{image.description}</p> : null}
            <p>
              {image.protocol === 'http'
                ? 'Opens in the browser.'
                : `Opens through Guacamole (${image.protocol.toUpperCase()}).`}{' '}
              Takes {formatCores(image.resources.cpuMillicores)},{' '}
              {formatBytes(image.resources.memoryBytes)} memory
              {image.resources.gpus > 0 ? ` and ${image.resources.gpus} GPU(s)` : ''}.
            </p>
          </div>
        ) : null}
        {needsExperiment ? (
          <p class="notice">
            This image works on an experiment’s data: launch it from the experiment’s page.
          </p>
        ) : null}
        {props.experiment ? (
          <label>
            Session (its data is mounted)
            <select
              name="session"
              value={sessionId ?? ''}
              onChange={(event) =>
                setSessionId(
                  event.currentTarget.value ? Number(event.currentTarget.value) : undefined
                )
              }
            >
              <option value="">No session data</option>
              {sessions.map((session) => (
                <option key={session.id} value={session.id} disabled={!session.launchable}>
                  {session.sessionNumber}
                  {session.title ? `: ${session.title}` : ''}
                  {session.launchable ? '' : ' (data not available)'}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          Name (optional)
          <input
            name="name"
            value={name}
            maxLength={100}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </label>
        {quota.data && image ? (
          <QuotaTable quota={quota.data.data} requested={{ environments: 1, ...image.resources }} />
        ) : null}
        <ErrorMessage error={error} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy || !image || needsExperiment}>
            {busy ? 'Launching…' : 'Launch'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
