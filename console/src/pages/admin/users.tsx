import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import type { Role } from '../../api/types'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { Pager } from '../../components/pager'
import { useResource } from '../../components/use_resource'
import { formatDate } from '../../format'
import { Link } from '../../router'

const PROVIDERS = {
  local: 'Local',
  useroffice: 'User Office',
  saml: 'Single sign-on',
  oidc: 'OpenID Connect',
}

/** Every account, searchable and filtered by role and status. */
export function UsersPage() {
  const [search, setSearch] = useState('')
  const [query, setQuery] = useState('')
  const [role, setRole] = useState<Role | ''>('')
  const [status, setStatus] = useState<'' | 'true' | 'false'>('')
  const [page, setPage] = useState(1)
  const list = useResource(
    () =>
      unwrap(
        api.GET('/api/v1/admin/users', {
          params: {
            query: {
              search: query || undefined,
              role: role || undefined,
              disabled: status || undefined,
              page,
              perPage: 25,
            },
          },
        })
      ),
    [query, role, status, page]
  )
  return (
    <Page title="Users">
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault()
          setPage(1)
          setQuery(search.trim())
        }}
      >
        <label>
          Search users
          <input
            type="search"
            value={search}
            placeholder="Username, e-mail or name"
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Search</button>
        <label>
          Role
          <select
            value={role}
            onChange={(event) => {
              setPage(1)
              setRole(event.currentTarget.value as Role | '')
            }}
          >
            <option value="">Any</option>
            <option value="scientist">Scientist</option>
            <option value="admin">Admin</option>
          </select>
        </label>
        <label>
          Status
          <select
            value={status}
            onChange={(event) => {
              setPage(1)
              setStatus(event.currentTarget.value as '' | 'true' | 'false')
            }}
          >
            <option value="">Any</option>
            <option value="false">Active</option>
            <option value="true">Disabled</option>
          </select>
        </label>
      </form>
      <ErrorMessage error={list.error} />
      {list.data ? (
        <table class="list">
          <caption class="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Name</th>
              <th scope="col">Sign-in</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Last sign-in</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((user) => (
              <tr key={user.id}>
                <th scope="row">
                  <Link href={`/admin/users/${user.id}`}>{user.username}</Link>
                </th>
                <td>{user.displayName ?? '—'}</td>
                <td>{PROVIDERS[user.provider]}</td>
                <td>{user.roles.join(', ')}</td>
                <td>
                  {user.disabled ? <span class="badge state-failed">Disabled</span> : 'Active'}
                </td>
                <td>{formatDate(user.lastLoginAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager meta={list.data?.meta} onPage={setPage} />
    </Page>
  )
}
