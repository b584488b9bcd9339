import { api, unwrap } from '../../api/client'
import { ErrorMessage } from '../../components/error_message'
import { Page } from '../../components/page'
import { QuotaForm } from '../../components/quota_form'
import { useResource } from '../../components/use_resource'

/** The quota of every user without one of their own. */
export function DefaultQuotaPage() {
  const quota = useResource(() => unwrap(api.GET('/api/v1/admin/quotas/default')), [])
  return (
    <Page title="Default quota">
      <p>Every user without a quota of their own gets these limits, at once.</p>
      <ErrorMessage error={quota.error} />
      {quota.data ? (
        <QuotaForm
          limits={quota.data.data}
          submitLabel="Save default quota"
          onSubmit={(body) => unwrap(api.PUT('/api/v1/admin/quotas/default', { body }))}
        />
      ) : null}
    </Page>
  )
}
