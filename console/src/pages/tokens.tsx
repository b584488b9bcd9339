import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import type { AccessToken, NewAccessToken } from '../api/types'
import { ConfirmDialog } from '../components/confirm_dialog'
import { Dialog } from '../components/dialog'
import { ErrorMessage } from '../components/error_message'
import { Page } from '../components/page'
import { Pager } from '../components/pager'
import { useResource } from '../components/use_resource'
import { formatDate } from '../format'
import { useSession } from '../session'
import { ListTable } from '../components/list_table'

/** Shown once: the API never returns a token's value again, and the console keeps it nowhere. */
function NewTokenDialog({ token, onClose }: { token: NewAccessToken; onClose: () => void }) {
  const [copied, setCopied] = useState(false)
  return (
    <Dialog title="Your new API token" onClose={onClose}>
      <p>
        Copy it now: it is shown only this once. Send it as <code>Authorization: Bearer …</code>.
      </p>
      <label>
        Token “{token.name}”
        <input readOnly value={token.token} onFocus={(event) => event.currentTarget.select()} />
      </label>
      <div class="buttons">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard
              ?.writeText(token.token)
              .then(() => setCopied(true))
              .catch(() => setCopied(false))
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" class="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  )
}

/** Personal API tokens for scripts: create (shown once), list, revoke. */
export function TokensPage() {
  const { isAdmin } = useSession()
  const [page, setPage] = useState(1)
  const [adminScope, setAdminScope] = useState(false)
  const [name, setName] = useState('')
  const [days, setDays] = useState('90')
  const [error, setError] = useState<unknown>(null)
  const [created, setCreated] = useState<NewAccessToken | null>(null)
  const [revoking, setRevoking] = useState<AccessToken | null>(null)
  const list = useResource(
    () => unwrap(api.GET('/api/v1/auth/tokens', { params: { query: { page, perPage: 25 } } })),
    [page]
  )

  const create = async (event: Event) => {
    event.preventDefault()
    setError(null)
    try {
      const answer = await unwrap(
        api.POST('/api/v1/auth/tokens', {
          body: { name: name.trim(), expiresInDays: Number(days) },
        })
      )
      setCreated(answer.data)
      setName('')
      await list.reload()
    } catch (caught) {
      setError(caught)
    }
  }

  return (
    <Page title="API tokens">
      <p>Scripts use a personal token instead of your password. Revoke any you no longer use.</p>
      <form class="filters" onSubmit={create}>
        <label>
          Token name
          <input
            required
            maxLength={100}
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </label>
        <label>
          Valid for (days)
          <input
            type="number"
            min={1}
            required
            value={days}
            onInput={(event) => setDays(event.currentTarget.value)}
          />
        </label>
        {isAdmin ? (
          <label class="inline">
            <input
              type="checkbox"
              checked={adminScope}
              onChange={(event) => setAdminScope(event.currentTarget.checked)}
            />
            Admin scope (administration endpoints too)
          </label>
        ) : null}
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
      <ErrorMessage error={error ?? list.error} />
      {list.data && list.data.data.length === 0 ? <p>You have no API tokens.</p> : null}
      {list.data && list.data.data.length > 0 ? (
        <ListTable
          caption="Your API tokens"
          columns={['Name', 'Scope', 'Created', 'Last used', 'Expires', '']}
        >
          {list.data.data.map((token) => (
            <tr key={token.id}>
              <th scope="row">{token.name ?? '—'}</th>
              <td>{token.scopes.includes('admin') ? 'user and admin' : 'user'}</td>
              <td>{formatDate(token.createdAt)}</td>
              <td>{formatDate(token.lastUsedAt)}</td>
              <td>{formatDate(token.expiresAt)}</td>
              <td>
                <button type="button" class="danger" onClick={() => setRevoking(token)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </ListTable>
      ) : null}
      <Pager meta={list.data?.meta} onPage={setPage} />
      {created ? <NewTokenDialog token={created} onClose={() => setCreated(null)} /> : null}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke “${revoking.name ?? revoking.id}”?`}
          confirmLabel="Revoke"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await unwrap(
              api.DELETE('/api/v1/auth/tokens/{id}', { params: { path: { id: revoking.id } } })
            )
            await list.reload()
          }}
        >
          <p>Scripts using it stop working at once.</p>
        </ConfirmDialog>
      ) : null}
    </Page>
  )
}
