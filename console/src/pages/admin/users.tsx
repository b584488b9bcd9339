import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import type { Role } from '../../api/types'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { Pager } from '../../components/pager'
import { useResource } from '../../components/use_resource'
import { formatDate } from '../../format'
import { Link } from '../../router'
import { ListTable } from '../../components/list_table'
import { FilterSelect } from '../../components/filter_select'
import { SearchFilters } from '../../components/search_filters'

const PROVIDERS = {
  local: 'Local',
  useroffice: 'User Office',
  saml: 'Single sign-on',
  oidc: 'OpenID Connect',
}

/** Every account, searchable and filtered by role and status. */
export function UsersPage() {
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
      <SearchFilters
        label="Search users"
        placeholder="Username, e-mail or name"
        onSearch={(text) => {
          setPage(1)
          setQuery(text)
        }}
      >
        <FilterSelect
          label="Role"
          value={role}
          options={[
            ['', 'Any'],
            ['scientist', 'Scientist'],
            ['admin', 'Admin'],
          ]}
          onChange={(value) => {
            setPage(1)
            setRole(value)
          }}
        />
        <FilterSelect
          label="Status"
          value={status}
          options={[
            ['', 'Any'],
            ['false', 'Active'],
            ['true', 'Disabled'],
          ]}
          onChange={(value) => {
            setPage(1)
            setStatus(value)
          }}
        />
      </SearchFilters>
      <ErrorMessage error={list.error} />
      {list.data ? (
        <ListTable
          caption="Users"
          columns={['Username', 'Name', 'Sign-in', 'Roles', 'Status', 'Last sign-in']}
        >
          {list.data.data.map((user) => (
            <tr key={user.id}>
              <th scope="row">
                <Link href={`/admin/users/${user.id}`}>{user.username}</Link>
              </th>
              <td>{user.displayName ?? '—'}</td>
              <td>{PROVIDERS[user.provider]}</td>
              <td>{user.roles.join(', ')}</td>
              <td>{user.disabled ? <span class="badge state-failed">Disabled</span> : 'Active'}</td>
              <td>{formatDate(user.lastLoginAt)}</td>
            </tr>
          ))}
        </ListTable>
      ) : null}
      <Pager meta={list.data?.meta} onPage={setPage} />
    </Page>
  )
}
