import { useEffect, useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import type { Access, Environment } from '../api/types'
import { ConfirmDialog } from '../components/confirm_dialog'
import { Dialog } from '../components/dialog'
import { ErrorMessage } from '../components/error_message'
import { Page } from '../components/page'
import { Pager } from '../components/pager'
import { QuotaTable } from '../components/quota_table'
import { StateBadge } from '../components/state_badge'
import { useProgress } from '../components/use_progress'
import { useResource } from '../components/use_resource'
import { formatBytes, formatCores, formatDate, toLocalInput } from '../format'
import { Link } from '../router'
import { LaunchDialog } from './launch_dialog'
import { ListTable } from '../components/list_table'
import { ShareDialog } from './share_dialog'

type Pending =
  | { kind: 'open'; environment: Environment; access: Access }
  | { kind: 'extend'; environment: Environment }
  | { kind: 'remove'; environment: Environment }
  | { kind: 'share'; environment: Environment }

/**
 * Guacamole's auth token for credentials the portal could not exchange
 * itself: posted to `<Guacamole>/api/tokens` as its own web app does (never
 * put in a URL). Works when Guacamole is served from the portal's origin or
 * allows the console's.
 */
async function guacamoleToken(clientUrl: string, credentials: Record<string, string>) {
  const base = clientUrl.split('#')[0].replace(/\/+$/, '')
  const response = await fetch(`${base}/api/tokens`, {
    method: 'POST',
    body: new URLSearchParams(credentials),
    credentials: 'omit',
  })
  const body = (await response.json().catch(() => null)) as { authToken?: unknown } | null
  if (!response.ok || typeof body?.authToken !== 'string') {
    throw new Error(`Guacamole refused the sign-in (${response.status}).`)
  }
  return body.authToken
}

/** What a person needs to open an environment: a link, after a Guacamole sign-in if the portal left it to the browser. */
function OpenDialog({
  environment,
  access,
  onClose,
}: {
  environment: Environment
  access: Access
  onClose: () => void
}) {
  const credentials = access.kind === 'guacamole' ? access.credentials : undefined
  const [link, setLink] = useState<string | null>(credentials ? null : access.url)
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => {
    if (!credentials) {
      return
    }
    guacamoleToken(access.url, credentials as Record<string, string>)
      .then((token) => setLink(`${access.url}?token=${encodeURIComponent(token)}`))
      .catch((error: unknown) =>
        setProblem(
          `Guacamole could not be signed in to from this browser: ${error instanceof Error ? error.message : String(error)}`
        )
      )
  }, [access])

  return (
    <Dialog title={`Open ${environment.name}`} onClose={onClose}>
      <p>
        {access.kind === 'web'
          ? 'The application opens in a new tab.'
          : 'The remote desktop opens in Apache Guacamole, in a new tab.'}
      </p>
      {link ? (
        <p>
          <a class="button primary" href={link} target="_blank" rel="noopener noreferrer">
            Open {environment.name} in a new tab
          </a>
        </p>
      ) : null}
      {!link && !problem ? <p role="status">Signing in to Guacamole…</p> : null}
      {problem ? <ErrorMessage error={new Error(problem)} /> : null}
      {problem && credentials && 'username' in credentials ? (
        <>
          <p>
            Sign in on{' '}
            <a href={access.url} target="_blank" rel="noopener noreferrer">
              Guacamole’s page
            </a>{' '}
            with:
          </p>
          <dl class="facts">
            <dt>Username</dt>
            <dd>
              <code>{credentials.username}</code>
            </dd>
            <dt>Password</dt>
            <dd>
              <code>{credentials.password}</code>
            </dd>
          </dl>
        </>
      ) : null}
      <div class="buttons">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  )
}

/** Moves an environment's expiry, up to the site's maximum lifetime (the API says when it is too far). */
function ExtendDialog({
  environment,
  onClose,
  onDone,
}: {
  environment: Environment
  onClose: () => void
  onDone: () => void
}) {
  const [value, setValue] = useState(
    toLocalInput(new Date(Date.parse(environment.expiresAt) + 24 * 3600_000))
  )
  const [error, setError] = useState<unknown>(null)
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    try {
      await unwrap(
        api.PATCH('/api/v1/environments/{id}', {
          params: { path: { id: environment.id } },
          body: { expiresAt: new Date(value).toISOString() },
        })
      )
      onDone()
    } catch (caught) {
      setError(caught)
    }
  }
  return (
    <Dialog title={`Extend ${environment.name}`} onClose={onClose}>
      <form onSubmit={submit}>
        <p>It is removed at {formatDate(environment.expiresAt)} unless you extend it.</p>
        <label>
          Keep it until
          <input
            type="datetime-local"
            required
            value={value}
            onInput={(event) => setValue(event.currentTarget.value)}
          />
        </label>
        <ErrorMessage error={error} />
        <div class="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Extend
          </button>
        </div>
      </form>
    </Dialog>
  )
}

function EnvironmentRow(props: {
  environment: Environment
  onChanged: () => void
  onPending: (pending: Pending) => void
  onError: (error: unknown) => void
}) {
  const [environment, setEnvironment] = useState(props.environment)
  const [busy, setBusy] = useState(false)
  // A reload of the list brings newer data than this row's.
  useEffect(() => setEnvironment(props.environment), [props.environment])
  const refresh = async () => {
    try {
      const answer = await unwrap(
        api.GET('/api/v1/environments/{id}', { params: { path: { id: environment.id } } })
      )
      setEnvironment(answer.data)
      props.onChanged()
    } catch (caught) {
      props.onError(caught)
    }
  }
  const progress = useProgress(environment.id, environment.state, () => void refresh())

  const act = async (action: () => Promise<{ data: Environment } | undefined>) => {
    setBusy(true)
    try {
      const answer = await action()
      if (answer) {
        setEnvironment(answer.data)
      }
    } catch (caught) {
      props.onError(caught)
    } finally {
      setBusy(false)
    }
  }
  const path = { params: { path: { id: environment.id } } }
  const open = () =>
    act(async () => {
      const access = await unwrap(api.POST('/api/v1/environments/{id}/access', path))
      props.onPending({ kind: 'open', environment, access: access.data })
      return undefined
    })

  const { state } = environment
  // Colleagues an environment is shared with open it; only its owner runs and shares it.
  const own = environment.role === 'owner'
  return (
    <tr data-environment={environment.id}>
      <th scope="row">
        {environment.name}
        {own ? null : (
          <div class="shared-by">
            Shared by {environment.sharedBy}
            {environment.role === 'guest' ? ' (view only)' : ''}
          </div>
        )}
      </th>
      <td>{environment.imageName ?? '—'}</td>
      <td>
        <StateBadge state={state} />
        {state === 'provisioning' ? (
          <div class="progress">
            <progress
              max={progress.total}
              value={progress.done}
              aria-label={`Launch progress of ${environment.name}`}
            />
            <span>{progress.message ?? 'Waiting for the engine…'}</span>
          </div>
        ) : null}
        {state === 'failed' && environment.failureReason ? (
          <div class="warning">{environment.failureReason}</div>
        ) : null}
      </td>
      <td>
        {formatCores(environment.resources.cpuMillicores)},{' '}
        {formatBytes(environment.resources.memoryBytes)}
      </td>
      <td>{formatDate(environment.lastActivityAt)}</td>
      <td>{formatDate(environment.expiresAt)}</td>
      <td class="actions">
        {state === 'running' ? (
          <>
            <button type="button" class="primary" disabled={busy} onClick={() => void open()}>
              Open
            </button>
            {own ? (
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  void act(() => unwrap(api.POST('/api/v1/environments/{id}/stop', path)))
                }
              >
                Stop
              </button>
            ) : null}
          </>
        ) : null}
        {own && environment.experimentId && state !== 'removing' && state !== 'removed' ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => props.onPending({ kind: 'share', environment })}
          >
            Share…
          </button>
        ) : null}
        {own && state === 'stopped' ? (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act(() => unwrap(api.POST('/api/v1/environments/{id}/start', path)))
            }
          >
            Start
          </button>
        ) : null}
        {own && (state === 'running' || state === 'stopped') ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => props.onPending({ kind: 'extend', environment })}
          >
            Extend
          </button>
        ) : null}
        {own && (state === 'running' || state === 'stopped' || state === 'failed') ? (
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() => props.onPending({ kind: 'remove', environment })}
          >
            Remove
          </button>
        ) : null}
      </td>
    </tr>
  )
}

/**
 * The scientist's environments, and those colleagues share with them, with
 * live state and what each can do next.
 */
export function EnvironmentsPage() {
  const [page, setPage] = useState(1)
  const [error, setError] = useState<unknown>(null)
  const [pending, setPending] = useState<Pending | null>(null)
  const [launching, setLaunching] = useState(false)
  const list = useResource(
    () => unwrap(api.GET('/api/v1/environments', { params: { query: { page, perPage: 25 } } })),
    [page]
  )
  const quota = useResource(() => unwrap(api.GET('/api/v1/quota')), [])
  const changed = () => {
    void quota.reload()
  }

  const environments = list.data?.data ?? []
  // A notification's one-click link: /environments?extend=<id> opens that environment's extend dialog.
  const extendId = Number(new URLSearchParams(window.location.search).get('extend'))
  const [extendHandled, setExtendHandled] = useState(false)
  useEffect(() => {
    if (extendHandled || !extendId || !list.data) {
      return
    }
    setExtendHandled(true)
    const target = list.data.data.find((environment) => environment.id === extendId)
    if (target) {
      setPending({ kind: 'extend', environment: target })
    } else {
      void api
        .GET('/api/v1/environments/{id}', { params: { path: { id: extendId } } })
        .then(({ data }) => data && setPending({ kind: 'extend', environment: data.data }))
    }
  }, [extendHandled, extendId, list.data])
  return (
    <Page
      title="Environments"
      actions={
        <button type="button" class="primary" onClick={() => setLaunching(true)}>
          Launch environment…
        </button>
      }
    >
      <ErrorMessage error={list.error ?? error} />
      {list.data && environments.length === 0 ? (
        <p>
          You have no environments, and none is shared with you. Launch one here, or from an{' '}
          <Link href="/experiments">experiment</Link> to work on its data.
        </p>
      ) : null}
      {environments.length > 0 ? (
        <ListTable
          caption="Your environments and those shared with you"
          columns={['Name', 'Image', 'State', 'Resources', 'Last used', 'Expires', '']}
          class="environments"
        >
          {environments.map((environment) => (
            <EnvironmentRow
              key={environment.id}
              environment={environment}
              onChanged={changed}
              onPending={setPending}
              onError={setError}
            />
          ))}
        </ListTable>
      ) : null}
      <Pager meta={list.data?.meta} onPage={setPage} />
      {quota.data ? <QuotaTable quota={quota.data.data} /> : null}

      {launching ? (
        <LaunchDialog
          onClose={() => setLaunching(false)}
          onLaunched={() => {
            setLaunching(false)
            void list.reload()
            void quota.reload()
          }}
        />
      ) : null}
      {pending?.kind === 'open' ? (
        <OpenDialog
          environment={pending.environment}
          access={pending.access}
          onClose={() => setPending(null)}
        />
      ) : null}
      {pending?.kind === 'share' ? (
        <ShareDialog environment={pending.environment} onClose={() => setPending(null)} />
      ) : null}
      {pending?.kind === 'extend' ? (
        <ExtendDialog
          environment={pending.environment}
          onClose={() => setPending(null)}
          onDone={() => {
            setPending(null)
            void list.reload()
          }}
        />
      ) : null}
      {pending?.kind === 'remove' ? (
        <ConfirmDialog
          title={`Remove ${pending.environment.name}?`}
          confirmLabel="Remove"
          onClose={() => setPending(null)}
          onConfirm={async () => {
            await unwrap(
              api.DELETE('/api/v1/environments/{id}', {
                params: { path: { id: pending.environment.id } },
              })
            )
            await list.reload()
          }}
        >
          <p>The environment and everything in it that is not in your output folder are deleted.</p>
        </ConfirmDialog>
      ) : null}
    </Page>
  )
}
