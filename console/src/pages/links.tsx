import { LinkList } from '../components/link_list'
import { Page } from '../components/page'

/** Web resources that are not containers; a templated one asks for the proposal. */
export function LinksPage() {
  return (
    <Page title="Web resources">
      <p>
        Services of the facility that open in the browser. Those marked “per proposal” open on the
        proposal you choose.
      </p>
      <LinkList />
    </Page>
  )
}
