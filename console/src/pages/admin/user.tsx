import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { ConfirmDialog } from '../../components/confirm_dialog'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { QuotaForm } from '../../components/quota_form'
import { QuotaTable } from '../../components/quota_table'
import { StateBadge } from '../../components/state_badge'
import { useResource } from '../../components/use_resource'
import { formatDate } from '../../format'
import { Link, navigate } from '../../router'
import { ListTable } from '../../components/list_table'

/** One account: roles, disabling, its quota, its environments, and GDPR erasure. */
export function UserPage({ id }: { id: number }) {
  const user = useResource(
    () => unwrap(api.GET('/api/v1/admin/users/{id}', { params: { path: { id } } })),
    [id]
  )
  const [error, setError] = useState<unknown>(null)
  const [confirm, setConfirm] = useState<'disable' | 'erase' | null>(null)
  const [stopEnvironments, setStopEnvironments] = useState(true)
  const path = { params: { path: { id } } }
  const data = user.data?.data

  const update = async (body: {
    roles?: ('scientist' | 'admin')[]
    disabled?: boolean
    stopEnvironments?: boolean
  }) => {
    setError(null)
    try {
      await unwrap(api.PATCH('/api/v1/admin/users/{id}', { ...path, body }))
      await user.reload()
    } catch (caught) {
      setError(caught)
    }
  }

  return (
    <Page title={data ? `User ${data.username}` : 'User'}>
      <p>
        <Link href="/admin/users">← All users</Link>
      </p>
      <ErrorMessage error={user.error ?? error} />
      {data ? (
        <>
          <dl class="facts">
            <dt>Name</dt>
            <dd>{data.displayName ?? '—'}</dd>
            <dt>E-mail</dt>
            <dd>{data.email ?? '—'}</dd>
            <dt>Signs in with</dt>
            <dd>{data.provider}</dd>
            <dt>Created</dt>
            <dd>{formatDate(data.createdAt)}</dd>
            <dt>Last sign-in</dt>
            <dd>{formatDate(data.lastLoginAt)}</dd>
            <dt>Status</dt>
            <dd>{data.disabled ? 'Disabled' : 'Active'}</dd>
          </dl>

          <h2>Roles and access</h2>
          <div class="buttons left">
            <label class="inline">
              <input
                type="checkbox"
                checked={data.roles.includes('admin')}
                onChange={(event) =>
                  void update({
                    roles: event.currentTarget.checked ? ['scientist', 'admin'] : ['scientist'],
                  })
                }
              />
              Administrator
            </label>
            {data.disabled ? (
              <button type="button" onClick={() => void update({ disabled: false })}>
                Enable account
              </button>
            ) : (
              <button type="button" class="danger" onClick={() => setConfirm('disable')}>
                Disable account…
              </button>
            )}
          </div>

          <h2>Quota {data.quota.custom ? '(their own)' : '(the default)'}</h2>
          <QuotaTable quota={data.quota} caption={`Quota of ${data.username}`} />
          <QuotaForm
            key={JSON.stringify(data.quota.limits)}
            limits={data.quota.limits}
            submitLabel="Save quota"
            onSubmit={async (body) => {
              const answer = await unwrap(
                api.PUT('/api/v1/admin/users/{id}/quota', { ...path, body })
              )
              await user.reload()
              return answer
            }}
          />
          {data.quota.custom ? (
            <p>
              <button
                type="button"
                onClick={() =>
                  void unwrap(api.DELETE('/api/v1/admin/users/{id}/quota', path))
                    .then(() => user.reload())
                    .catch(setError)
                }
              >
                Back to the default quota
              </button>
            </p>
          ) : null}

          <h2>Environments</h2>
          {data.environments.length === 0 ? <p>None.</p> : null}
          {data.environments.length > 0 ? (
            <ListTable
              caption={<>Environments of {data.username}</>}
              columns={['Name', 'Image', 'State', 'Expires']}
            >
              {data.environments.map((environment) => (
                <tr key={environment.id}>
                  <th scope="row">{environment.name}</th>
                  <td>{environment.imageName ?? '—'}</td>
                  <td>
                    <StateBadge state={environment.state} />
                  </td>
                  <td>{formatDate(environment.expiresAt)}</td>
                </tr>
              ))}
            </ListTable>
          ) : null}

          <h2>Erase</h2>
          <p>Erasure (GDPR) removes the person's data and environments and cannot be undone.</p>
          <button type="button" class="danger" onClick={() => setConfirm('erase')}>
            Erase this user…
          </button>
        </>
      ) : null}

      {confirm === 'disable' && data ? (
        <ConfirmDialog
          title={`Disable ${data.username}?`}
          confirmLabel="Disable"
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            await unwrap(
              api.PATCH('/api/v1/admin/users/{id}', {
                ...path,
                body: { disabled: true, stopEnvironments },
              })
            )
            await user.reload()
          }}
        >
          <p>Their sessions end and their API tokens are deleted.</p>
          <label class="inline">
            <input
              type="checkbox"
              checked={stopEnvironments}
              onChange={(event) => setStopEnvironments(event.currentTarget.checked)}
            />
            Also stop their running environments
          </label>
        </ConfirmDialog>
      ) : null}
      {confirm === 'erase' && data ? (
        <ConfirmDialog
          title={`Erase ${data.username}?`}
          confirmLabel="Erase for good"
          typeToConfirm={data.username}
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            await unwrap(api.DELETE('/api/v1/admin/users/{id}', path))
            navigate('/admin/users')
          }}
        >
          <p>
            The account is pseudonymised, its environments removed and its tokens, sessions and
            memberships deleted.
          </p>
        </ConfirmDialog>
      ) : null}
    </Page>
  )
}
