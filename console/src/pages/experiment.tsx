import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import { ErrorMessage } from '../components/error_message'
import { Page } from '../components/page'
import { useResource } from '../components/use_resource'
import { formatDate } from '../format'
import { Link, navigate } from '../router'
import { LaunchDialog } from './launch_dialog'
import { ListTable } from '../components/list_table'
import { LinkList } from '../components/link_list'

/** One proposal: its abstract, its sessions with their data mounts, and launching from it. */
export function ExperimentPage({ id }: { id: number }) {
  const experiment = useResource(
    () => unwrap(api.GET('/api/v1/experiments/{id}', { params: { path: { id } } })),
    [id]
  )
  const [launching, setLaunching] = useState<{ sessionId?: number } | null>(null)
  const data = experiment.data?.data

  return (
    <Page
      title={data ? `Experiment ${data.proposalId}` : 'Experiment'}
      actions={
        data ? (
          <button type="button" class="primary" onClick={() => setLaunching({})}>
            Launch environment…
          </button>
        ) : null
      }
    >
      <p>
        <Link href="/experiments">← All experiments</Link>
      </p>
      <ErrorMessage error={experiment.error} />
      {data ? (
        <>
          <h2>{data.title}</h2>
          <dl class="facts">
            <dt>Instrument</dt>
            <dd>{data.instrument ?? '—'}</dd>
            <dt>Source</dt>
            <dd>{data.source === 'useroffice' ? 'User Office' : 'Entered at the facility'}</dd>
            <dt>Last synchronised</dt>
            <dd>{formatDate(data.lastSyncedAt)}</dd>
          </dl>
          {data.abstract ? <p class="abstract">{data.abstract}</p> : null}
          <h2>Sessions</h2>
          {(data.sessions ?? []).length === 0 ? <p>This experiment has no sessions.</p> : null}
          {(data.sessions ?? []).length > 0 ? (
            <ListTable
              caption={<>Sessions of {data.proposalId}</>}
              columns={['Session', 'When', 'Data mounts', '']}
            >
              {(data.sessions ?? []).map((session) => (
                <tr key={session.id}>
                  <td>
                    <strong>{session.sessionNumber}</strong>
                    {session.title ? <div>{session.title}</div> : null}
                  </td>
                  <td>
                    {formatDate(session.startsAt)} – {formatDate(session.endsAt)}
                  </td>
                  <td>
                    <ul class="mounts">
                      {session.mounts.map((mount) => (
                        <li key={mount.containerPath}>
                          <code>{mount.containerPath}</code>{' '}
                          {mount.mode === 'ro' ? 'read-only' : 'read-write'}
                        </li>
                      ))}
                      {session.mountErrors.map((problem, index) => (
                        <li key={`error-${index}`} class="warning">
                          {problem.containerPath ? <code>{problem.containerPath}</code> : null}{' '}
                          unavailable ({problem.code})
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <button
                      type="button"
                      disabled={!session.launchable}
                      aria-label={`Launch with session ${session.sessionNumber}`}
                      onClick={() => setLaunching({ sessionId: session.id })}
                    >
                      Launch…
                    </button>
                  </td>
                </tr>
              ))}
            </ListTable>
          ) : null}
          <h2>Web resources</h2>
          <LinkList experiment={data} />
        </>
      ) : null}
      {launching && data ? (
        <LaunchDialog
          experiment={data}
          sessionId={launching.sessionId}
          onClose={() => setLaunching(null)}
          onLaunched={(environment) => {
            setLaunching(null)
            navigate(`/environments?highlight=${environment.id}`)
          }}
        />
      ) : null}
    </Page>
  )
}
