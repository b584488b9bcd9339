import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import type { Experiment, Link } from '../api/types'
import { Dialog } from './dialog'
import { ErrorMessage } from './error_message'
import { ListTable } from './list_table'
import { useResource } from './use_resource'

/**
 * Opens a link: asks the portal for its URL (which audits the opening),
 * for an experiment when the link needs one, then offers the URL as a
 * link to a new tab (no pop-up blocker stands in the way of a click).
 */
function OpenLinkDialog(props: { link: Link; experiment?: Experiment; onClose: () => void }) {
  const { link } = props
  const needsChoice = link.requiresExperiment && !props.experiment
  const experiments = useResource(
    () =>
      needsChoice
        ? unwrap(api.GET('/api/v1/experiments', { params: { query: { perPage: 100 } } }))
        : Promise.resolve(null),
    []
  )
  const [experimentId, setExperimentId] = useState<number>()
  const [url, setUrl] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const choices = experiments.data?.data ?? []
  const chosen = props.experiment?.id ?? experimentId ?? choices[0]?.id

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const answer = await unwrap(
        api.POST('/api/v1/links/{id}/open', {
          params: { path: { id: link.id } },
          body: { experimentId: link.requiresExperiment ? chosen : undefined },
        })
      )
      setUrl(answer.data.url)
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog title={`Open ${link.name}`} onClose={props.onClose}>
      {url ? (
        <>
          <p>
            <a class="button primary" href={url} target="_blank" rel="noopener noreferrer">
              Open {link.name} in a new tab
            </a>
          </p>
          <p class="hint">
            It leads to <code>{link.origin}</code>.
          </p>
          <div class="buttons">
            <button type="button" onClick={props.onClose}>
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit}>
          {link.description ? <p>{link.description}</p> : null}
          <p>
            Leads to <code>{link.origin}</code>
            {link.proposalTemplate ? ', with the proposal in its address' : ''}.
          </p>
          {props.experiment && link.requiresExperiment ? (
            <p>
              For experiment <strong>{props.experiment.proposalId}</strong>
            </p>
          ) : null}
          {needsChoice ? (
            <label>
              Proposal
              <select
                name="experiment"
                value={chosen}
                onChange={(event) => setExperimentId(Number(event.currentTarget.value))}
                required
              >
                {choices.map((experiment) => (
                  <option key={experiment.id} value={experiment.id}>
                    {experiment.proposalId} — {experiment.title}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {needsChoice && experiments.data && choices.length === 0 ? (
            <p>You belong to no experiment, and this link is opened for one.</p>
          ) : null}
          <ErrorMessage error={experiments.error ?? error} />
          <div class="buttons">
            <button type="button" onClick={props.onClose}>
              Cancel
            </button>
            <button
              type="submit"
              class="primary"
              disabled={busy || (link.requiresExperiment && chosen === undefined)}
            >
              Get the link
            </button>
          </div>
        </form>
      )}
    </Dialog>
  )
}

/**
 * The web services the facility lists beside its images (e-logbooks, data
 * catalogues, JupyterHubs), for one experiment or with a proposal chooser.
 */
export function LinkList(props: { experiment?: Experiment }) {
  const links = useResource(
    () => unwrap(api.GET('/api/v1/links', { params: { query: { perPage: 100 } } })),
    []
  )
  const [opening, setOpening] = useState<Link | null>(null)
  const shown = links.data?.data ?? []
  return (
    <>
      <ErrorMessage error={links.error} />
      {links.data && shown.length === 0 ? <p>The facility lists no web resources.</p> : null}
      {shown.length > 0 ? (
        <ListTable caption="Web resources" columns={['Name', 'Leads to', '']}>
          {shown.map((link) => (
            <tr key={link.id}>
              <th scope="row">
                {link.name}
                {link.description ? <div class="hint">{link.description}</div> : null}
              </th>
              <td>
                <code>{link.origin}</code>
                {link.proposalTemplate ? ' (per proposal)' : ''}
              </td>
              <td class="actions">
                <button
                  type="button"
                  aria-label={`Open ${link.name}`}
                  onClick={() => setOpening(link)}
                >
                  Open…
                </button>
              </td>
            </tr>
          ))}
        </ListTable>
      ) : null}
      {opening ? (
        <OpenLinkDialog
          link={opening}
          experiment={props.experiment}
          onClose={() => setOpening(null)}
        />
      ) : null}
    </>
  )
}
