import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import type { Environment, EnvironmentShare, ShareRole } from '../api/types'
import { Dialog } from '../components/dialog'
import { ErrorMessage } from '../components/error_message'
import { ListTable } from '../components/list_table'
import { useResource } from '../components/use_resource'
import { formatDate } from '../format'

const ROLE_LABELS: Record<ShareRole, string> = {
  user: 'User — full access',
  guest: 'Guest — view only',
}

/**
 * Who an environment is shared with, sharing it with another member of its
 * experiment (by username, as user or guest), and revoking a share. Web
 * applications cannot be made view-only, so they are offered as user only.
 */
export function ShareDialog({
  environment,
  onClose,
}: {
  environment: Environment
  onClose: () => void
}) {
  const path = { params: { path: { id: environment.id } } }
  const shares = useResource(
    () => unwrap(api.GET('/api/v1/environments/{id}/shares', path)),
    [environment.id]
  )
  const viewOnly = environment.protocol !== 'http'
  const [username, setUsername] = useState('')
  const [role, setRole] = useState<ShareRole>('user')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    try {
      await action()
      await shares.reload()
      return true
    } catch (caught) {
      setError(caught)
      return false
    } finally {
      setBusy(false)
    }
  }
  const add = async (event: Event) => {
    event.preventDefault()
    const done = await run(() =>
      unwrap(api.POST('/api/v1/environments/{id}/shares', { ...path, body: { username, role } }))
    )
    if (done) {
      setUsername('')
    }
  }
  const revoke = (share: EnvironmentShare) =>
    run(() =>
      unwrap(
        api.DELETE('/api/v1/environments/{id}/shares/{userId}', {
          params: { path: { id: environment.id, userId: share.userId } },
        })
      )
    )

  const list = shares.data?.data ?? []
  return (
    <Dialog title={`Share ${environment.name}`} onClose={onClose} wide>
      <p>
        Members of this environment’s experiment can work in it with you. A revoked colleague loses
        access at once
        {environment.protocol === 'http'
          ? '; if they had opened this web application, it is stopped (your files are kept) so that its address stops working.'
          : '.'}
      </p>
      <ErrorMessage error={shares.error ?? error} />
      {shares.data && list.length === 0 ? <p>It is not shared with anyone.</p> : null}
      {list.length > 0 ? (
        <ListTable
          caption="Colleagues it is shared with"
          columns={['Colleague', 'Role', 'Last opened', '']}
          class="shares"
        >
          {list.map((share) => (
            <tr key={share.userId} data-share={share.username}>
              <th scope="row">
                {share.displayName ? `${share.displayName} (${share.username})` : share.username}
              </th>
              <td>{share.role === 'guest' ? 'Guest (view only)' : 'User'}</td>
              <td>{formatDate(share.lastOpenedAt)}</td>
              <td class="actions">
                <button
                  type="button"
                  class="danger"
                  disabled={busy}
                  onClick={() => void revoke(share)}
                >
                  Revoke {share.username}
                </button>
              </td>
            </tr>
          ))}
        </ListTable>
      ) : null}
      <form onSubmit={add}>
        <label>
          Username of a member of the experiment
          <input
            type="text"
            required
            maxLength={128}
            autoComplete="off"
            value={username}
            onInput={(event) => setUsername(event.currentTarget.value)}
          />
        </label>
        <label>
          Role
          <select
            value={role}
            onChange={(event) => setRole(event.currentTarget.value as ShareRole)}
          >
            <option value="user">{ROLE_LABELS.user}</option>
            {viewOnly ? <option value="guest">{ROLE_LABELS.guest}</option> : null}
          </select>
        </label>
        <div class="buttons">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Share
          </button>
        </div>
      </form>
    </Dialog>
  )
}
